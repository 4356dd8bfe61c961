"""The month's contribution formulas as SQL: what the assessment's ``INSERT … SELECT`` computes.

Nothing here is a formula: the formulas are the rules' own (:func:`shebao.rules.contribution.
line_rules`, :func:`shebao.rules.flexible.flexible_rules`), resolved from the month's parameter
snapshot and compiled by :func:`shebao.rules.formula.compile_sql` into integer-fen SQL. The
property test ``tests/test_formulas.py`` proves the SQL and the calculator agree to the fen.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shebao.common.money import to_fen
from shebao.rules.contribution import INJURY_CLASSES, MonthRules
from shebao.rules.flexible import FlexibleRules
from shebao.rules.formula import Column, compile_sql, evaluate

# The largest declared wage a base row may hold, in fen (money inputs stay below 10^12 yuan).
WAGE_MAX_FEN = 10**14

_CODE = re.compile(r"^[a-z_]+$")


@dataclass(frozen=True)
class EmployeeSql:
    """SQL expressions (integer fen) for an employee's line."""

    base: str  # over the wage column
    unit: str  # over the base, insurance and injury-class columns
    individual: str
    insurances: tuple[str, ...]  # the insurances the month levies, in policy order


def _by_insurance(column: str, branches: dict[str, str]) -> str:
    for code in branches:
        if not _CODE.match(code):
            raise ValueError(f"not an insurance code: {code!r}")
    cases = " ".join(f"WHEN '{code}' THEN {sql}" for code, sql in branches.items())
    return f"CASE {column} {cases} ELSE NULL END"


def employee_sql(
    rules: MonthRules, *, vendor: str, wage: str, base: str, insurance: str, injury_class: str
) -> EmployeeSql:
    """The base of ``wage`` (a column of declared wages in fen) and each share of the line of
    ``insurance`` on ``base`` (the column the base was computed into)."""
    base_sql = compile_sql(rules.base, {"wage": Column(wage, WAGE_MAX_FEN)}, vendor=vendor)
    columns = {
        "base": Column(base, to_fen(rules.ceiling)),
        "injury_class": Column(injury_class, max(INJURY_CLASSES)),
    }
    unit = {r.insurance: compile_sql(r.unit_share(), columns, vendor=vendor) for r in rules.lines}
    individual = {
        r.insurance: compile_sql(r.individual_share(), columns, vendor=vendor) for r in rules.lines
    }
    return EmployeeSql(
        base=base_sql,
        unit=_by_insurance(insurance, unit),
        individual=_by_insurance(insurance, individual),
        insurances=tuple(r.insurance for r in rules.lines),
    )


@dataclass(frozen=True)
class FlexibleSql:
    """SQL expressions (integer fen) for a flexible worker's pension line."""

    base: str  # over the grade column (percent)
    individual: str  # over the base column


def flexible_sql(rules: FlexibleRules, *, vendor: str, grade: str, base: str) -> FlexibleSql:
    base_sql = compile_sql(rules.base, {"grade": Column(grade, max(rules.grades))}, vendor=vendor)
    top = to_fen(evaluate(rules.base, {"grade": max(rules.grades)}))
    individual = compile_sql(rules.monthly, {"base": Column(base, top)}, vendor=vendor)
    return FlexibleSql(base=base_sql, individual=individual)
