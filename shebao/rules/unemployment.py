"""Unemployment benefit: monthly amount and duration (DOMAIN.md §5).

- Eligible only with at least ``unemployment.min_contribution_months`` (12) of contributions.
  Fewer months is not an error: the result says ``eligible = False`` with amount 0.00 and 0
  months, and the trace says why (the same answer for the public calculator and for a claim).
- Duration from ``unemployment.duration_table`` by cumulative contribution months (12→12,
  60→18, 120→24 months), plus months carried over from an earlier entitlement not used up,
  capped at ``unemployment.max_months`` (24).
- Amount: ``minimum wage × unemployment.benefit_pct_of_min_wage``, rounded by
  ``rounding.benefit``. An emergency measure in force may raise the percentage (Jilin 2020: 90%
  of the minimum wage) for a claim starting before the emergency is lifted (its record runs on
  to the end of late handling); the higher one applies.
- Near retirement (2024 办法 art. 7): when ``birth`` and ``category`` are given, the statutory
  retirement month R is computed by :func:`shebao.rules.retirement.retirement` (nested in the
  trace). Benefit is never paid from R on; if at the last month of entitlement the person is less
  than ``unemployment.near_retirement_months`` (12) from R, benefit continues up to the month
  before R (and the fund pays the pension contributions). A person already at R is not eligible.
  Where no near-retirement rule is in force (before 2025) benefit still stops at R.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from shebao.common.money import quantize
from shebao.common.periods import YearMonth
from shebao.common.trace import Param, Trace
from shebao.rules import retirement as retirement_rule
from shebao.rules.notation import money, pct
from shebao.rules.params import Params, count_in, maybe, need

KEYS = (
    "unemployment.min_contribution_months",
    "unemployment.duration_table",
    "unemployment.max_months",
    "unemployment.benefit_pct_of_min_wage",
    "wage.minimum_monthly",
    "rounding.benefit",
)
OPTIONAL_KEYS = (
    "unemployment.near_retirement_months",
    *retirement_rule.KEYS,
    *retirement_rule.OPTIONAL_KEYS,
)
MAX_CONTRIBUTION_MONTHS = 12 * 80


@dataclass(frozen=True)
class UnemploymentResult:
    eligible: bool
    monthly: Decimal  # yuan/month
    max_months: int
    total: Decimal  # monthly × max_months
    extended_to_retirement: bool
    trace: Trace


def _not_eligible(trace: Trace, reason: str) -> UnemploymentResult:
    trace.step("领取资格", reason, "不符合")
    trace.note(reason)
    return UnemploymentResult(
        eligible=False,
        monthly=Decimal("0.00"),
        max_months=0,
        total=Decimal("0.00"),
        extended_to_retirement=False,
        trace=trace,
    )


def unemployment_benefit(
    params: Params,
    *,
    contribution_months: Any,
    start: YearMonth,
    carried_months: Any = 0,
    birth: YearMonth | None = None,
    category: str | None = None,
    emergency: Param[Any] | None = None,
) -> UnemploymentResult:
    """Monthly benefit and maximum months for a claim whose first benefit month is ``start``."""
    months_paid = count_in(
        contribution_months,
        field="contribution_months",
        label="累计缴费月数",
        maximum=MAX_CONTRIBUTION_MONTHS,
    )
    carried = count_in(
        carried_months,
        field="carried_months",
        label="以前未领取的月数",
        maximum=MAX_CONTRIBUTION_MONTHS,
    )
    trace = Trace(
        "unemployment.benefit",
        "失业保险金测算",
        inputs={
            "contribution_months": months_paid,
            "carried_months": carried,
            "start": str(start),
            "birth": str(birth) if birth else None,
            "category": category,
        },
    )
    minimum = need(trace, params, "unemployment.min_contribution_months")
    if months_paid < minimum:
        return _not_eligible(
            trace,
            f"失业前累计缴纳失业保险费不满 {minimum} 个月（{months_paid} 个月），"
            "不符合领取失业保险金的条件。",
        )
    table = need(trace, params, "unemployment.duration_table")
    rows = [r for r in table if r[0] <= months_paid]
    if not rows:
        return _not_eligible(
            trace, f"累计缴费 {months_paid} 个月，未达到领取期限表的最低月数 {table[0][0]} 个月。"
        )
    row = max(rows, key=lambda r: r[0])
    months = trace.step(
        "领取期限",
        f"累计缴费 {months_paid} 个月（满 {row[0]} 个月）",
        row[1],
    )
    if carried:
        cap = need(trace, params, "unemployment.max_months")
        months = trace.step(
            "含以前未领取月数", f"min({months} + {carried}, {cap})", min(months + carried, cap)
        )
    extended = False
    if birth is not None and category is not None:
        ages = retirement_rule.retirement(params, birth=birth, category=category)
        trace.child(ages.trace)
        statutory = ages.statutory_month
        if statutory <= start:
            return _not_eligible(
                trace,
                f"已达到法定退休年龄（{statutory}），应按规定申领基本养老金，不再领取失业保险金。",
            )
        until_retirement = statutory - start
        last = start + (months - 1)
        near = maybe(trace, params, "unemployment.near_retirement_months")
        if until_retirement < months:
            months = trace.step(
                "领取期限（至法定退休年龄止）", f"{statutory} − {start}", until_retirement
            )
            trace.note("领取期限届满前达到法定退休年龄的，领取至法定退休年龄前一个月。")
        elif near is None:
            if until_retirement > months:
                trace.note("该期间尚无“距法定退休年龄不足一年可领取至退休”的规定，不延长领取期限。")
        elif statutory - last < near and until_retirement > months:
            months = trace.step(
                "领取期限（延长至法定退休年龄）",
                f"期满时距法定退休年龄 {statutory - last} 个月，不足 {near} 个月：{statutory} − {start}",
                until_retirement,
            )
            extended = True
            trace.note(
                "领取失业保险金且距法定退休年龄不足一年的，可继续领取至法定退休年龄，"
                "期间由失业保险基金代缴基本养老保险费。"
            )
    min_wage = need(trace, params, "wage.minimum_monthly")
    share = need(trace, params, "unemployment.benefit_pct_of_min_wage")
    if emergency is not None:
        measures = trace.use(emergency)
        raised = measures.get("unemployment_benefit_pct")
        lifted = measures.get("lifted_on")
        if raised is not None and lifted is not None and start.first_day > lifted:
            # raised only while the emergency lasts (seed 000: 执行期限至疫情结束)
            trace.note(
                f"应急措施“{measures['name']}”已于{lifted.isoformat()}解除，不再提高失业保险金标准。"
            )
        elif raised is not None and raised > share:
            trace.note(
                f"应急措施“{measures['name']}”期间，失业保险金提高到最低工资标准的 {pct(raised)}。"
            )
            share = raised
    rounding = need(trace, params, "rounding.benefit")
    monthly = trace.step(
        "月失业保险金",
        f"{money(min_wage)} × {pct(share)}，{rounding.describe()}",
        quantize(min_wage * share, rounding),
    )
    total = trace.step("合计最多可领", f"{money(monthly)} × {months}", monthly * months)
    return UnemploymentResult(
        eligible=True,
        monthly=monthly,
        max_months=months,
        total=total,
        extended_to_retirement=extended,
        trace=trace,
    )
