"""The business calendar of a region: when business is accepted, and monthly deadlines.

Read from policy (``calendar.acceptance_window``, ``calendar.staff_change_deadline_day``,
``calendar.payment_deadline_day``); a region without a window accepts business every day. The
workflow engine calls these before accepting an application.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from shebao.common.periods import YearMonth
from shebao.policy.selectors import param_or_none


@dataclass(frozen=True)
class WindowStatus:
    open: bool
    reason: str  # Chinese, for the applicant
    next_open: date | None  # the first day business is accepted again, when closed


def acceptance_window_status(*, region: str, on: date) -> WindowStatus:
    """Whether ``region`` accepts business on ``on``.

    Jiangsu from 2021-08 (seed 002): open from the 11th of a month to the 6th of the next; closed
    the 7th–10th while the agency assesses the month's contributions. A same-month window (the
    6th to the 25th before 2021-08) is closed outside those days.
    """
    found = param_or_none(region=region, key="calendar.acceptance_window", on=on)
    if found is None:
        return WindowStatus(True, "本地不设业务受理时间窗口，每日均可受理", None)
    window = found.value
    open_day, close_day = window["open_day"], window["close_day"]
    month = YearMonth.of(on)
    if window["same_month"]:
        span = f"每月{open_day}日至{close_day}日受理"
        if open_day <= on.day <= close_day:
            return WindowStatus(True, f"受理期内（{span}）", None)
        next_open = month.day(open_day) if on.day < open_day else (month + 1).day(open_day)
        return WindowStatus(
            False,
            f"当前不在受理期（{span}），{next_open.month}月{next_open.day}日起恢复受理",
            next_open,
        )
    span = f"每月{open_day}日至次月{close_day}日受理"
    if on.day >= open_day or on.day <= close_day:
        return WindowStatus(True, f"受理期内（{span}）", None)
    next_open = month.day(open_day)
    return WindowStatus(
        False,
        f"每月{close_day + 1}日至{open_day - 1}日为核定期，暂停受理业务；"
        f"{next_open.month}月{next_open.day}日起恢复受理（{span}）",
        next_open,
    )


def staff_change_deadline(*, region: str, month: YearMonth) -> date | None:
    """The last day units may submit the month's staff additions and removals (Wuhan: the
    20th, seed 001), or None where no deadline is set. The day as published: not moved for
    weekends or holidays."""
    found = param_or_none(
        region=region, key="calendar.staff_change_deadline_day", on=month.first_day
    )
    return None if found is None else month.day(found.value)


def payment_deadline(*, region: str, month: YearMonth) -> date | None:
    """The day by which the month's contributions must be in the payment account (Wuhan: the
    20th, seed 001), or None where no deadline is set."""
    found = param_or_none(region=region, key="calendar.payment_deadline_day", on=month.first_day)
    return None if found is None else month.day(found.value)
