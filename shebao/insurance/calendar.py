"""When a staff change may take effect: the region's business calendar, from policy.

Changes submitted on a day belong to that month — or, past the region's staff-change deadline
(Wuhan: the 20th, seed 001), to the next month. An enrolment starts in the month of employment
or, when that month's deadline has passed, in the next month; earlier months are back-payment
(补缴), not enrolment. A termination stops from the business month at the earliest: months
already assessed are refunded (退费), not un-enrolled. Either may be dated one month ahead.
Where a region closes for its assessment (Jiangsu, 7th–10th) the engine refuses the submission
itself (``window_bound`` matters).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shebao.common.periods import YearMonth


@dataclass(frozen=True)
class OpenPeriod:
    """The months a staff change submitted on a day may take effect in."""

    today: YearMonth  # the calendar month of the day
    business_month: YearMonth  # the month changes submitted now belong to
    latest: YearMonth  # the latest month a change may be dated ahead to

    def describe(self) -> str:
        return f"{self.business_month.label()}至{self.latest.label()}"

    def enrolment_start(self, month: YearMonth) -> YearMonth | str:
        """The start month for an enrolment dated ``month``, or the reason it is refused."""
        if month < self.today:
            return f"参保年月{month.label()}早于本期（{self.describe()}），以前月份请办理补缴业务"
        if month > self.latest:
            return f"{month.label()}不在本期可办理的月份内（{self.describe()}）"
        return max(month, self.business_month)

    def termination_stop(self, month: YearMonth) -> YearMonth | str:
        """The stop month for a termination dated ``month``, or the reason it is refused."""
        if month < self.business_month:
            return (
                f"停保年月{month.label()}早于本期（{self.describe()}），已核定月份的费用请办理退费"
            )
        if month > self.latest:
            return f"{month.label()}不在本期可办理的月份内（{self.describe()}）"
        return month


def open_period(*, region: str, on: date) -> OpenPeriod:
    from shebao.policy.calendar import staff_change_deadline

    month = YearMonth.of(on)
    deadline = staff_change_deadline(region=region, month=month)
    business = month + 1 if deadline is not None and on > deadline else month
    return OpenPeriod(month, business, business + 1)


def change_closing_day(*, region: str, month: YearMonth) -> date:
    """The last day a staff change of ``month`` can still be undone (人员变更回退): the month's
    staff-change deadline where the region sets one (Wuhan: the 20th); where the region closes
    for its assessment (Jiangsu: from the 7th), the last open day before it, in the next month;
    else the month's last day. After it the month's contributions are assessed."""
    from shebao.policy.calendar import _window, staff_change_deadline

    deadline = staff_change_deadline(region=region, month=month)
    if deadline is not None:
        return deadline
    following = month + 1
    window = _window(region, following.first_day)
    if window is not None and window["open_day"] > window["close_day"]:
        return following.day(window["close_day"])
    return month.last_day
