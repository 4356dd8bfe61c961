"""Interest credited to a personal pension account for one year (DOMAIN.md §6).

Two national methods, r = the year's crediting rate (记账利率):

- yearly method (年度计息): ``interest = B_prev × r + Σc × r × 1.083 / 2``;
- month-product method (月积数): ``interest = B_prev × r + Σ c_n × (12 − n + 1) × r / 12``,
  a contribution of month n earning from its own month to December.

1.083 is the national average-interest coefficient of the yearly method (the year's
contributions earn, on average, a little over half a year); it is part of the method, not a
regional parameter. The interest is rounded by ``rounding.interest`` (some agencies round up to
the next jiao, 见分进角) and the closing balance is ``B_prev + Σc + interest``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from shebao.common.errors import InvalidInput
from shebao.common.money import Rounding, quantize
from shebao.common.trace import Param, Trace
from shebao.rules.notation import money, num, pct
from shebao.rules.params import amount_in

YEARLY = "yearly"
MONTH_PRODUCT = "month_product"
METHODS = {YEARLY: "年度计息法", MONTH_PRODUCT: "月积数法"}
YEARLY_COEFFICIENT = Decimal("1.083")


@dataclass(frozen=True)
class AccountYear:
    opening: Decimal
    contributions: Decimal
    interest: Decimal
    closing: Decimal
    trace: Trace


def account_interest(
    *,
    opening_balance: Any,
    contributions: Sequence[tuple[int, Any]],
    rate: Param[Decimal],
    rounding: Param[Rounding],
    method: str = YEARLY,
) -> AccountYear:
    """One year of a personal account: ``contributions`` are (month 1–12, amount) pairs."""
    if method not in METHODS:
        raise InvalidInput(
            f"未知的计息方法“{method}”", code="INTEREST_METHOD_INVALID", field="method"
        )
    opening = amount_in(opening_balance, field="opening_balance", label="上年末账户余额")
    items: list[tuple[int, Decimal]] = []
    for month, raw in contributions:
        if isinstance(month, bool) or not isinstance(month, int) or not 1 <= month <= 12:
            raise InvalidInput(
                f"月份应为 1 至 12，而不是“{month}”", code="INVALID_MONTH", field="month"
            )
        items.append((month, amount_in(raw, field="amount", label=f"{month} 月记账额")))
    trace = Trace(
        "account.interest",
        f"个人账户记账利息（{METHODS[method]}）",
        inputs={
            "opening_balance": opening,
            "contributions": [{"month": m, "amount": a} for m, a in items],
            "method": method,
        },
    )
    r = trace.use(rate)
    rule = trace.use(rounding)
    paid = trace.step(
        "当年记账额", f"{len(items)} 个月合计", sum((a for _m, a in items), Decimal(0))
    )
    on_opening = trace.step("上年末余额利息", f"{money(opening)} × {pct(r)}", opening * r)
    if method == YEARLY:
        on_paid = trace.step(
            "当年记账额利息",
            f"{money(paid)} × {pct(r)} × {num(YEARLY_COEFFICIENT)} ÷ 2",
            paid * r * YEARLY_COEFFICIENT / 2,
        )
    else:
        product = sum((a * (12 - m + 1) for m, a in items), Decimal(0))
        on_paid = trace.step(
            "当年记账额利息", f"Σ记账额×(12−n+1) {num(product)} × {pct(r)} ÷ 12", product * r / 12
        )
    interest = trace.step(
        "记账利息",
        f"{num(on_opening)} + {num(on_paid)}，{rule.describe()}",
        quantize(on_opening + on_paid, rule),
    )
    closing = trace.step(
        "年末账户余额",
        f"{money(opening)} + {money(paid)} + {money(interest)}",
        opening + paid + interest,
    )
    return AccountYear(
        opening=opening, contributions=paid, interest=interest, closing=closing, trace=trace
    )
