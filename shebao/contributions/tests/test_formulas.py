"""Batch = calculator, to the fen: the SQL the monthly assessment runs, evaluated by the database
in use (SQLite or PostgreSQL), gives exactly the calculator's base and shares on random wages,
rates, limits, rounding steps and modes, float coefficients and injury classes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shebao.common.errors import InvalidInput
from shebao.common.money import Rounding, to_fen
from shebao.contributions.formulas import employee_sql, flexible_sql
from shebao.rules.contribution import contribution, line_rules
from shebao.rules.flexible import flexible, flexible_rules
from shebao.rules.formula import (
    Column,
    Input,
    Rate,
    Round,
    Times,
    compile_sql,
)
from shebao.rules.tests.policy import params

pytestmark = pytest.mark.django_db

MODES = [
    "ROUND_HALF_UP",
    "ROUND_HALF_EVEN",
    "ROUND_HALF_DOWN",
    "ROUND_UP",
    "ROUND_DOWN",
    "ROUND_CEILING",
    "ROUND_FLOOR",
]
STEPS = ["0.01", "0.1", "1", "0.05", "10"]
INSURANCES = ["pension", "medical", "maternity", "unemployment", "work_injury"]
EXAMPLES = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def decimals(low: str, high: str, places: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(
        min_value=Decimal(low), max_value=Decimal(high), places=places, allow_nan=False
    )


def rates(high: str = "0.3") -> st.SearchStrategy[Decimal]:
    return st.integers(min_value=0, max_value=6).flatmap(lambda p: decimals("0", high, p))


roundings = st.builds(
    lambda step, mode: {"step": step, "mode": mode}, st.sampled_from(STEPS), st.sampled_from(MODES)
)
wages = st.one_of(decimals("0", "30000", 2), decimals("0", "100", 2), decimals("0", "999999999", 2))


@st.composite
def month_policies(draw: st.DrawFn) -> dict:
    """The parameters of a region's month, drawn at random (the national file's keys)."""
    chosen = draw(st.lists(st.sampled_from(INSURANCES), min_size=1, max_size=5, unique=True))
    values: dict = {
        "contribution.insurances": chosen,
        "rounding.base": draw(roundings),
        "rounding.amount": draw(roundings),
        "rate.work_injury.class_rates": {str(c): str(draw(rates("0.05"))) for c in range(1, 9)},
        "rate.work_injury.float": (
            str(draw(decimals("0.5", "1.5", 2))) if draw(st.booleans()) else None
        ),
        "rate.medical.individual_fixed": (
            str(draw(decimals("0", "10", 2))) if draw(st.booleans()) else None
        ),
    }
    for insurance in ("pension", "medical", "maternity", "unemployment"):
        values[f"rate.{insurance}.unit"] = str(draw(rates()))
        if insurance != "maternity" or draw(st.booleans()):
            values[f"rate.{insurance}.individual"] = str(draw(rates()))
    if draw(st.booleans()):
        floor = draw(decimals("500", "5000", 2))
        values["contribution.base_floor"] = str(floor)
        values["contribution.base_ceiling"] = str(floor + draw(decimals("0", "30000", 2)))
    else:
        values["wage.average_annual"] = str(draw(decimals("10000", "300000", 2)))
        values["contribution.base_floor_pct"] = str(draw(decimals("0.4", "1", 2)))
        values["contribution.base_ceiling_pct"] = str(draw(decimals("1", "5", 2)))
    return values


def batch_lines(policy: dict, wage: Decimal, injury_class: int) -> dict[str, tuple[int, ...]]:
    """Each insurance's (base, unit, individual) in fen, computed by the database with the
    assessment's SQL."""
    rules = line_rules(params(policy))
    sql = employee_sql(
        rules,
        vendor=connection.vendor,
        wage="i.wage_fen",
        base="b.base_fen",
        insurance="b.insurance",
        injury_class="b.injury_class",
    )
    rows = " UNION ALL ".join(
        "SELECT CAST(%s AS BIGINT) AS wage_fen, CAST(%s AS VARCHAR(16)) AS insurance, "
        "CAST(%s AS INTEGER) AS injury_class"
        for _ in sql.insurances
    )
    query = (
        f"SELECT b.insurance, b.base_fen, {sql.unit}, {sql.individual} FROM "
        f"(SELECT {sql.base} AS base_fen, i.insurance, i.injury_class FROM ({rows}) i) b"
    )
    arguments = [v for code in sql.insurances for v in (to_fen(wage), code, injury_class)]
    with connection.cursor() as cursor:
        cursor.execute(query, arguments)
        return {code: (base, unit, individual) for code, base, unit, individual in cursor}


@EXAMPLES
@given(policy=month_policies(), wage=wages, injury_class=st.integers(1, 8))
def test_the_assessment_sql_gives_the_calculator_amounts_to_the_fen(policy, wage, injury_class):
    expected = contribution(params(policy), wage=wage, injury_class=injury_class)
    got = batch_lines(policy, wage, injury_class)
    assert got == {
        line.insurance: (to_fen(expected.base), to_fen(line.unit), to_fen(line.individual))
        for line in expected.lines
    }


@EXAMPLES
@given(
    annual=decimals("10000", "500000", 2),
    grades=st.lists(st.integers(40, 300), min_size=1, max_size=6, unique=True),
    rate=rates(),
    base_rounding=roundings,
    amount_rounding=roundings,
    data=st.data(),
)
def test_the_flexible_sql_gives_the_calculator_amounts_to_the_fen(
    annual, grades, rate, base_rounding, amount_rounding, data
):
    policy = {
        "wage.average_annual": str(annual),
        "flexible.grades": grades,
        "flexible.rate": str(rate),
        "rounding.base": base_rounding,
        "rounding.amount": amount_rounding,
    }
    grade = data.draw(st.sampled_from(grades))
    expected = flexible(params(policy), grade=grade)
    sql = flexible_sql(
        flexible_rules(params(policy)), vendor=connection.vendor, grade="g.grade", base="b.base_fen"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT b.base_fen, {sql.individual} FROM (SELECT {sql.base} AS base_fen FROM "
            "(SELECT CAST(%s AS INTEGER) AS grade) g) b",
            [grade],
        )
        assert cursor.fetchone() == (to_fen(expected.base), to_fen(expected.monthly))


def test_integer_division_truncates_toward_zero_on_this_database():
    # The compiled formulas divide only non-negative integers, where truncation is the floor.
    with connection.cursor() as cursor:
        cursor.execute("SELECT 7 / 2, -7 / 2, 7 % 2, -7 % 2")
        assert cursor.fetchone() == (3, -3, 1, -1)


def test_a_sum_of_compiled_amounts_is_exact_in_sql():
    # SQLite adds decimals as floats; the compiled formulas stay in integers, so sums are exact.
    share = compile_sql(
        Round(Times(Input("base"), Rate(Decimal("0.005"))), Rounding(Decimal("0.01"))),
        {"base": Column("t.base_fen", 10**9)},
        vendor=connection.vendor,
    )
    bases = [333333, 1, 99999999, 12345, 50]
    rows = " UNION ALL ".join("SELECT CAST(%s AS BIGINT) AS base_fen" for _ in bases)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT SUM({share}) FROM ({rows}) t", bases)
        (total,) = cursor.fetchone()
    assert not isinstance(total, float)  # an int on SQLite, an exact numeric on PostgreSQL
    assert total == sum((b * 5 + 500) // 1000 for b in bases)


@pytest.mark.parametrize(
    ("formula", "code"),
    [
        (Round(Times(Input("base"), Rate(Decimal("-0.1"))), Rounding()), "FORMULA_RATE_INVALID"),
        (
            Round(Times(Input("base"), Rate(Decimal("0.1"))), Rounding(Decimal("0.001"))),
            "FORMULA_STEP_INVALID",
        ),
        (
            Round(Times(Input("base"), Rate(Decimal("0.123456789012345678"))), Rounding()),
            "FORMULA_OVERFLOW",
        ),
    ],
)
def test_formulas_that_cannot_be_exact_in_integers_are_refused(formula, code):
    with pytest.raises(InvalidInput) as error:
        compile_sql(formula, {"base": Column("base_fen", 10**9)}, vendor=connection.vendor)
    assert error.value.code == code
