"""Basic pension of an enterprise employee at retirement (DOMAIN.md §6, 国发〔2005〕38号).

- basic (基础养老金) ``= C × (1 + Ī) / 2 × N × 1%``: C the pension base (计发基数, the province's
  previous-year average monthly wage), Ī the average contribution index, N the contribution
  years including deemed years. The 1% per year is the national formula.
- personal (个人账户养老金) ``= balance / divisor(age)`` with the national divisor table
  (``pension.divisor_table``, ages 40–70 in whole years; no source gives divisors for ages in
  months, so the age is taken in whole years).
- transitional (过渡性养老金) ``= indexed wage × deemed years × coefficient`` for deemed years
  before the personal-account reform; the coefficient is provincial
  (``pension.transitional_coefficient``); the indexed wage defaults to ``C × Ī``, with Ī taken
  as at least 1 where ``pension.transitional_index_floor_one`` says so.

Each part is rounded by ``rounding.benefit``; the total is the sum of the rounded parts.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from shebao.common.errors import InvalidInput
from shebao.common.money import quantize
from shebao.common.trace import Trace
from shebao.rules.notation import money, num, pct
from shebao.rules.params import Params, amount_in, maybe, need, number_in

KEYS = ("pension.divisor_table", "rounding.benefit")
OPTIONAL_KEYS = (
    "pension.transitional_coefficient",
    "pension.transitional_index_floor_one",
    "pension.min_contribution",
)


@dataclass(frozen=True)
class PensionResult:
    basic: Decimal
    personal: Decimal
    transitional: Decimal
    total: Decimal
    divisor: int
    trace: Trace


def basic_pension(
    params: Params,
    *,
    avg_wage: Any,
    index: Any,
    years: Any,
    balance: Any,
    age: int,
    deemed_years: Any = 0,
    indexed_wage: Any = None,
) -> PensionResult:
    """The monthly pension at retirement (yuan/month) and its three parts."""
    base_wage = amount_in(avg_wage, field="avg_wage", label="计发基数", allow_zero=False)
    avg_index = number_in(index, field="index", label="平均缴费指数")
    total_years = number_in(years, field="years", label="累计缴费年限")
    account = amount_in(balance, field="balance", label="个人账户储存额")
    deemed = number_in(deemed_years, field="deemed_years", label="视同缴费年限")
    given_indexed = (
        None
        if indexed_wage is None
        else amount_in(indexed_wage, field="indexed_wage", label="指数化月平均缴费工资")
    )
    if isinstance(age, bool) or not isinstance(age, int):
        raise TypeError("age must be an int (whole years)")
    if deemed > total_years:
        raise InvalidInput(
            "视同缴费年限不能超过累计缴费年限（累计缴费年限应包含视同缴费年限）",
            code="DEEMED_YEARS_EXCEED_TOTAL",
            field="deemed_years",
        )
    trace = Trace(
        "pension.basic",
        "基本养老金测算",
        inputs={
            "avg_wage": base_wage,
            "index": avg_index,
            "years": total_years,
            "balance": account,
            "age": age,
            "deemed_years": deemed,
            "indexed_wage": given_indexed,
        },
    )
    rounding = need(trace, params, "rounding.benefit")
    basic = trace.step(
        "基础养老金",
        f"{money(base_wage)} × (1 + {num(avg_index)}) ÷ 2 × {num(total_years)} × 1%，{rounding.describe()}",
        quantize(base_wage * (1 + avg_index) * total_years / 200, rounding),
    )
    table = need(trace, params, "pension.divisor_table")
    if age not in table:
        raise InvalidInput(
            f"退休年龄应在 {min(table)} 至 {max(table)} 周岁之间（计发月数表范围），而不是 {age}",
            code="PENSION_AGE_OUT_OF_TABLE",
            field="age",
        )
    divisor = trace.step("计发月数", f"{age} 周岁", table[age])
    personal = trace.step(
        "个人账户养老金",
        f"{money(account)} ÷ {divisor}，{rounding.describe()}",
        quantize(account / divisor, rounding),
    )
    transitional = Decimal("0.00")
    if deemed > 0:
        coefficient = need(trace, params, "pension.transitional_coefficient")
        if given_indexed is not None:
            wage = trace.step("指数化月平均缴费工资", "申请人提供", given_indexed)
        else:
            index_used = avg_index
            if maybe(trace, params, "pension.transitional_index_floor_one") and avg_index < 1:
                index_used = Decimal(1)
                trace.note("本地规定：计算过渡性养老金时，平均缴费指数低于 1 的按 1 计算。")
            wage = trace.step(
                "指数化月平均缴费工资",
                f"{money(base_wage)} × {num(index_used)}",
                base_wage * index_used,
            )
        transitional = trace.step(
            "过渡性养老金",
            f"{num(wage)} × {num(deemed)} × {pct(coefficient)}，{rounding.describe()}",
            quantize(wage * deemed * coefficient, rounding),
        )
    total = trace.step(
        "基本养老金合计",
        f"{money(basic)} + {money(personal)} + {money(transitional)}",
        basic + personal + transitional,
    )
    minimum = params.get("pension.min_contribution")
    if minimum is not None and total_years * 12 < minimum.value["base_months"]:
        trace.use(minimum)
        trace.note(
            f"累计缴费年限不足 {num(Decimal(minimum.value['base_months']) / 12)} 年的，"
            "不能按月领取基本养老金，可延长缴费或按规定一次性补缴至满足条件"
            f"（{minimum.value['from_year']} 年起最低缴费年限逐步提高）。"
        )
    return PensionResult(
        basic=basic,
        personal=personal,
        transitional=transitional,
        total=total,
        divisor=divisor,
        trace=trace,
    )
