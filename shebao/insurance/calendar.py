"""When a staff change may take effect: the region's business calendar, from policy.

Changes submitted on a day belong to that month — or, past the region's staff-change deadline
(Wuhan: the 20th, seed 001), to the next month. An enrolment starts in the month of employment
or, when that month's deadline has passed, in the next month; earlier months are back-payment
(补缴), not enrolment. A termination stops from the business month at the earliest: months
already assessed are refunded (退费), not un-enrolled. Either may be dated one month ahead.
Where a region closes for its assessment (Jiangsu, 7th–10th) the engine refuses the submission
itself (``window_bound`` matters).

Emergency measures in policy (``emergency.measures``) open the months of the emergency for late
handling (补办): while they are in force, and for ``deferral_months_after_lift`` months after the
emergency is lifted (seeds 000 and 003: 疫情解除后三个月内补办，不影响个人权益记录), an enrolment or
a termination of a month the emergency covered is registered in its own month, not refused as
back-payment. The months are those from the measures' first day to the day they were lifted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shebao.common.periods import YearMonth


def _date_label(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


@dataclass(frozen=True)
class LateHandling:
    """The months emergency measures open for late handling (补办), and until when."""

    name: str  # the measures' name, as policy gives it
    first: YearMonth  # the first month the emergency covered
    last: YearMonth  # the month it was lifted (this month, while it is not lifted yet)
    until: date | None  # the last day late handling is accepted (None: not lifted yet)

    def covers(self, month: YearMonth) -> bool:
        return self.first <= month <= self.last

    def describe(self) -> str:
        months = f"{self.first.label()}至{self.last.label()}"
        until = f"，{_date_label(self.until)}前" if self.until else ""
        return f"按{self.name}，{months}的人员增减可补办{until}，不影响个人权益记录"


@dataclass(frozen=True)
class OpenPeriod:
    """The months a staff change submitted on a day may take effect in."""

    today: YearMonth  # the calendar month of the day
    business_month: YearMonth  # the month changes submitted now belong to
    latest: YearMonth  # the latest month a change may be dated ahead to
    deadline: date | None = None  # the month's staff-change deadline, where the region sets one
    late: LateHandling | None = None  # months open for late handling under emergency measures

    def describe(self) -> str:
        return f"{self.business_month.label()}至{self.latest.label()}"

    def guide(self) -> str:
        """What an applicant reads before starting: the months open now, and why."""
        text = f"本期可办理{self.describe()}的人员增减"
        if self.deadline is not None:
            if self.business_month > self.today:
                text += (
                    f"（本月人员增减申报已于{_date_label(self.deadline)}截止，"
                    f"现在申报的自{self.business_month.label()}起生效）"
                )
            else:
                text += f"（本月人员增减申报截止日为{_date_label(self.deadline)}）"
        if self.late is not None:
            text += f"；{self.late.describe()}"
        return text

    def _late(self, month: YearMonth) -> bool:
        return self.late is not None and self.late.covers(month)

    def enrolment_start(self, month: YearMonth) -> YearMonth | str:
        """The start month for an enrolment dated ``month``, or the reason it is refused."""
        if month < self.today:
            if self._late(month):
                return month
            return f"参保年月{month.label()}早于本期（{self.describe()}），以前月份请办理补缴业务"
        if month > self.latest:
            return f"{month.label()}不在本期可办理的月份内（{self.describe()}）"
        return max(month, self.business_month)

    def termination_stop(self, month: YearMonth) -> YearMonth | str:
        """The stop month for a termination dated ``month``, or the reason it is refused."""
        if month < self.business_month:
            if self._late(month):
                return month
            return (
                f"停保年月{month.label()}早于本期（{self.describe()}），已核定月份的费用请办理退费"
            )
        if month > self.latest:
            return f"{month.label()}不在本期可办理的月份内（{self.describe()}）"
        return month


def _months_after(day: date, months: int) -> date:
    """The same day ``months`` months later (the month's last day where it is shorter)."""
    return (YearMonth.of(day) + months).day(day.day)


def late_handling(*, region: str, on: date) -> LateHandling | None:
    """The months open for late handling on ``on`` under the region's emergency measures, or
    None. The measures' record in policy runs to the end of the late-handling time; within it,
    handling is late only up to ``lifted_on`` + ``deferral_months_after_lift``."""
    from shebao.policy.selectors import emergency_in_force

    measures = emergency_in_force(region=region, on=on)
    if measures is None:
        return None
    value = measures.value
    lifted: date | None = value["lifted_on"]
    first = YearMonth.of(measures.ref.valid_from)
    if lifted is None:
        return LateHandling(value["name"], first, YearMonth.of(on), None)
    # Not lifted yet on this day: the months so far (the time limit counts from the announced
    # lifting); after it, the months up to the lifting.
    last = YearMonth.of(min(on, lifted))
    until = _months_after(lifted, value["deferral_months_after_lift"])
    if on > until:
        return None
    return LateHandling(value["name"], first, last, until)


def open_period(*, region: str, on: date) -> OpenPeriod:
    from shebao.policy.calendar import staff_change_deadline

    month = YearMonth.of(on)
    deadline = staff_change_deadline(region=region, month=month)
    business = month + 1 if deadline is not None and on > deadline else month
    return OpenPeriod(month, business, business + 1, deadline, late_handling(region=region, on=on))


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
