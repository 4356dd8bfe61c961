"""Months as values: :class:`YearMonth`, never a string or a date standing in for a month."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import models

from shebao.common.errors import InvalidInput

_PATTERN = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


@dataclass(frozen=True, order=True, slots=True)
class YearMonth:
    """A calendar month, e.g. ``YearMonth(2020, 1)``; ordered and usable as a dict key."""

    year: int
    month: int

    def __post_init__(self) -> None:
        if not (1 <= self.month <= 12) or not (1 <= self.year <= 9999):
            raise ValueError(f"no such month: {self.year}-{self.month}")

    @classmethod
    def parse(cls, text: str, *, field: str | None = None) -> YearMonth:
        """Parse ``YYYY-MM``; anything else raises :class:`InvalidInput` in Chinese."""
        match = _PATTERN.match(text or "")
        if not match or not (1 <= int(match.group(2)) <= 12):
            raise InvalidInput(
                f"“{text}”不是有效的年月，应为“YYYY-MM”格式，如 2020-01",
                code="INVALID_MONTH",
                field=field,
            )
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def of(cls, day: date) -> YearMonth:
        return cls(day.year, day.month)

    @classmethod
    def from_index(cls, index: int) -> YearMonth:
        """Inverse of :attr:`index`."""
        return cls(index // 12, index % 12 + 1)

    @property
    def index(self) -> int:
        """Months since year 0: differences of indexes count months."""
        return self.year * 12 + self.month - 1

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def day(self, day: int) -> date:
        """The given day of this month, clamped to the month's last day."""
        return date(self.year, self.month, min(day, self.last_day.day))

    def __add__(self, months: int) -> YearMonth:
        if not isinstance(months, int):
            return NotImplemented
        return YearMonth.from_index(self.index + months)

    def __sub__(self, other: Any) -> Any:
        if isinstance(other, YearMonth):
            return self.index - other.index
        if isinstance(other, int):
            return YearMonth.from_index(self.index - other)
        return NotImplemented

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    def label(self) -> str:
        return f"{self.year}年{self.month}月"

    def as_int(self) -> int:
        """The database form: ``202001``."""
        return self.year * 100 + self.month

    @classmethod
    def from_int(cls, value: int) -> YearMonth:
        return cls(value // 100, value % 100)


def day_label(day: date) -> str:
    """A day as users read it: 2020年3月1日."""
    return f"{day.year}年{day.month}月{day.day}日"


def months_between(start: YearMonth, end: YearMonth) -> int:
    """Whole months from ``start`` to ``end`` (``end - start``)."""
    return end - start


def check_period(
    start: YearMonth | None,
    end: YearMonth | None,
    *,
    reversed_message: str = "",
    reversed_code: str = "MONTHS_REVERSED",
    reversed_field: str = "end_month",
    before: YearMonth | None = None,
    not_past_message: str = "",
    not_past_field: str = "end_month",
    max_months: int | None = None,
    too_long_message: str = "",
    too_long_code: str = "BACKPAY_TOO_MANY_MONTHS",
    too_long_field: str = "start_month",
) -> None:
    """The checks a form's period of months passes, in this order, each in the matter's own
    words (a check whose message is empty is not made; a side not filled in passes):

    1. ``start`` not after ``end`` (422 ``reversed_code``, ``MONTHS_REVERSED`` by default);
    2. ``end`` before the month ``before`` — a past period (422 ``BACKPAY_MONTH_NOT_PAST``);
    3. at most ``max_months`` months, both ends included (422 ``too_long_code``).
    """
    if reversed_message and start is not None and end is not None and start > end:
        raise InvalidInput(reversed_message, code=reversed_code, field=reversed_field)
    if not_past_message and before is not None and end is not None and end >= before:
        raise InvalidInput(not_past_message, code="BACKPAY_MONTH_NOT_PAST", field=not_past_field)
    if (
        too_long_message
        and max_months is not None
        and start is not None
        and end is not None
        and end - start + 1 > max_months
    ):
        raise InvalidInput(too_long_message, code=too_long_code, field=too_long_field)


class YearMonthField(models.PositiveIntegerField):
    """Stores a :class:`YearMonth` as the integer ``YYYYMM``: sortable, readable in SQL."""

    description = "年月"

    def from_db_value(
        self, value: int | None, expression: Any, connection: Any
    ) -> YearMonth | None:
        return None if value is None else YearMonth.from_int(value)

    def to_python(self, value: Any) -> YearMonth | None:
        if value is None or isinstance(value, YearMonth):
            return value
        if isinstance(value, int):
            return YearMonth.from_int(value)
        return YearMonth.parse(str(value))

    def get_prep_value(self, value: Any) -> int | None:
        value = self.to_python(value)
        return None if value is None else value.as_int()

    def value_to_string(self, obj: Any) -> str:
        value = self.value_from_object(obj)
        return "" if value is None else str(value)


# --- sane dates --------------------------------------------------------------------------------
# A date a person types is about a life, a job or an appointment: nothing before 1900, nothing
# more than a few years ahead. 9999-12-31 is a typing error (or a probe), never a fact.
EARLIEST_DATE = date(1900, 1, 1)
FORM_YEARS_AHEAD = 10  # application forms: planned dates, appointments, contract ends
POLICY_LATEST_DATE = date(2100, 12, 31)  # policy schedules (retirement-age reform) run decades


def form_latest_date(today: date) -> date:
    """The last date an application form accepts: the end of the year ten years from now."""
    return date(today.year + FORM_YEARS_AHEAD, 12, 31)


def date_check(
    day: date, *, earliest: date = EARLIEST_DATE, latest: date, field: str | None = None
) -> date:
    """``day`` if it lies in ``earliest … latest`` (both included); else 422
    ``DATE_OUT_OF_RANGE`` naming the range."""
    if not (earliest <= day <= latest):
        raise InvalidInput(
            f"日期 {day.isoformat()} 超出有效范围，应在 {earliest.isoformat()} 至 "
            f"{latest.isoformat()} 之间",
            code="DATE_OUT_OF_RANGE",
            field=field,
        )
    return day
