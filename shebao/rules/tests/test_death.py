from datetime import date
from decimal import Decimal

import pytest

from shebao.common.errors import InvalidInput, NotFound
from shebao.rules.death import death_benefit
from shebao.rules.tests.policy import params

P = params()
DIED = date(2024, 5, 1)


def benefit(months, **kwargs):
    return death_benefit(
        kwargs.pop("params", P), died_on=DIED, contribution_months=months, **kwargs
    )


def test_domain_example_in_service_22_years_3_months_income_4000():
    result = benefit(267, income=Decimal("4000"))
    assert (result.funeral, result.relief_months, result.relief, result.total) == (
        Decimal("8000.00"),
        Decimal("16.25"),
        Decimal("65000.00"),
        Decimal("73000.00"),
    )


@pytest.mark.parametrize(
    ("months", "twelfths"),
    [
        (59, 36),  # 4y11m → 3 months
        (60, 72),  # 5 years → 6
        (119, 72),  # 9y11m → 6
        (120, 108),  # 10 years → 9
        (180, 108),  # 15 years → 9
        (181, 109),  # 15y1m → 9 + 1/12
        (300, 228),  # 25 years → 19
        (360, 288),  # 30 years → 24
        (420, 288),  # 35 years: years capped at 30, months at 24
    ],
)
def test_relief_months_by_contribution_time(months, twelfths):
    assert benefit(months, income=Decimal("1200")).relief_twelfths == twelfths


def test_months_counted_to_the_month_round_once():
    # 22y1m → 193/12 months; 4000 × 193 / 12 = 64333.333… → 64333.33
    result = benefit(265, income=Decimal("4000"))
    assert result.relief == Decimal("64333.33")
    assert result.trace.steps[-2].formula == "月人均可支配收入 × 193/12 个月，按分四舍五入"


def test_retirees_lose_a_month_per_year_of_pension_down_to_9():
    # 30 years' contributions → 24 months; 10 years of pension → 14 months.
    assert benefit(360, pension_months=120, income=Decimal("1000")).relief == Decimal("14000.00")
    # 4 years 6 months of pension → 24 − 4.5 = 19.5
    assert benefit(360, pension_months=54, income=Decimal("1000")).relief_months == Decimal("19.5")
    # 20 years of pension → floor of 9.
    assert benefit(360, pension_months=240, income=Decimal("1000")).relief == Decimal("9000.00")


def test_the_region_published_annual_income_is_divided_by_12():
    given = params({"death.disposable_income_annual": "33396"})
    result = benefit(267, params=given)
    # I = 2783; funeral 5566; relief 2783 × 16.25 = 45223.75
    assert (result.funeral, result.relief) == (Decimal("5566.00"), Decimal("45223.75"))


def test_without_income_or_the_published_figure_the_parameter_is_missing():
    with pytest.raises(NotFound) as error:
        benefit(267)
    assert error.value.code == "POLICY_PARAM_MISSING"
    assert "人均可支配收入" in error.value.message


def test_before_september_2021_the_local_average_wage_scheme_applies():
    earlier = params(
        {
            "death.scheme": {"rule": "wage_months", "funeral_months": "3", "relief_months": "9"},
            "wage.average_annual": "55340",
        }
    )
    result = death_benefit(earlier, died_on=date(2020, 3, 1), contribution_months=267)
    # W = 55340 / 12; funeral 3W = 13835.00; relief 9W = 41505.00
    assert (result.scheme, result.funeral, result.relief) == (
        "wage_months",
        Decimal("13835.00"),
        Decimal("41505.00"),
    )
    given = death_benefit(
        earlier, died_on=date(2020, 3, 1), contribution_months=267, income=Decimal("5000")
    )
    assert given.total == Decimal("60000.00")
    assert "所填月收入视为月平均工资" in given.trace.notes[0]


def test_negative_input_is_refused():
    with pytest.raises(InvalidInput) as error:
        benefit(267, income=Decimal("-1"))
    assert (error.value.code, error.value.field) == ("NEGATIVE_AMOUNT", "income")
    with pytest.raises(TypeError):
        benefit(267, income=4000.0)
