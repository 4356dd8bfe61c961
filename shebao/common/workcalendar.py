"""Working days under China's statutory holidays (放假调休), via chinese-calendar.

chinese-calendar carries the State Council's holiday arrangements for the years it covers
(2004–2026 in 1.11.0); each year's arrangement is published around November. For a year it does
not cover we count Monday–Friday as working days and say so: :func:`covered` tells callers,
and time limits computed that way are marked provisional where they are shown.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar


@lru_cache(maxsize=64)
def covered(year: int) -> bool:
    """Whether the holiday table knows this year's arrangement."""
    try:
        chinese_calendar.is_workday(date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def is_workday(day: date, *, makeup_is_workday: bool = True) -> bool:
    """Whether ``day`` is a working day.

    A makeup Saturday or Sunday (调休上班日) is a working day for the agency; some banks do not
    pay on them, so payday rules may pass ``makeup_is_workday=False``.
    """
    if not covered(day.year):
        return day.weekday() < 5
    if chinese_calendar.is_workday(day):
        return makeup_is_workday or day.weekday() < 5
    return False


def is_makeup_workday(day: date) -> bool:
    """A weekend day worked in exchange for a holiday (调休上班)."""
    return covered(day.year) and day.weekday() >= 5 and chinese_calendar.is_workday(day)


def holiday_name(day: date) -> str | None:
    """The statutory holiday ``day`` belongs to (e.g. "Spring Festival"), or None.

    Ordinary weekends are not holidays here.
    """
    if not covered(day.year):
        return None
    on_holiday, name = chinese_calendar.get_holiday_detail(day)
    return name if on_holiday and name else None


HOLIDAY_LABELS = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def add_working_days(start: date, days: int) -> date:
    """The date on which a time limit of ``days`` working days, counted from ``start``, ends.

    The day of ``start`` itself is not counted (a case accepted on Friday with a 1-day limit is
    due on the next working day).
    """
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    remaining = days
    while remaining:
        day += timedelta(days=1)
        if is_workday(day):
            remaining -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 if ``end <= start``)."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_workday(day):
            count += 1
    return count


def previous_workday(day: date, *, makeup_is_workday: bool = True) -> date:
    """The last working day strictly before ``day``."""
    day -= timedelta(days=1)
    while not is_workday(day, makeup_is_workday=makeup_is_workday):
        day -= timedelta(days=1)
    return day
