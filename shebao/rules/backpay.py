"""Interest on a back-payment of pension contributions (补缴利息, DOMAIN.md §4, Tianjin method).

Interest runs at each year's personal-account crediting rate r (记账利率); the monthly rate is
r / 12. A month's amount owed in month n starts earning in month n and stops before the payment
month m:

- owed and paid in the same year: ``owed × (m − n) × r/12``;
- owed in an earlier year: ``C1 = owed × (12 − n + 1) × r_owed/12`` to the end of that year;
  then for every full year in between the whole balance so far (principal + interest) earns the
  year's rate, compounded (C2); in the payment year the balance earns
  ``C3 = balance × (m − 1) × r_pay/12``.

Several owed years are handled by carrying one running balance forward year by year, which is
C1 + C2 + C3 for each owed month. Interest is computed exactly and rounded once, at the end, by
``rounding.amount``. A provisional crediting rate (e.g. the current year's, before publication)
makes the result provisional, and the trace says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from shebao.common.errors import InvalidInput
from shebao.common.money import Rounding, quantize
from shebao.common.periods import YearMonth
from shebao.common.trace import Param, Trace
from shebao.rules.notation import money, num, pct
from shebao.rules.params import amount_in, in_force, missing

RATE_KEY = "pension.crediting_rate"
MAX_MONTHS = 600  # 50 years of owed months in one request is beyond any real case


@dataclass(frozen=True)
class YearInterest:
    year: int
    rate: Decimal
    interest: Decimal  # exact, before rounding
    balance: Decimal  # principal + interest at the end of the year (or at payment), exact


@dataclass(frozen=True)
class BackpayResult:
    principal: Decimal
    interest: Decimal
    total: Decimal
    years: tuple[YearInterest, ...]
    trace: Trace


def rate_for_year(trace: Trace, rates: Sequence[Param[Decimal]], year: int) -> Decimal:
    """The crediting rate of ``year``: the record in force on 1 January of that year."""
    param = in_force(rates, date(year, 1, 1))
    if param is None:
        raise missing(RATE_KEY, on=date(year, 1, 1))
    if param.provisional:
        trace.note(f"{year} 年记账利率为暂定值，正式公布后将重新计算，多退少补。")
    return trace.use(param)


def backpay_interest(
    *,
    owed: Sequence[tuple[YearMonth, Any]],
    pay_month: YearMonth,
    crediting_rates: Sequence[Param[Decimal]],
    rounding: Param[Rounding],
) -> BackpayResult:
    """Principal and interest of paying the ``owed`` (month, amount) pairs in ``pay_month``."""
    if not owed:
        raise InvalidInput("请至少填写一个补缴月份", code="BACKPAY_MONTHS_EMPTY", field="months")
    if len(owed) > MAX_MONTHS:
        raise InvalidInput(
            f"一次最多测算 {MAX_MONTHS} 个月", code="BACKPAY_TOO_MANY_MONTHS", field="months"
        )
    by_month: dict[YearMonth, Decimal] = {}
    for index, (month, raw) in enumerate(owed):
        value = amount_in(raw, field=f"months.{index}.amount", label=f"{month.label()}补缴金额")
        if month > pay_month:
            raise InvalidInput(
                f"补缴月份 {month} 晚于缴费月份 {pay_month}",
                code="BACKPAY_MONTH_AFTER_PAY",
                field=f"months.{index}.month",
            )
        by_month[month] = by_month.get(month, Decimal(0)) + value
    trace = Trace(
        "backpay.interest",
        "补缴养老保险费利息测算（天津办法）",
        inputs={
            "months": [{"month": str(m), "amount": a} for m, a in sorted(by_month.items())],
            "pay_month": str(pay_month),
        },
    )
    principal = trace.step(
        "补缴本金", f"{len(by_month)} 个月合计", sum(by_month.values(), Decimal(0))
    )
    first_year = min(by_month).year
    balance = Decimal(0)
    years: list[YearInterest] = []
    for year in range(first_year, pay_month.year + 1):
        rate = rate_for_year(trace, crediting_rates, year)
        in_year = sorted((m, a) for m, a in by_month.items() if m.year == year)
        if year < pay_month.year:
            # Balance brought forward earns the full year (C2); this year's months earn from
            # their own month to December inclusive (C1).
            month_product = sum((a * (12 - m.month + 1) for m, a in in_year), Decimal(0))
            carried = balance * rate
            fresh = month_product * rate / 12
            parts = []
            if balance:
                parts.append(f"{num(balance)} × {pct(rate)}")
            if in_year:
                parts.append(f"Σ欠缴额×(12−n+1) {num(month_product)} × {pct(rate)} ÷ 12")
        else:
            # Payment year: the balance earns months 1..m−1 (C3); months owed this year earn
            # from their own month to the month before payment.
            month_product = sum((a * (pay_month.month - m.month) for m, a in in_year), Decimal(0))
            carried = balance * (pay_month.month - 1) * rate / 12
            fresh = month_product * rate / 12
            parts = []
            if balance:
                parts.append(f"{num(balance)} × {pay_month.month - 1} × {pct(rate)} ÷ 12")
            if in_year:
                parts.append(f"Σ欠缴额×(m−n) {num(month_product)} × {pct(rate)} ÷ 12")
        interest = carried + fresh
        balance = balance + interest + sum((a for _m, a in in_year), Decimal(0))
        trace.step(f"{year} 年利息", " + ".join(parts) or "0", interest)
        years.append(YearInterest(year=year, rate=rate, interest=interest, balance=balance))
    rule = trace.use(rounding)
    exact = sum((y.interest for y in years), Decimal(0))
    interest_total = trace.step(
        "利息合计", f"{num(exact)}，{rule.describe()}", quantize(exact, rule)
    )
    principal = quantize(principal, rule)
    total = trace.step(
        "本息合计", f"{money(principal)} + {money(interest_total)}", principal + interest_total
    )
    return BackpayResult(
        principal=principal,
        interest=interest_total,
        total=total,
        years=tuple(years),
        trace=trace,
    )
