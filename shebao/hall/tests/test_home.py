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


def test_home_page_shows_the_calendar(client, policy):
    page = client.get("/").content.decode()
    assert "本月办事日历" in page
    for city in ("北京市", "吉林市", "常州市", "昆山市", "武汉市"):
        assert city in page
