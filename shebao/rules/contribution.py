"""Contribution base and contribution lines (DOMAIN.md §1–§2).

The base is the declared monthly wage W clamped to the limits: ``base = min(max(W, L), U)``.
The limits are the published ``contribution.base_floor`` / ``contribution.base_ceiling`` where a
region publishes them, otherwise ``A × pct / 12`` from the annual average wage A, rounded by
``rounding.base``. The declared wage is rounded by ``rounding.base`` *before* the clamp, so the
base is always within the limits whatever the rounding step.

Each insurance the region levies (``contribution.insurances``) gives one line: unit share
``base × unit rate`` and individual share ``base × individual rate``, each rounded by
``rounding.amount``; medical may add a fixed individual amount; work injury is unit-only, at the
base rate of the unit's industry class (1–8) times the local float coefficient.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from shebao.common.errors import InvalidInput
from shebao.common.money import quantize
from shebao.common.trace import Trace
from shebao.rules.notation import money, num, pct
from shebao.rules.params import Params, amount_in, maybe, need

INSURANCE_LABELS = {
    "pension": "养老保险",
    "medical": "医疗保险",
    "maternity": "生育保险",
    "unemployment": "失业保险",
    "work_injury": "工伤保险",
}

LIMIT_KEYS = ("rounding.base",)
LIMIT_OPTIONAL_KEYS = (
    "contribution.base_floor",
    "contribution.base_ceiling",
    "wage.average_annual",
    "contribution.base_floor_pct",
    "contribution.base_ceiling_pct",
)
KEYS = ("rounding.base", "rounding.amount", "contribution.insurances")
OPTIONAL_KEYS = (
    *LIMIT_OPTIONAL_KEYS,
    *(
        f"rate.{i}.{side}"
        for i in INSURANCE_LABELS
        if i != "work_injury"
        for side in ("unit", "individual")
    ),
    "rate.medical.individual_fixed",
    "rate.work_injury.class_rates",
    "rate.work_injury.float",
)
INJURY_CLASSES = range(1, 9)


@dataclass(frozen=True)
class BaseResult:
    wage: Decimal  # declared monthly wage, yuan
    base: Decimal  # contribution base, yuan/month
    floor: Decimal
    ceiling: Decimal
    trace: Trace


@dataclass(frozen=True)
class ContributionLine:
    insurance: str  # pension, medical, maternity, unemployment, work_injury
    label: str
    unit_rate: Decimal
    individual_rate: Decimal
    unit: Decimal  # yuan/month
    individual: Decimal  # yuan/month
    total: Decimal


@dataclass(frozen=True)
class ContributionResult:
    base: Decimal
    lines: tuple[ContributionLine, ...]
    unit_total: Decimal
    individual_total: Decimal
    total: Decimal
    trace: Trace
    floor: Decimal | None = None  # the limits, when the base was clamped here
    ceiling: Decimal | None = None


def _limit(trace: Trace, params: Params, which: str) -> Decimal:
    label = "下限" if which == "floor" else "上限"
    published = maybe(trace, params, f"contribution.base_{which}")
    if published is not None:
        return trace.step(f"缴费基数{label}", "公布标准", published)
    annual = maybe(trace, params, "wage.average_annual")
    share = maybe(trace, params, f"contribution.base_{which}_pct")
    if annual is None or share is None:
        # Neither the published limit nor what it is computed from: say which one is missing.
        need(trace, params, f"contribution.base_{which}")
    rounding = need(trace, params, "rounding.base")
    value = quantize(annual * share / 12, rounding)
    return trace.step(
        f"缴费基数{label}",
        f"{money(annual)} × {pct(share)} ÷ 12，{rounding.describe()}",
        value,
    )


def base_limits(params: Params, trace: Trace) -> tuple[Decimal, Decimal]:
    """The base floor and ceiling (yuan/month), recorded in ``trace``."""
    floor = _limit(trace, params, "floor")
    ceiling = _limit(trace, params, "ceiling")
    if floor > ceiling:
        raise InvalidInput(
            f"政策参数有误：缴费基数下限 {money(floor)} 高于上限 {money(ceiling)}",
            code="POLICY_LIMITS_INCONSISTENT",
        )
    return floor, ceiling


def base_clamp(params: Params, *, wage: Any) -> BaseResult:
    """The contribution base for a declared monthly wage (yuan), clamped to the limits."""
    wage = amount_in(wage, field="wage", label="月缴费工资")
    trace = Trace("contribution.base", "缴费基数核定", inputs={"wage": wage})
    floor, ceiling = base_limits(params, trace)
    rounding = need(trace, params, "rounding.base")
    declared = quantize(wage, rounding)
    if declared != wage:
        trace.step("申报工资舍入", f"{money(wage)}，{rounding.describe()}", declared)
    base = trace.step(
        "缴费基数",
        f"min(max({money(declared)}, {money(floor)}), {money(ceiling)})",
        min(max(declared, floor), ceiling),
    )
    if declared < floor:
        trace.note(f"申报工资低于下限，按下限 {money(floor)} 元核定。")
    elif declared > ceiling:
        trace.note(f"申报工资高于上限，按上限 {money(ceiling)} 元核定。")
    return BaseResult(wage=wage, base=base, floor=floor, ceiling=ceiling, trace=trace)


def _injury_rate(trace: Trace, params: Params, injury_class: int | None) -> Decimal:
    if injury_class is None:
        raise InvalidInput(
            "请选择单位的工伤保险行业风险类别（一类至八类）",
            code="INJURY_CLASS_REQUIRED",
            field="injury_class",
        )
    if isinstance(injury_class, bool) or injury_class not in INJURY_CLASSES:
        raise InvalidInput(
            f"工伤保险行业风险类别应为 1 至 8，而不是“{injury_class}”",
            code="INJURY_CLASS_INVALID",
            field="injury_class",
        )
    class_rates = need(trace, params, "rate.work_injury.class_rates")
    base_rate = class_rates[injury_class]
    factor = maybe(trace, params, "rate.work_injury.float")
    if factor is None:
        return trace.step(f"工伤保险费率（{injury_class}类）", "行业基准费率", base_rate)
    return trace.step(
        f"工伤保险费率（{injury_class}类）",
        f"基准费率 {pct(base_rate)} × 浮动系数 {num(factor)}",
        base_rate * factor,
    )


def contribution_lines(
    params: Params, *, base: Decimal, injury_class: int | None = None, trace: Trace | None = None
) -> ContributionResult:
    """Contribution lines for a base that is already fixed (yuan/month).

    ``injury_class`` is needed only where the region levies work-injury insurance.
    """
    base = amount_in(base, field="base", label="缴费基数")
    if trace is None:
        trace = Trace(
            "contribution.lines",
            "单位职工社会保险费核定",
            inputs={"base": base, "injury_class": injury_class},
        )
    insurances = need(trace, params, "contribution.insurances")
    rounding = need(trace, params, "rounding.amount")
    lines: list[ContributionLine] = []
    for insurance in insurances:
        label = INSURANCE_LABELS[insurance]
        if insurance == "work_injury":
            unit_rate = _injury_rate(trace, params, injury_class)
            individual_rate = Decimal(0)
        else:
            unit_rate = need(trace, params, f"rate.{insurance}.unit")
            individual_rate = maybe(trace, params, f"rate.{insurance}.individual")
            if individual_rate is None:
                if insurance != "maternity":
                    need(trace, params, f"rate.{insurance}.individual")
                individual_rate = Decimal(0)
        unit = trace.step(
            f"{label}单位缴费",
            f"{money(base)} × {pct(unit_rate)}，{rounding.describe()}",
            quantize(base * unit_rate, rounding),
        )
        individual = quantize(base * individual_rate, rounding)
        formula = f"{money(base)} × {pct(individual_rate)}，{rounding.describe()}"
        if insurance == "medical":
            fixed = maybe(trace, params, "rate.medical.individual_fixed")
            if fixed:
                individual += fixed
                formula += f" + 定额 {money(fixed)}"
        trace.step(f"{label}个人缴费", formula, individual)
        lines.append(
            ContributionLine(
                insurance=insurance,
                label=label,
                unit_rate=unit_rate,
                individual_rate=individual_rate,
                unit=unit,
                individual=individual,
                total=unit + individual,
            )
        )
    unit_total = sum((line.unit for line in lines), Decimal("0.00"))
    individual_total = sum((line.individual for line in lines), Decimal("0.00"))
    trace.step("单位合计", " + ".join(money(line.unit) for line in lines) or "0", unit_total)
    trace.step(
        "个人合计", " + ".join(money(line.individual) for line in lines) or "0", individual_total
    )
    total = trace.step(
        "合计", f"{money(unit_total)} + {money(individual_total)}", unit_total + individual_total
    )
    return ContributionResult(
        base=base,
        lines=tuple(lines),
        unit_total=unit_total,
        individual_total=individual_total,
        total=total,
        trace=trace,
    )


def contribution(
    params: Params, *, wage: Any, injury_class: int | None = None
) -> ContributionResult:
    """The month's contributions for an employee with declared monthly wage ``wage`` (yuan):
    the base is clamped (:func:`base_clamp`, nested in the trace), then one line per insurance."""
    clamp = base_clamp(params, wage=wage)
    trace = Trace(
        "contribution",
        "单位职工社会保险费测算",
        inputs={"wage": clamp.wage, "injury_class": injury_class},
    )
    trace.child(clamp.trace)
    trace.step("缴费基数", "见“缴费基数核定”", clamp.base)
    lines = contribution_lines(params, base=clamp.base, injury_class=injury_class, trace=trace)
    return replace(lines, floor=clamp.floor, ceiling=clamp.ceiling)
