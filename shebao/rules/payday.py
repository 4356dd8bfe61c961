"""The pension payday of a month (DOMAIN.md §11–§12: "the 15th, earlier before major holidays").

Policy choices per region:

- ``payday.day``: the nominal day of the month (15);
- ``payday.advance_before_holidays``: holidays (chinese-calendar names, e.g. "Spring Festival")
  before which the month's pension is paid: if a day of one of them falls in the month on or
  before the nominal day, payday is the last working day before that holiday's block of days
  off (so February 2025 is paid on 27 January, before the Spring Festival break);
- otherwise a payday on a statutory holiday moves to the previous working day, and so does a
  payday on an ordinary weekend if ``payday.shift_on_weekend`` (banks that pay on weekends keep
  the day);
- ``payday.makeup_day_is_workday``: whether a makeup Saturday/Sunday (调休上班日) counts as a
  working day for paying.

A region that has not set the three choices gets: no advance before holidays, weekends kept,
makeup days counted; the trace says so. Years the holiday table does not cover are computed with
Monday–Friday as working days and flagged as not final.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from shebao.common import workcalendar
from shebao.common.periods import YearMonth
from shebao.common.trace import Trace
from shebao.rules.params import Params, maybe, need

KEYS = ("payday.day",)
OPTIONAL_KEYS = (
    "payday.shift_on_weekend",
    "payday.makeup_day_is_workday",
    "payday.advance_before_holidays",
)
WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True)
class PaydayResult:
    date: date
    nominal: date
    calendar_covered: bool
    trace: Trace


def describe(day: date) -> str:
    text = f"{day.isoformat()}（星期{WEEKDAYS[day.weekday()]}）"
    name = workcalendar.holiday_name(day)
    if name:
        text += f"，{workcalendar.HOLIDAY_LABELS.get(name, name)}假期"
    elif workcalendar.is_makeup_workday(day):
        text += "，调休上班日"
    return text


def _block_start(day: date) -> date:
    """The first day of the run of days off that contains ``day``."""
    while not workcalendar.is_workday(day - timedelta(days=1)):
        day -= timedelta(days=1)
    return day


def payday(params: Params, *, month: YearMonth) -> PaydayResult:
    """The day the month's pension is paid."""
    trace = Trace("payday", "养老金发放日测算", inputs={"month": str(month)})
    day_of_month = need(trace, params, "payday.day")
    shift_on_weekend = maybe(trace, params, "payday.shift_on_weekend")
    makeup = maybe(trace, params, "payday.makeup_day_is_workday")
    advance = maybe(trace, params, "payday.advance_before_holidays")
    if shift_on_weekend is None:
        shift_on_weekend = False
        trace.note("本地未规定发放日逢周末是否提前，按周末照常发放处理。")
    if makeup is None:
        makeup = True
        trace.note("本地未规定调休上班日是否发放，按视为工作日处理。")
    advance = list(advance or [])
    nominal = trace.step("规定发放日", f"每月 {day_of_month} 日", month.day(day_of_month))
    covered = workcalendar.covered(month.year)
    if not covered:
        trace.note(
            f"{month.year} 年节假日安排尚未收录，暂按周一至周五为工作日推算，"
            "国务院公布放假安排后以实际安排为准。"
        )

    def workday(day: date) -> bool:
        return workcalendar.is_workday(day, makeup_is_workday=makeup)

    def previous(day: date) -> date:
        return workcalendar.previous_workday(day, makeup_is_workday=makeup)

    result = nominal
    # Advance before a named major holiday that falls in the month up to the nominal day.
    day = month.first_day
    while day <= nominal and advance:
        name = workcalendar.holiday_name(day)
        if name in advance:
            start = _block_start(day)
            result = trace.step(
                "节前提前发放",
                f"{workcalendar.HOLIDAY_LABELS.get(name, name)}假期自 {start.isoformat()} 起，"
                f"提前到假期前最后一个工作日",
                previous(start),
            )
            break
        day += timedelta(days=1)
    if result == nominal and not workday(nominal):
        if workcalendar.holiday_name(nominal):
            result = trace.step(
                "逢法定节假日提前", f"{describe(nominal)}，提前到前一个工作日", previous(nominal)
            )
        elif shift_on_weekend:
            result = trace.step(
                "逢周末提前", f"{describe(nominal)}，提前到前一个工作日", previous(nominal)
            )
        else:
            trace.note(f"{describe(nominal)}：本地规定逢周末照常发放。")
    if result != nominal and workcalendar.is_makeup_workday(result):
        trace.note("发放日为调休上班日：本地规定调休上班日视为工作日。")
    if not makeup:
        skipped = [
            result + timedelta(days=n)
            for n in range(1, (nominal - result).days)
            if workcalendar.is_makeup_workday(result + timedelta(days=n))
        ]
        if skipped:
            trace.note(
                f"{'、'.join(d.isoformat() for d in skipped)} 为调休上班日，"
                "本地规定调休上班日不发放，继续提前。"
            )
    trace.step("发放日", describe(result), result)
    return PaydayResult(date=result, nominal=nominal, calendar_covered=covered, trace=trace)
