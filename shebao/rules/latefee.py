"""Late fees on unpaid contributions (滞纳金, DOMAIN.md §4).

``fee = arrears × daily rate × days``, both the first and the last day counted. The daily rate
is a dated parameter: 0.2% a day under the 1999 regulation, 0.05% a day from 2011-07-01 (Social
Insurance Law art. 86). A period that crosses a change of rate is split at the change: each
segment is charged at the rate in force on its days, the segment amounts are added exactly and
the sum is rounded once by ``rounding.amount``. A local cap (``latefee.cap``: a share of the
principal and/or a fixed maximum) applies to the rounded fee.

Two further things split the period, so that a bill's late fee and the public calculator are
one computation:

- **payments** on the arrears: an amount paid on a day is charged up to and including that day
  (the day of payment counts, as the calculator's last day does) and not after it; the fee
  runs on what remains unpaid;
- **emergency measures** (``emergency.measures`` records, seeds 000 and 003): where a record
  says ``waive_late_fee``, no fee accrues on the days of its period — from the first day of the
  emergency to the end of its late-handling time (the record's ``valid_from``–``valid_to``).
  Arrears paid inside that window are charged nothing for it; days before and after it are
  charged as usual. The waived days are shown in the trace with the record they come from.
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
EMERGENCY_KEY = "emergency.measures"


@dataclass(frozen=True)
class LateFeeSegment:
    start: date
    end: date
    days: int
    daily_rate: Decimal
    amount: Decimal  # exact, before rounding (0 on waived days)
    principal: Decimal = Decimal(0)  # what was unpaid on these days (yuan)
    waived_by: str = ""  # the emergency measure that waives these days, by name


@dataclass(frozen=True)
class LateFeeResult:
    days: int
    daily_rate: Decimal  # the rate in force on the last day
    fee: Decimal
    segments: tuple[LateFeeSegment, ...]
    capped: bool
    trace: Trace
    waived_days: int = 0

    @property
    def waived(self) -> bool:
        return self.waived_days > 0


def _waiving(waivers: Sequence[Param[Any]]) -> list[Param[Any]]:
    """The emergency records that waive the late fee."""
    return [w for w in waivers if isinstance(w.value, dict) and w.value.get("waive_late_fee")]


def late_fee(
    *,
    amount: Any,
    start: date,
    end: date,
    daily_rates: Sequence[Param[Decimal]],
    rounding: Param[Rounding],
    cap: Param[Any] | None = None,
    payments: Sequence[tuple[date, Any]] = (),
    waivers: Sequence[Param[Any]] = (),
) -> LateFeeResult:
    """The late fee on ``amount`` yuan of arrears from ``start`` to ``end``, both days counted.

    ``daily_rates`` are the ``latefee.daily_rate`` records overlapping the period, in any order.
    ``payments`` are ``(day, yuan)`` paid on the arrears: each stops the fee on what it paid
    after its day. ``waivers`` are the ``emergency.measures`` records overlapping the period;
    those that waive the late fee charge nothing on the days of their period.
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
    paid = sorted(
        (day, amount_in(value, field="payments", label="已缴金额")) for day, value in payments
    )
    windows = _waiving(waivers)
    inputs: dict[str, Any] = {"amount": principal, "start": start, "end": end}
    if paid:
        inputs["payments"] = [{"day": d, "amount": a} for d, a in paid]
    trace = Trace("latefee", "滞纳金测算", inputs=inputs)
    days = trace.step(
        "滞纳天数",
        f"{end.isoformat()} − {start.isoformat()} + 1（首尾两日均计）",
        (end - start).days + 1,
    )
    # Every day on which what is charged may change: a rate record starting or ending, an
    # emergency window opening or closing, the day after a payment.
    points = {start}
    for record in [*daily_rates, *windows]:
        for point in (
            record.ref.valid_from,
            record.ref.valid_to + timedelta(days=1) if record.ref.valid_to else None,
        ):
            if point is not None and start < point <= end:
                points.add(point)
    for day, _value in paid:
        if start <= day < end:
            points.add(day + timedelta(days=1))
    ordered = sorted(points)
    segments: list[LateFeeSegment] = []
    rate_params: set[int] = set()
    for index, day in enumerate(ordered):
        segment_end = ordered[index + 1] - timedelta(days=1) if index + 1 < len(ordered) else end
        unpaid = principal - sum((a for d, a in paid if d < day), Decimal(0))
        if unpaid <= 0 < principal:
            break  # paid in full: nothing runs after
        param = in_force(daily_rates, day)
        if param is None:
            raise missing(RATE_KEY, on=day)
        if id(param) not in rate_params:
            rate_params.add(id(param))
            trace.use(param)
        rate = param.value
        seg_days = (segment_end - day).days + 1
        waiver = in_force(windows, day)
        if waiver is not None:
            measure = trace.use(waiver)
            segments.append(
                LateFeeSegment(
                    day, segment_end, seg_days, rate, Decimal(0), unpaid, measure["name"]
                )
            )
        else:
            segments.append(
                LateFeeSegment(day, segment_end, seg_days, rate, unpaid * rate * seg_days, unpaid)
            )
    if len({s.daily_rate for s in segments}) > 1:
        trace.note(
            "期间跨越滞纳金日费率调整（如 2011-07-01 起由每日 0.2% 调整为每日 0.05%），"
            "按各段适用费率分段计算后相加。"
        )
    if paid:
        trace.note("期间内有缴款：缴款当日仍计滞纳金，次日起按尚未缴纳的金额计算。")
    waived_days = sum(s.days for s in segments if s.waived_by)
    for name in dict.fromkeys(s.waived_by for s in segments if s.waived_by):
        trace.note(f"按{name}，应急措施期间（含解除后补办期限内）免收滞纳金。")
    for segment in segments:
        label = f"{segment.start.isoformat()} 至 {segment.end.isoformat()}"
        if segment.waived_by:
            trace.step(label, f"{segment.days} 天，按{segment.waived_by}免收滞纳金", Decimal(0))
        else:
            trace.step(
                label,
                f"{money(segment.principal)} × {pct(segment.daily_rate)} × {segment.days} 天",
                segment.amount,
            )
    exact = sum((s.amount for s in segments), Decimal(0))
    rule = trace.use(rounding)
    charged = [s for s in segments if not s.waived_by]
    fee = trace.step(
        "滞纳金",
        (" + ".join(num(s.amount) for s in charged) if len(charged) > 1 else num(exact))
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
    last = in_force(daily_rates, end)
    return LateFeeResult(
        days=days,
        daily_rate=segments[-1].daily_rate if segments else (last.value if last else Decimal(0)),
        fee=fee,
        segments=tuple(segments),
        capped=capped,
        trace=trace,
        waived_days=waived_days,
    )
