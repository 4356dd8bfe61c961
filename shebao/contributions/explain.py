"""A line's explanation, rebuilt on demand from its snapshot and its inputs by the rule the
calculator uses (DESIGN.md: nothing stores a trace per line)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Sum

from shebao.common.money import from_fen
from shebao.common.trace import Trace
from shebao.contributions.models import (
    BaseSource,
    ContributionAdjustment,
    ContributionLine,
    LineKind,
)
from shebao.contributions.snapshots import explain_employee, explain_flexible


@dataclass(frozen=True)
class Explanation:
    trace: Trace
    base: Decimal
    unit: Decimal
    individual: Decimal
    matches: bool  # the rule gives today what the line holds (False: the line needs review)


def line_explain(line: ContributionLine) -> Explanation:
    """The line's explanation. For an employee: the clamp of the declared wage (the floor when
    none was declared) and the line's share; for a flexible worker: the grade's base and the
    month's amount."""
    if line.kind == LineKind.FLEXIBLE:
        assert line.grade is not None
        result = explain_flexible(line.snapshot, grade=line.grade)
        trace, base, unit, individual = result.trace, result.base, Decimal("0.00"), result.monthly
    else:
        wage = from_fen(line.wage_fen or 0)
        employee = explain_employee(
            line.snapshot, insurance=line.insurance, wage=wage, injury_class=line.injury_class
        )
        trace, base = employee.trace, employee.base
        (share,) = employee.lines
        unit, individual = share.unit, share.individual
        if line.base_source == BaseSource.FLOOR:
            trace.notes.insert(0, "单位未申报该职工的缴费基数，按缴费基数下限核定。")
    trace.inputs.update({"line": line.pk, "insurance": line.insurance})
    matches = (base, unit, individual) == (
        from_fen(line.base_fen),
        from_fen(line.unit_fen),
        from_fen(line.individual_fen),
    )
    return Explanation(trace=trace, base=base, unit=unit, individual=individual, matches=matches)


@dataclass(frozen=True)
class AdjustmentExplanation:
    """An adjustment explained: the line as assessed (its snapshot and inputs), what was
    carried for it before, the same rule on the new snapshot and base, and the difference."""

    line: Explanation
    new: Explanation
    before_unit: Decimal  # adjustments carried for the line before this one
    before_individual: Decimal
    unit_diff: Decimal
    individual_diff: Decimal
    matches: bool  # the rule gives today the amounts the adjustment holds


def adjustment_explain(adjustment: ContributionAdjustment) -> AdjustmentExplanation:
    """Rebuild an adjustment: the old line by :func:`line_explain`; the new amounts by the same
    rule from the adjustment's snapshot and inputs (the base record's wage, the grade)."""
    line = adjustment.line
    old = line_explain(line)
    recomputed = ContributionLine(
        pk=line.pk,
        month=line.month,
        kind=line.kind,
        insurance=line.insurance,
        wage_fen=adjustment.wage_fen,
        grade=adjustment.grade,
        injury_class=adjustment.injury_class,
        base_source=BaseSource.DECLARED if adjustment.base_record_id else line.base_source,
        base_fen=adjustment.base_fen,
        unit_fen=adjustment.unit_fen,
        individual_fen=adjustment.individual_fen,
        snapshot=adjustment.snapshot,
    )
    if line.kind == LineKind.EMPLOYEE and not adjustment.base_record_id:
        recomputed.base_source = BaseSource.FLOOR
    new = line_explain(recomputed)
    before = ContributionAdjustment.objects.filter(line=line, pk__lt=adjustment.pk).aggregate(
        u=Sum("unit_diff_fen"), i=Sum("individual_diff_fen")
    )
    before_unit, before_individual = from_fen(before["u"] or 0), from_fen(before["i"] or 0)
    unit_diff = new.unit - old.unit - before_unit
    individual_diff = new.individual - old.individual - before_individual
    matches = new.matches and (unit_diff, individual_diff) == (
        from_fen(adjustment.unit_diff_fen),
        from_fen(adjustment.individual_diff_fen),
    )
    return AdjustmentExplanation(
        line=old,
        new=new,
        before_unit=before_unit,
        before_individual=before_individual,
        unit_diff=unit_diff,
        individual_diff=individual_diff,
        matches=matches,
    )
