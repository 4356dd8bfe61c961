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
from shebao.common.money import Rounding, quantize
from shebao.common.trace import Trace
from shebao.rules.formula import (
    Amount,
    Expr,
    Greatest,
    Input,
    Least,
    Named,
    Plus,
    Rate,
    RateByClass,
    RateExpr,
    Round,
    Times,
    evaluate,
    evaluate_named,
    rate_value,
)
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


# --- the formulas, written once ------------------------------------------------------------------


def clamp_formula(*, floor: Decimal, ceiling: Decimal, rounding: Rounding) -> Expr:
    """The base of a declared monthly wage ``Input("wage")``: rounded by ``rounding.base``, then
    ``min(max(declared, floor), ceiling)``. Reports ``declared`` and ``base``."""
    declared = Named("declared", Round(Input("wage"), rounding))
    return Named("base", Least(Greatest(declared, Amount(floor)), Amount(ceiling)))


@dataclass(frozen=True)
class LineRule:
    """How one insurance's line is computed from ``Input("base")`` (and, for work injury, the
    unit's class ``injury_class``): each share is ``base × rate`` rounded by
    ``rounding.amount``; the medical individual share may add a fixed amount."""

    insurance: str
    unit_rate: RateExpr
    individual_rate: RateExpr
    rounding: Rounding
    fixed: Decimal | None = None  # added to the individual share (yuan/month)

    @property
    def label(self) -> str:
        return INSURANCE_LABELS[self.insurance]

    def unit_share(self) -> Expr:
        return Round(Times(Input("base"), self.unit_rate), self.rounding)

    def individual_share(self) -> Expr:
        share: Expr = Round(Times(Input("base"), self.individual_rate), self.rounding)
        return Plus(share, Amount(self.fixed)) if self.fixed else share


def _injury_rates(trace: Trace, params: Params) -> RateByClass:
    class_rates = need(trace, params, "rate.work_injury.class_rates")
    factor = maybe(trace, params, "rate.work_injury.float")
    return RateByClass(
        "injury_class", tuple((c, class_rates[c]) for c in INJURY_CLASSES), factor=factor
    )


def _line_rule(trace: Trace, params: Params, insurance: str, rounding: Rounding) -> LineRule:
    """One insurance's :class:`LineRule` from the parameters, each one used recorded."""
    if insurance == "work_injury":
        unit_rate: RateExpr = _injury_rates(trace, params)
        individual_rate = Decimal(0)
    else:
        unit_rate = Rate(need(trace, params, f"rate.{insurance}.unit"))
        individual_rate = maybe(trace, params, f"rate.{insurance}.individual")
        if individual_rate is None:
            if insurance != "maternity":
                need(trace, params, f"rate.{insurance}.individual")
            individual_rate = Decimal(0)
    fixed = (
        maybe(trace, params, "rate.medical.individual_fixed") if insurance == "medical" else None
    )
    return LineRule(insurance, unit_rate, Rate(individual_rate), rounding, fixed)


@dataclass(frozen=True)
class MonthRules:
    """Every formula of a region's month, resolved from its parameters once, for the batch."""

    floor: Decimal
    ceiling: Decimal
    base: Expr  # clamp_formula over Input("wage")
    lines: tuple[LineRule, ...]
    trace: Trace  # the parameters used


def line_rules(params: Params) -> MonthRules:
    """Resolve the month's formulas (limits, base clamp, one :class:`LineRule` per insurance
    levied) from ``params`` — the same parameters, read the same way, as the calculator."""
    trace = Trace("contribution.rules", "缴费核定规则")
    floor, ceiling = base_limits(params, trace)
    base_rounding = need(trace, params, "rounding.base")
    insurances = need(trace, params, "contribution.insurances")
    rounding = need(trace, params, "rounding.amount")
    lines = tuple(_line_rule(trace, params, insurance, rounding) for insurance in insurances)
    return MonthRules(
        floor=floor,
        ceiling=ceiling,
        base=clamp_formula(floor=floor, ceiling=ceiling, rounding=base_rounding),
        lines=lines,
        trace=trace,
    )


# --- the rules, traced ---------------------------------------------------------------------------


def base_clamp(params: Params, *, wage: Any) -> BaseResult:
    """The contribution base for a declared monthly wage (yuan), clamped to the limits."""
    wage = amount_in(wage, field="wage", label="月缴费工资")
    trace = Trace("contribution.base", "缴费基数核定", inputs={"wage": wage})
    floor, ceiling = base_limits(params, trace)
    rounding = need(trace, params, "rounding.base")
    values = evaluate_named(
        clamp_formula(floor=floor, ceiling=ceiling, rounding=rounding), {"wage": wage}
    )
    declared = values["declared"]
    if declared != wage:
        trace.step("申报工资舍入", f"{money(wage)}，{rounding.describe()}", declared)
    base = trace.step(
        "缴费基数",
        f"min(max({money(declared)}, {money(floor)}), {money(ceiling)})",
        values["base"],
    )
    if declared < floor:
        trace.note(f"申报工资低于下限，按下限 {money(floor)} 元核定。")
    elif declared > ceiling:
        trace.note(f"申报工资高于上限，按上限 {money(ceiling)} 元核定。")
    return BaseResult(wage=wage, base=base, floor=floor, ceiling=ceiling, trace=trace)


def _check_injury_class(injury_class: int | None) -> int:
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
    return injury_class


def _injury_rate_step(trace: Trace, rates: RateByClass, injury_class: int) -> Decimal:
    rate = rates.rate(injury_class)
    if rates.factor is None:
        return trace.step(f"工伤保险费率（{injury_class}类）", "行业基准费率", rate)
    return trace.step(
        f"工伤保险费率（{injury_class}类）",
        f"基准费率 {pct(dict(rates.base)[injury_class])} × 浮动系数 {num(rates.factor)}",
        rate,
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
        if insurance == "work_injury":
            _check_injury_class(injury_class)
        rule = _line_rule(trace, params, insurance, rounding)
        inputs: dict[str, Decimal | int] = {"base": base}
        if isinstance(rule.unit_rate, RateByClass):
            assert injury_class is not None
            inputs["injury_class"] = injury_class
            unit_rate = _injury_rate_step(trace, rule.unit_rate, injury_class)
        else:
            unit_rate = rate_value(rule.unit_rate, inputs)
        individual_rate = rate_value(rule.individual_rate, inputs)
        unit = trace.step(
            f"{rule.label}单位缴费",
            f"{money(base)} × {pct(unit_rate)}，{rounding.describe()}",
            evaluate(rule.unit_share(), inputs),
        )
        formula = f"{money(base)} × {pct(individual_rate)}，{rounding.describe()}"
        if rule.fixed:
            formula += f" + 定额 {money(rule.fixed)}"
        individual = trace.step(
            f"{rule.label}个人缴费", formula, evaluate(rule.individual_share(), inputs)
        )
        lines.append(
            ContributionLine(
                insurance=insurance,
                label=rule.label,
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
