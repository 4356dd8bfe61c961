"""Emergency measures and the business window (Jiangsu, seed 002): the days a window closes
each month are the agency's assessment, not a deadline, so a measure does not open them; late
business is taken on the open days up to the end of late handling, and the matter page and the
refusal say exactly that."""

from __future__ import annotations

from datetime import date

import pytest
from freezegun import freeze_time

from shebao.applications.models import Application
from shebao.applications.services import acceptance_window_refusal
from shebao.catalogue.models import Matter
from shebao.catalogue.services import catalogue_load
from shebao.emergency.tests.test_measures import _editor
from shebao.policy.services import parameter_record

pytestmark = pytest.mark.django_db

NAME = "防汛应急期间社会保险业务延期办理（江苏省演示）"


@pytest.fixture
def jiangsu_measure(policy_data):
    """A measure of Jiangsu from 2020-01-25, lifted 2020-06-30, late handling to 2020-09-30;
    Jiangsu's window in 2020: the 6th to the 25th of each month."""
    return parameter_record(
        actor=_editor(),
        region="320000",
        key="emergency.measures",
        valid_from=date(2020, 1, 25),
        valid_to=date(2020, 9, 30),
        value={
            "name": NAME,
            "lifted_on": "2020-06-30",
            "deferral_months_after_lift": 3,
            "keep_rights_record": True,
        },
        status="final",
        source="测试文件",
        reason="录入应急措施",
    )


def _window_bound(district: str) -> Application:
    matter = Matter(code="unit.sample", name="用工参保登记", window_bound=True)
    return Application(matter=matter, district_id=district)


def test_a_closed_day_inside_late_handling_is_refused_saying_until_when_late_business_is_taken(
    jiangsu_measure,
):
    refusal = acceptance_window_refusal(application=_window_bound("320402"), on=date(2020, 8, 3))

    assert refusal is not None and refusal.code == "OUTSIDE_ACCEPTANCE_WINDOW"
    assert refusal.message == (
        "“用工参保登记”只在业务受理期内受理：当前不在受理期（每月6日至25日受理），8月6日起恢复受理。"
        f"按{NAME}，应急措施期间未能按期办理的业务可补办至2020年9月30日，补办也须在受理期内提交"
    )
    assert refusal.details == {"next_open": "2020-08-06", "late_handling_until": "2020-09-30"}


def test_an_open_day_inside_late_handling_is_accepted(jiangsu_measure):
    assert (
        acceptance_window_refusal(application=_window_bound("320402"), on=date(2020, 8, 6)) is None
    )


@pytest.mark.parametrize("on", [date(2020, 1, 3), date(2020, 10, 3)])
def test_outside_the_measures_dates_the_refusal_says_nothing_of_late_handling(jiangsu_measure, on):
    refusal = acceptance_window_refusal(application=_window_bound("320402"), on=on)

    assert refusal is not None
    assert "补办" not in refusal.message
    assert refusal.details["late_handling_until"] is None


def test_a_region_without_a_measure_is_refused_as_before(jiangsu_measure):
    refusal = acceptance_window_refusal(application=_window_bound("320402"), on=date(2021, 8, 8))
    assert refusal is not None and "补办" not in refusal.message


def test_the_matter_page_says_the_window_stays_and_late_business_is_taken_until_the_end(
    client, jiangsu_measure
):
    catalogue_load()
    window_bound = "/matters/unit.staff_enrol/?region=320400"
    any_day = "/matters/person.unemployment_benefit/?region=320400"
    with freeze_time("2020-08-03 10:00:00+08:00"):
        during = client.get(window_bound).content.decode()
        other = client.get(any_day).content.decode()
    with freeze_time("2020-10-01 10:00:00+08:00"):
        after = client.get(window_bound).content.decode()

    late = (
        "应急措施期间未能按期办理本事项的，可在2020年9月30日前补办，不影响个人权益记录和待遇领取；"
        "期间届满的办理期限和申领期限顺延至该日。"
    )
    assert (
        late + "业务受理时间不因应急措施改变（每月6日至25日受理），补办也须在受理期内提交。"
    ) in during
    assert late in other and "业务受理时间不因应急措施改变" not in other
    assert "受理时间和申领期限顺延" not in during  # the window is not extended
    assert "emergency-measure" not in after
