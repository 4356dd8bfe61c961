"""The business calendar of a region: when business is accepted, and monthly deadlines.

Read from policy (``calendar.acceptance_window``, ``calendar.staff_change_deadline_day``,
``calendar.payment_deadline_day``); a region without a window accepts business every day. The
workflow engine calls these before accepting an application.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from shebao.common.periods import YearMonth
from shebao.policy.selectors import param_or_none, policy_scope


@dataclass(frozen=True)
class WindowStatus:
    open: bool
    reason: str  # Chinese, for the applicant
    next_open: date | None  # the first day business is accepted again, when closed


# A window reopens within a month; two months bound the search even across a change of rule.
_NEXT_OPEN_SEARCH_DAYS = 62


def _is_open(window: dict[str, Any] | None, day: date) -> bool:
    if window is None:
        return True
    if window["same_month"]:
        return window["open_day"] <= day.day <= window["close_day"]
    return day.day >= window["open_day"] or day.day <= window["close_day"]


def _window(region: str, day: date) -> dict[str, Any] | None:
    found = param_or_none(region=region, key="calendar.acceptance_window", on=day)
    return None if found is None else found.value


def _span(window: dict[str, Any]) -> str:
    if window["same_month"]:
        return f"每月{window['open_day']}日至{window['close_day']}日受理"
    return f"每月{window['open_day']}日至次月{window['close_day']}日受理"


def acceptance_window_span(*, region: str, on: date) -> str:
    """The region's business window on ``on`` as applicants read it (``每月11日至次月6日受理``),
    or "" where business is accepted every day."""
    window = _window(region, on)
    return "" if window is None else _span(window)


def acceptance_window_status(*, region: str, on: date) -> WindowStatus:
    """Whether ``region`` accepts business on ``on``, why, and when it reopens if closed.

    Jiangsu from 2021-08 (seed 002): open from the 11th of a month to the 6th of the next; closed
    the 7th–10th while the agency assesses the month's contributions. A same-month window (the
    6th to the 25th before 2021-08) is closed outside those days. ``next_open`` follows the rule
    in force on each following day, so it is right across a change of rule.
    """
    with policy_scope():
        window = _window(region, on)
        if window is None:
            return WindowStatus(True, "本地不设业务受理时间窗口，每日均可受理", None)
        if _is_open(window, on):
            return WindowStatus(True, f"受理期内（{_span(window)}）", None)
        next_open = None
        for offset in range(1, _NEXT_OPEN_SEARCH_DAYS + 1):
            day = on + timedelta(days=offset)
            if _is_open(_window(region, day), day):
                next_open = day
                break
    when = (
        f"{next_open.month}月{next_open.day}日起恢复受理" if next_open else "恢复受理日期另行通知"
    )
    if window["same_month"]:
        reason = f"当前不在受理期（{_span(window)}），{when}"
    else:
        reason = (
            f"每月{window['close_day'] + 1}日至{window['open_day'] - 1}日为核定期，暂停受理业务；"
            f"{when}（{_span(window)}）"
        )
    return WindowStatus(False, reason, next_open)


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
