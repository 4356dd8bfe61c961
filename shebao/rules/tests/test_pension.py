from decimal import Decimal

import pytest

from shebao.common.errors import InvalidInput
from shebao.rules.pension import basic_pension
from shebao.rules.tests.policy import params

P = params()


def pension(params=P, **kwargs):
    given = {
        "avg_wage": Decimal("8000"),
        "index": Decimal("1"),
        "years": Decimal("35"),
        "balance": Decimal("139000"),
        "age": 60,
    }
    given.update(kwargs)
    return basic_pension(params, **given)


def test_three_parts():
    # basic 8000 × (1+1)/2 × 35 × 1% = 2800; personal 139000 / 139 = 1000; transitional
    # 8000 × 1 × 10 × 1.2% = 960.
    result = pension(deemed_years=Decimal("10"))
    assert (result.basic, result.personal, result.transitional, result.total) == (
        Decimal("2800.00"),
        Decimal("1000.00"),
        Decimal("960.00"),
        Decimal("4760.00"),
    )
    assert result.divisor == 139


def test_index_and_fractional_years():
    # 8000 × (1 + 0.8)/2 × 35.5 × 1% = 2556.00
    assert pension(index=Decimal("0.8"), years=Decimal("35.5")).basic == Decimal("2556.00")


@pytest.mark.parametrize(
    ("age", "divisor"), [(40, 233), (47, 208), (50, 195), (55, 170), (60, 139), (63, 117), (70, 56)]
)
def test_divisor_table(age, divisor):
    assert pension(age=age).divisor == divisor


def test_personal_account_rounds_by_policy():
    # 100000 / 139 = 719.4244… → 719.42
    assert pension(balance=Decimal("100000")).personal == Decimal("719.42")


def test_index_below_one_counts_as_one_where_the_province_says_so():
    floor_one = params({"pension.transitional_index_floor_one": True})
    assert pension(index=Decimal("0.8"), deemed_years=Decimal("10")).transitional == Decimal(
        "768.00"
    )
    assert pension(
        params=floor_one, index=Decimal("0.8"), deemed_years=Decimal("10")
    ).transitional == Decimal("960.00")


def test_a_given_indexed_wage_is_used_as_it_is():
    assert pension(
        deemed_years=Decimal("10"), indexed_wage=Decimal("6000")
    ).transitional == Decimal("720.00")


def test_coefficient_from_the_province():
    given = params({"pension.transitional_coefficient": "0.013"})
    assert pension(params=given, deemed_years=Decimal("10")).transitional == Decimal("1040.00")


def test_age_outside_the_table_and_deemed_years_above_total_are_refused():
    with pytest.raises(InvalidInput) as error:
        pension(age=39)
    assert (error.value.code, error.value.field) == ("PENSION_AGE_OUT_OF_TABLE", "age")
    with pytest.raises(InvalidInput) as error:
        pension(years=Decimal("10"), deemed_years=Decimal("11"))
    assert error.value.code == "DEEMED_YEARS_EXCEED_TOTAL"


def test_short_contribution_gets_a_note():
    result = pension(years=Decimal("14.5"))
    assert any("不足 15 年" in note for note in result.trace.notes)
    assert not any("不足" in note for note in pension().trace.notes)


def test_floats_are_refused():
    with pytest.raises(TypeError):
        pension(avg_wage=8000.0)
    with pytest.raises(TypeError):
        pension(index=1.0)
