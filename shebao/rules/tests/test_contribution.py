from decimal import Decimal

import pytest

from shebao.common.errors import InvalidInput, NotFound
from shebao.rules.contribution import base_clamp, contribution, contribution_lines
from shebao.rules.tests.policy import JILIN_2020H1, params


@pytest.mark.parametrize(
    ("wage", "base"),
    [
        ("15000", "13835.00"),
        ("2000", "2767.00"),
        ("5000", "5000.00"),
        ("2767", "2767.00"),
        ("13835", "13835.00"),
    ],
)
def test_jilin_2020_h1_limits_from_55340_clamp_the_wage(wage, base):
    result = base_clamp(params(JILIN_2020H1), wage=Decimal(wage))
    assert (result.floor, result.ceiling) == (Decimal("2767.00"), Decimal("13835.00"))
    assert result.base == Decimal(base)


def test_the_limits_are_computed_from_the_average_wage_and_traced():
    result = base_clamp(params(JILIN_2020H1), wage=Decimal("15000"))
    steps = {s.label: s for s in result.trace.steps}
    assert steps["缴费基数下限"].formula == "55340.00 × 60% ÷ 12，按元四舍五入"
    assert steps["缴费基数上限"].value == Decimal("13835.00")
    assert "申报工资高于上限，按上限 13835.00 元核定。" in result.trace.notes
    keys = [ref.key for ref in result.trace.params]
    assert keys == [
        "wage.average_annual",
        "contribution.base_floor_pct",
        "rounding.base",
        "contribution.base_ceiling_pct",
    ]


def test_published_limits_take_precedence_over_the_computed_ones():
    given = params(
        JILIN_2020H1, {"contribution.base_floor": "3000", "contribution.base_ceiling": "15000"}
    )
    result = base_clamp(given, wage=Decimal("2000"))
    assert (result.base, result.ceiling) == (Decimal("3000"), Decimal("15000"))
    assert result.trace.steps[0].formula == "公布标准"


def test_the_wage_is_rounded_by_policy_before_the_clamp():
    # Whole-yuan bases: 5000.50 → 5001; fen bases keep 5000.50.
    assert base_clamp(params(JILIN_2020H1), wage=Decimal("5000.50")).base == Decimal("5001.00")
    assert base_clamp(
        params({"wage.average_annual": "55340"}), wage=Decimal("5000.50")
    ).base == Decimal("5000.50")


def test_missing_limits_name_the_missing_parameter():
    with pytest.raises(NotFound) as error:
        base_clamp(
            params({"contribution.base_floor_pct": None}, {"wage.average_annual": "55340"}),
            wage=Decimal("5000"),
        )
    assert error.value.code == "POLICY_PARAM_MISSING"
    assert "缴费基数下限" in error.value.message


def test_domain_example_base_8000():
    result = contribution(params(JILIN_2020H1), wage=Decimal("8000"), injury_class=1)
    lines = {line.insurance: line for line in result.lines}
    assert (lines["pension"].unit, lines["pension"].individual) == (
        Decimal("1280.00"),
        Decimal("640.00"),
    )
    assert (lines["unemployment"].unit, lines["unemployment"].individual) == (
        Decimal("40.00"),
        Decimal("40.00"),
    )
    assert (lines["work_injury"].unit, lines["work_injury"].individual) == (
        Decimal("16.00"),
        Decimal("0.00"),
    )
    assert (lines["medical"].unit, lines["medical"].individual) == (
        Decimal("480.00"),
        Decimal("160.00"),
    )
    assert result.unit_total == Decimal("1816.00")
    assert result.individual_total == Decimal("840.00")
    assert result.total == Decimal("2656.00")
    assert result.trace.children[0].rule == "contribution.base"


def test_unemployment_split_07_03():
    result = contribution_lines(
        params({"rate.unemployment.unit": "0.007", "rate.unemployment.individual": "0.003"}),
        base=Decimal("8000"),
        injury_class=1,
    )
    line = next(line for line in result.lines if line.insurance == "unemployment")
    assert (line.unit, line.individual) == (Decimal("56.00"), Decimal("24.00"))


@pytest.mark.parametrize(("injury_class", "unit"), [(1, "16.00"), (4, "72.00"), (8, "152.00")])
def test_work_injury_by_industry_class(injury_class, unit):
    result = contribution_lines(params(), base=Decimal("8000"), injury_class=injury_class)
    assert result.lines[-1].unit == Decimal(unit)


def test_work_injury_float_coefficient_applies_to_the_base_rate():
    # Shanghai's temporary −20%: class 1 becomes 0.16%.
    result = contribution_lines(
        params({"rate.work_injury.float": "0.8"}), base=Decimal("8000"), injury_class=1
    )
    assert result.lines[-1].unit_rate == Decimal("0.0016")
    assert result.lines[-1].unit == Decimal("12.80")


@pytest.mark.parametrize(
    ("value", "code"),
    [(None, "INJURY_CLASS_REQUIRED"), (0, "INJURY_CLASS_INVALID"), (9, "INJURY_CLASS_INVALID")],
)
def test_injury_class_is_required_and_checked_where_work_injury_is_levied(value, code):
    with pytest.raises(InvalidInput) as error:
        contribution_lines(params(), base=Decimal("8000"), injury_class=value)
    assert error.value.code == code
    assert error.value.field == "injury_class"


def test_no_injury_class_needed_where_work_injury_is_not_levied():
    result = contribution_lines(
        params({"contribution.insurances": ["pension", "unemployment"]}), base=Decimal("8000")
    )
    assert [line.insurance for line in result.lines] == ["pension", "unemployment"]
    assert result.total == Decimal("2000.00")


def test_medical_fixed_amount_and_maternity_without_individual_rate():
    given = params(
        {
            "contribution.insurances": ["medical", "maternity"],
            "rate.medical.unit": "0.098",
            "rate.medical.individual_fixed": "3",
            "rate.maternity.unit": "0.008",
        }
    )
    result = contribution_lines(given, base=Decimal("8000"))
    medical, maternity = result.lines
    assert (medical.unit, medical.individual) == (Decimal("784.00"), Decimal("163.00"))
    assert (maternity.unit, maternity.individual) == (Decimal("64.00"), Decimal("0.00"))


def test_a_levied_insurance_without_its_rate_is_a_missing_parameter():
    with pytest.raises(NotFound) as error:
        contribution_lines(
            params({"rate.pension.individual": None}), base=Decimal("8000"), injury_class=1
        )
    assert error.value.code == "POLICY_PARAM_MISSING"
    assert "养老保险个人费率" in error.value.message


def test_amounts_round_half_up_to_fen_by_policy():
    # 3333.33 × 0.5% = 16.66665 → 16.67 (half up).
    result = contribution_lines(params(), base=Decimal("3333.33"), injury_class=1)
    assert result.lines[2].unit == Decimal("16.67")


def test_negative_and_malformed_wages_are_refused():
    with pytest.raises(InvalidInput) as error:
        base_clamp(params(JILIN_2020H1), wage=Decimal("-1"))
    assert (error.value.code, error.value.field) == ("NEGATIVE_AMOUNT", "wage")
    with pytest.raises(InvalidInput) as error:
        base_clamp(params(JILIN_2020H1), wage="五千")
    assert error.value.code == "INVALID_NUMBER"
    with pytest.raises(InvalidInput) as error:
        base_clamp(params(JILIN_2020H1), wage=Decimal("5000.001"))
    assert error.value.code == "AMOUNT_PRECISION"


def test_float_wage_is_refused():
    with pytest.raises(TypeError):
        base_clamp(params(JILIN_2020H1), wage=5000.0)
    with pytest.raises(TypeError):
        contribution_lines(params(), base=8000.0, injury_class=1)
