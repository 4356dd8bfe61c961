from datetime import date

import pytest

from shebao.common.periods import YearMonth
from shebao.policy.calendar import (
    WindowStatus,
    acceptance_window_status,
    payment_deadline,
    staff_change_deadline,
)

pytestmark = pytest.mark.usefixtures("policy_data")

ASSESSING = "每月7日至10日为核定期，暂停受理业务；{m}月11日起恢复受理（每月11日至次月6日受理）"


@pytest.mark.parametrize("region", ["320402", "320583"])
@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2022, 3, 6), WindowStatus(True, "受理期内（每月11日至次月6日受理）", None)),
        (date(2022, 3, 7), WindowStatus(False, ASSESSING.format(m=3), date(2022, 3, 11))),
        (date(2022, 3, 10), WindowStatus(False, ASSESSING.format(m=3), date(2022, 3, 11))),
        (date(2022, 3, 11), WindowStatus(True, "受理期内（每月11日至次月6日受理）", None)),
        (date(2022, 2, 28), WindowStatus(True, "受理期内（每月11日至次月6日受理）", None)),
        (date(2021, 12, 31), WindowStatus(True, "受理期内（每月11日至次月6日受理）", None)),
    ],
)
def test_jiangsu_accepts_from_the_11th_to_the_6th_and_closes_the_7th_to_10th(region, on, expected):
    assert acceptance_window_status(region=region, on=on) == expected


def test_before_august_2021_jiangsu_accepted_from_the_6th_to_the_25th_and_reopening_follows_the_new_rule():
    assert acceptance_window_status(region="320402", on=date(2021, 7, 6)).open is True
    assert acceptance_window_status(region="320402", on=date(2021, 7, 5)) == WindowStatus(
        False, "当前不在受理期（每月6日至25日受理），7月6日起恢复受理", date(2021, 7, 6)
    )
    # The old window would reopen on 8 August; the new one is open from 1 August (day ≤ 6).
    assert acceptance_window_status(region="320402", on=date(2021, 7, 26)) == WindowStatus(
        False, "当前不在受理期（每月6日至25日受理），8月1日起恢复受理", date(2021, 8, 1)
    )


def test_a_region_without_a_window_accepts_every_day():
    assert acceptance_window_status(region="420102", on=date(2022, 3, 8)) == WindowStatus(
        True, "本地不设业务受理时间窗口，每日均可受理", None
    )


def test_wuhan_deadlines_are_the_20th_and_other_regions_have_none():
    assert staff_change_deadline(region="420102", month=YearMonth(2020, 2)) == date(2020, 2, 20)
    assert payment_deadline(region="420100", month=YearMonth(2024, 11)) == date(2024, 11, 20)
    assert staff_change_deadline(region="220200", month=YearMonth(2020, 2)) is None
    assert payment_deadline(region="110000", month=YearMonth(2020, 2)) is None
