"""Flexible-employment pension contributions by grade (DOMAIN.md §3).

A flexible worker chooses a grade g, a percent of the average wage A. The grade base is
``A_annual × g% ÷ 12`` rounded by ``rounding.base`` (Jilin rounds to whole yuan: the 100% grade
of 2020 H1 is 4,612, not 4,611.67; Wuhan rounds to fen). The monthly amount is
``base × flexible.rate`` rounded by ``rounding.amount``; the year is 12 months of it.
Of the rate, ``flexible.personal_account_rate`` goes to the personal account and the rest to the
pooled fund.

The base and the monthly amount are formulas of :mod:`shebao.rules.formula`
(:func:`grade_base_formula`, :func:`monthly_formula`), evaluated here and compiled to SQL by the
monthly assessment.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from shebao.common.errors import InvalidInput
from shebao.common.money import Rounding, quantize
from shebao.common.trace import Trace
from shebao.rules.formula import Amount, Expr, Input, RateOf, Round, Times, evaluate
from shebao.rules.formula import Rate as FixedRate
from shebao.rules.notation import money, pct
from shebao.rules.params import Params, maybe, need

KEYS = (
    "wage.average_annual",
    "flexible.rate",
    "flexible.grades",
    "rounding.base",
    "rounding.amount",
)
OPTIONAL_KEYS = ("flexible.personal_account_rate",)
MONTHS_PER_YEAR = 12


@dataclass(frozen=True)
class FlexibleResult:
    grade: int  # percent of the average wage
    base: Decimal  # yuan/month
    rate: Decimal
    monthly: Decimal  # yuan/month
    annual: Decimal  # yuan/year
    personal_account: Decimal | None  # yuan/month into the personal account, if known
    trace: Trace


def grade_base_formula(*, annual: Decimal, rounding: Rounding) -> Expr:
    """The monthly base of grade ``Input("grade")`` (percent): ``annual × grade ÷ 100 ÷ 12``,
    rounded by ``rounding.base``."""
    return Round(Times(Amount(annual), RateOf("grade", 100 * MONTHS_PER_YEAR)), rounding)


def monthly_formula(*, rate: Decimal, rounding: Rounding) -> Expr:
    """The month's amount on ``Input("base")``: ``base × flexible.rate``, rounded by
    ``rounding.amount`` (all of it paid by the person)."""
    return Round(Times(Input("base"), FixedRate(rate)), rounding)


@dataclass(frozen=True)
class FlexibleRules:
    """A region's month of flexible-employment formulas, resolved once for the batch."""

    grades: tuple[int, ...]
    base: Expr  # grade_base_formula over Input("grade")
    monthly: Expr  # monthly_formula over Input("base")
    trace: Trace  # the parameters used


def flexible_rules(params: Params) -> FlexibleRules:
    """Resolve the formulas from ``params``, read as :func:`flexible` reads them."""
    trace = Trace("flexible.rules", "灵活就业缴费核定规则")
    grades = need(trace, params, "flexible.grades")
    annual = need(trace, params, "wage.average_annual")
    base_rounding = need(trace, params, "rounding.base")
    rate = need(trace, params, "flexible.rate")
    rounding = need(trace, params, "rounding.amount")
    return FlexibleRules(
        grades=tuple(grades),
        base=grade_base_formula(annual=annual, rounding=base_rounding),
        monthly=monthly_formula(rate=rate, rounding=rounding),
        trace=trace,
    )


def grade_base(params: Params, trace: Trace, grade: int) -> Decimal:
    """The monthly base of a grade (percent of the average wage), recorded in ``trace``."""
    grades = need(trace, params, "flexible.grades")
    if isinstance(grade, bool) or not isinstance(grade, int) or grade not in grades:
        allowed = "、".join(f"{g}%" for g in grades)
        raise InvalidInput(
            f"缴费档次“{grade}%”不可选，可选档次为：{allowed}",
            code="FLEXIBLE_GRADE_INVALID",
            field="grade",
        )
    annual = need(trace, params, "wage.average_annual")
    rounding = need(trace, params, "rounding.base")
    return trace.step(
        "档次缴费基数",
        f"{money(annual)} × {grade}% ÷ 12，{rounding.describe()}",
        evaluate(grade_base_formula(annual=annual, rounding=rounding), {"grade": grade}),
    )


def flexible(params: Params, *, grade: int) -> FlexibleResult:
    """Monthly and annual pension contribution of a flexible worker at ``grade`` percent."""
    trace = Trace("flexible.grade", "灵活就业人员养老保险费测算", inputs={"grade": grade})
    base = grade_base(params, trace, grade)
    rate = need(trace, params, "flexible.rate")
    rounding = need(trace, params, "rounding.amount")
    monthly = trace.step(
        "月缴费额",
        f"{money(base)} × {pct(rate)}，{rounding.describe()}",
        evaluate(monthly_formula(rate=rate, rounding=rounding), {"base": base}),
    )
    annual = trace.step("年缴费额", f"{money(monthly)} × 12", monthly * MONTHS_PER_YEAR)
    account_rate = maybe(trace, params, "flexible.personal_account_rate")
    personal_account = None
    if account_rate is not None:
        personal_account = trace.step(
            "其中记入个人账户（月）",
            f"{money(base)} × {pct(account_rate)}，{rounding.describe()}",
            quantize(base * account_rate, rounding),
        )
        trace.step(
            "其中划入统筹基金（月）",
            f"{money(monthly)} − {money(personal_account)}",
            monthly - personal_account,
        )
    return FlexibleResult(
        grade=grade,
        base=base,
        rate=rate,
        monthly=monthly,
        annual=annual,
        personal_account=personal_account,
        trace=trace,
    )
