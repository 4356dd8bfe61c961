"""A line's explanation, rebuilt on demand from its snapshot and its inputs by the rule the
calculator uses (DESIGN.md: nothing stores a trace per line)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from shebao.common.money import from_fen
from shebao.common.trace import Trace
from shebao.contributions.models import BaseSource, ContributionLine, LineKind
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
