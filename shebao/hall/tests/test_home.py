"""The public home page's business calendar is computed from policy, region by region."""

from datetime import date

import pytest

from shebao.catalogue.services import catalogue_load
from shebao.hall.selectors import business_calendar
from shebao.policy.services import policy_load

pytestmark = pytest.mark.django_db


@pytest.fixture
def policy(reference_data):
    catalogue_load()
    policy_load()


def _by_region(today):
    return {row.region: row for row in business_calendar(today=today)}


def test_jiangsu_is_closed_while_the_month_is_assessed_and_pays_before_national_day(policy):
    rows = _by_region(date(2024, 10, 8))

    changzhou = rows["常州市"]
    assert changzhou.window_open is False
    assert "10月11日起恢复受理" in changzhou.window
    assert (changzhou.payday, changzhou.payday_nominal) == (date(2024, 9, 30), date(2024, 10, 15))
    assert rows["昆山市"].window_open is False


def test_jiangsu_accepts_from_the_eleventh_and_wuhan_has_its_twentieth(policy):
    rows = _by_region(date(2024, 10, 11))

    assert rows["常州市"].window_open is True
    assert rows["武汉市"].window == ""  # no window: every working day
    assert rows["武汉市"].staff_change_deadline == date(2024, 10, 20)
    assert rows["吉林市"].staff_change_deadline is None


def _calendar(page: str) -> str:
    section = page[page.index('id="calendar"') :]
    section = section[: section.index("</section>")]
    return section.split('<form class="region-picker"', 1)[0] + section.split("</form>", 1)[1]


def test_signed_out_the_home_calendar_is_the_halls_region(client, policy, settings):
    settings.SHEBAO_HALL_REGION = "220200"
    calendar = _calendar(client.get("/").content.decode())

    assert "本月办事日历 · 吉林市" in calendar
    for city in ("北京市", "常州市", "昆山市", "武汉市"):
        assert city not in calendar


def test_a_configured_hall_region_and_a_picked_region(client, policy, settings):
    settings.SHEBAO_HALL_REGION = "420100"
    assert "本月办事日历 · 武汉市" in _calendar(client.get("/").content.decode())

    page = client.get("/?region=320583").content.decode()
    assert "本月办事日历 · 昆山市" in _calendar(page)
    assert '<option value="320583" selected>昆山市</option>' in page
    # a code that is not a pooling region falls back to the visitor's own
    assert "本月办事日历 · 武汉市" in _calendar(client.get("/?region=320000").content.decode())


def test_signed_in_the_home_calendar_is_the_users_own_region(policy, settings):
    from shebao.accounts import actors
    from shebao.testing import make_individual, make_person, signed_in

    settings.SHEBAO_HALL_REGION = "220200"
    user = make_individual(person=make_person(district="420102"))  # 武汉市江岸区
    page = signed_in(user, actors.INDIVIDUAL).get("/").content.decode()

    assert "本月办事日历 · 武汉市" in _calendar(page)


def _footer(client) -> str:
    page = client.get("/").content.decode()
    return page[page.index('<footer class="site-footer">') :]


def test_the_footer_gives_the_office_hours_of_the_halls_region_from_policy(
    policy, client, settings
):
    from shebao.policy.models import PolicyParameter

    settings.SHEBAO_HALL_REGION = "220200"
    # given Jilin City's office hours of seed 000
    assert "服务时间：工作日 8:30–11:30，13:30–17:00 · 咨询电话 12333" in _footer(client)
    # when the agency publishes other hours, the footer follows on the next request
    record = PolicyParameter.objects.get(region="220200", key="calendar.office_hours")
    record.value = [["09:00", "12:00"], ["14:00", "17:30"]]
    record.save()
    assert "服务时间：工作日 9:00–12:00，14:00–17:30" in _footer(client)
    # a region publishing none of its own has the national default, a demo value, said so
    settings.SHEBAO_HALL_REGION = "420100"  # Wuhan
    assert "服务时间：工作日 8:30–11:30，13:30–17:00（本系统演示取值）" in _footer(client)
