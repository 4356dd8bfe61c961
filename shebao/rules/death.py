"""Death benefits: funeral subsidy and survivors' relief (DOMAIN.md §8).

The scheme is the ``death.scheme`` record in force on the date of death:

``income_2021`` (人社部发〔2021〕18号, from 2021-09-01). I = the monthly per-capita disposable
income (the province's previous-year annual figure ÷ 12, or a monthly figure given directly).

- funeral = ``funeral_months`` (2) × I;
- relief months by contribution years N, counted to the month and capped at
  ``contribution_years_cap`` (30): the first band whose ``below_years`` exceeds N (< 5 → 3,
  < 10 → 6, otherwise 9), plus one month per year (to the month) above
  ``extra_per_year_above`` (15), at most ``relief_cap_months`` (24);
- a retiree: the months computed the same way from the contribution years at retirement, less
  one month per year of pension received (to the month), at least ``retiree_floor_months`` (9);
- relief = I × relief months.

``wage_months`` (earlier local rules): funeral = ``funeral_months`` × W and relief =
``relief_months`` × W, W the monthly average wage (``wage.average_annual`` ÷ 12, or a monthly
figure given directly).

Months counted to the month are twelfths; the amounts are computed from whole twelfths and
rounded once each by ``rounding.amount``, so 22 years 1 month gives exactly I × 193/12.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from shebao.common.money import CONTEXT, quantize
from shebao.common.trace import Trace
from shebao.rules.notation import money, num
from shebao.rules.params import Params, amount_in, count_in, need

KEYS = ("death.scheme", "rounding.amount")
OPTIONAL_KEYS = ("death.disposable_income_annual", "wage.average_annual")
INCOME_2021 = "income_2021"
WAGE_MONTHS = "wage_months"
MAX_MONTHS = 12 * 100
RELIEF_MONTHS_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class DeathResult:
    scheme: str
    funeral: Decimal
    relief_months: Decimal  # exact where it terminates, e.g. 16.25; see relief_twelfths
    relief_twelfths: int | None  # relief months × 12 under the 2021 rule
    relief: Decimal
    total: Decimal
    trace: Trace


def _years(months: int) -> str:
    years, extra = divmod(months, 12)
    return f"{years}年{extra}个月" if extra else f"{years}年"


def _twelfths(value: Decimal) -> int:
    """Whole twelfths of a month count given in the scheme (e.g. "9" → 108)."""
    return int((value * 12).to_integral_value())


def _relief_twelfths(trace: Trace, scheme: dict[str, Any], contribution_months: int) -> int:
    """Relief months × 12 for contribution months, in service (2021 rule)."""
    cap_years = scheme["contribution_years_cap"]
    counted = min(contribution_months, _twelfths(cap_years))
    trace.step(
        "计发缴费年限",
        f"min({_years(contribution_months)}, {num(cap_years)}年)（按月计算）",
        _years(counted),
    )
    band_months = None
    for below, months in scheme["relief_bands"]:
        if below is None or counted < _twelfths(below):
            band_months = months
            break
    if band_months is None:
        band_months = scheme["relief_bands"][-1][1]
    threshold = _twelfths(scheme["extra_per_year_above"])
    base = _twelfths(band_months)
    extra = max(0, counted - threshold)
    cap = _twelfths(scheme["relief_cap_months"])
    result = min(base + extra, cap)
    formula = f"{num(band_months)}个月"
    if extra:
        formula += f" + ({_years(counted)} − {num(scheme['extra_per_year_above'])}年)×1个月/年"
    trace.step(
        "抚恤金发放月数（按缴费年限）",
        f"min({formula}, {num(scheme['relief_cap_months'])}个月)",
        (Decimal(result) / 12).quantize(RELIEF_MONTHS_PLACES, context=CONTEXT),
    )
    return result


def death_benefit(
    params: Params,
    *,
    died_on: date,
    contribution_months: Any,
    pension_months: Any = None,
    income: Any = None,
) -> DeathResult:
    """Funeral subsidy and survivors' relief for a death on ``died_on``.

    ``pension_months`` is None for a death in service, else the months of pension received.
    ``income`` is the monthly figure the scheme multiplies (2021 rule: per-capita disposable
    income; earlier rule: average wage); without it the region's published annual figure ÷ 12
    is used.
    """
    if not isinstance(died_on, date):
        raise TypeError("died_on must be a date")
    paid = count_in(
        contribution_months, field="contribution_months", label="累计缴费月数", maximum=MAX_MONTHS
    )
    received = (
        None
        if pension_months is None
        else count_in(
            pension_months, field="pension_months", label="已领取养老金月数", maximum=MAX_MONTHS
        )
    )
    monthly_given = (
        None if income is None else amount_in(income, field="income", label="月人均可支配收入")
    )
    trace = Trace(
        "death.benefit",
        "丧葬补助金和抚恤金测算",
        inputs={
            "died_on": died_on,
            "contribution_months": paid,
            "pension_months": received,
            "income": monthly_given,
        },
    )
    scheme = need(trace, params, "death.scheme")
    rounding = need(trace, params, "rounding.amount")
    if scheme["rule"] == INCOME_2021:
        label = "月人均可支配收入"
        annual_key = "death.disposable_income_annual"
        trace.note("按人社部发〔2021〕18号计发（2021年9月1日起死亡的适用）。")
    else:
        label = "月平均工资"
        annual_key = "wage.average_annual"
        trace.note(
            "死亡日期早于现行办法施行日，按当时当地办法以月平均工资计发"
            + ("；所填月收入视为月平均工资。" if monthly_given is not None else "。")
        )
    # The monthly figure as a fraction numerator/denominator, so amounts round once, exactly.
    if monthly_given is not None:
        numerator, denominator = monthly_given, 1
        trace.step(label, "申请人填写", monthly_given)
    else:
        annual = need(trace, params, annual_key)
        numerator, denominator = annual, 12
        trace.step(label, f"{money(annual)} ÷ 12", annual / 12)
    funeral_months = scheme["funeral_months"]
    funeral = trace.step(
        "丧葬补助金",
        f"{num(funeral_months)} × {label}，{rounding.describe()}",
        quantize(numerator * funeral_months / denominator, rounding),
    )
    twelfths: int | None = None
    if scheme["rule"] == INCOME_2021:
        twelfths = _relief_twelfths(trace, scheme, paid)
        if received is not None:
            floor = _twelfths(scheme["retiree_floor_months"])
            reduced = max(twelfths - received, floor)
            trace.step(
                "抚恤金发放月数（退休人员）",
                f"max({num(Decimal(twelfths) / 12)} − 已领取养老金 {_years(received)}×1个月/年, "
                f"{num(scheme['retiree_floor_months'])})",
                (Decimal(reduced) / 12).quantize(RELIEF_MONTHS_PLACES, context=CONTEXT),
            )
            twelfths = reduced
        relief_months = Decimal(twelfths) / 12
        relief = quantize(numerator * twelfths / (denominator * 12), rounding)
        shown = relief_months.quantize(RELIEF_MONTHS_PLACES, context=CONTEXT)
        formula = (
            f"{label} × {twelfths}/12 个月"
            if shown * 12 != twelfths
            else f"{label} × {num(shown)} 个月"
        )
    else:
        relief_months = scheme["relief_months"]
        relief = quantize(numerator * relief_months / denominator, rounding)
        formula = f"{label} × {num(relief_months)} 个月"
    trace.step("抚恤金", f"{formula}，{rounding.describe()}", relief)
    total = trace.step("合计", f"{money(funeral)} + {money(relief)}", funeral + relief)
    return DeathResult(
        scheme=scheme["rule"],
        funeral=funeral,
        relief_months=relief_months,
        relief_twelfths=twelfths,
        relief=relief,
        total=total,
        trace=trace,
    )
