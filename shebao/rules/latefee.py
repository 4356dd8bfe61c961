"""Late fees on unpaid contributions (滞纳金, DOMAIN.md §4).

``fee = arrears × daily rate × days``, both the first and the last day counted. The daily rate
is a dated parameter: 0.2% a day under the 1999 regulation, 0.05% a day from 2011-07-01 (Social
Insurance Law art. 86). A period that crosses a change of rate is split at the change: each
segment is charged at the rate in force on its days, the segment amounts are added exactly and
the sum is rounded once by ``rounding.amount``. A local cap (``latefee.cap``: a share of the
principal and/or a fixed maximum) applies to the rounded fee.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from shebao.common.errors import InvalidInput
from shebao.common.money import Rounding, quantize
from shebao.common.trace import Param, Trace
from shebao.rules.notation import money, num, pct
from shebao.rules.params import amount_in, in_force, missing

RATE_KEY = "latefee.daily_rate"


@dataclass(frozen=True)
class LateFeeSegment:
    start: date
    end: date
    days: int
    daily_rate: Decimal
    amount: Decimal  # exact, before rounding


@dataclass(frozen=True)
class LateFeeResult:
    days: int
    daily_rate: Decimal  # the rate in force on the last day
    fee: Decimal
    segments: tuple[LateFeeSegment, ...]
    capped: bool
    trace: Trace


def late_fee(
    *,
    amount: Any,
    start: date,
    end: date,
    daily_rates: Sequence[Param[Decimal]],
    rounding: Param[Rounding],
    cap: Param[Any] | None = None,
) -> LateFeeResult:
    """The late fee on ``amount`` yuan of arrears from ``start`` to ``end``, both days counted.

    ``daily_rates`` are the ``latefee.daily_rate`` records overlapping the period, in any order.
    """
    principal = amount_in(amount, field="amount", label="欠缴金额")
    if not isinstance(start, date) or not isinstance(end, date):
        raise TypeError("start and end must be dates")
    if end < start:
        raise InvalidInput(
            f"截止日期 {end.isoformat()} 早于起始日期 {start.isoformat()}",
            code="PERIOD_REVERSED",
            field="end",
        )
    trace = Trace(
        "latefee",
        "滞纳金测算",
        inputs={"amount": principal, "start": start, "end": end},
    )
    days = trace.step(
        "滞纳天数",
        f"{end.isoformat()} − {start.isoformat()} + 1（首尾两日均计）",
        (end - start).days + 1,
    )
    segments: list[LateFeeSegment] = []
    day = start
    while day <= end:
        param = in_force(daily_rates, day)
        if param is None:
            raise missing(RATE_KEY, on=day)
        rate = trace.use(param)
        valid_to = param.ref.valid_to
        segment_end = end if valid_to is None else min(end, valid_to)
        # A later record may start before this one ends: stop where the next one takes over.
        for other in daily_rates:
            if (
                day < other.ref.valid_from <= segment_end
                and other.ref.valid_from > param.ref.valid_from
            ):
                segment_end = other.ref.valid_from - timedelta(days=1)
        seg_days = (segment_end - day).days + 1
        seg_amount = principal * rate * seg_days
        segments.append(LateFeeSegment(day, segment_end, seg_days, rate, seg_amount))
        day = segment_end + timedelta(days=1)
    if len(segments) > 1:
        trace.note(
            "期间跨越滞纳金日费率调整（如 2011-07-01 起由每日 0.2% 调整为每日 0.05%），"
            "按各段适用费率分段计算后相加。"
        )
    for segment in segments:
        trace.step(
            f"{segment.start.isoformat()} 至 {segment.end.isoformat()}",
            f"{money(principal)} × {pct(segment.daily_rate)} × {segment.days} 天",
            segment.amount,
        )
    exact = sum((s.amount for s in segments), Decimal(0))
    rule = trace.use(rounding)
    fee = trace.step(
        "滞纳金",
        (" + ".join(num(s.amount) for s in segments) if len(segments) > 1 else num(exact))
        + f"，{rule.describe()}",
        quantize(exact, rule),
    )
    capped = False
    if cap is not None:
        limits = trace.use(cap)
        if limits is not None:
            bounds: list[tuple[Decimal, str]] = []
            if limits.get("pct_of_principal") is not None:
                share = limits["pct_of_principal"]
                bounds.append((quantize(principal * share, rule), f"本金的 {pct(share)}"))
            if limits.get("max_amount") is not None:
                bounds.append((limits["max_amount"], "最高限额"))
            for bound, label in bounds:
                if fee > bound:
                    capped = True
                    fee = trace.step("滞纳金封顶", f"不超过{label} {money(bound)}", bound)
    return LateFeeResult(
        days=days,
        daily_rate=segments[-1].daily_rate,
        fee=fee,
        segments=tuple(segments),
        capped=capped,
        trace=trace,
    )
