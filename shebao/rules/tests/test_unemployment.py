from datetime import date
from decimal import Decimal

import pytest

from shebao.common.errors import InvalidInput
from shebao.common.periods import YearMonth
from shebao.rules.tests.policy import param, params
from shebao.rules.unemployment import unemployment_benefit

P = params({"wage.minimum_monthly": "2000"})
START = YearMonth(2025, 3)


def benefit(months, **kwargs):
    return unemployment_benefit(
        kwargs.pop("params", P),
        contribution_months=months,
        start=kwargs.pop("start", START),
        **kwargs,
    )


def test_domain_example_minimum_wage_2000_at_90_percent_six_years():
    result = benefit(72)
    assert result.eligible
    assert (result.monthly, result.max_months, result.total) == (
        Decimal("1800.00"),
        18,
        Decimal("32400.00"),
    )


@pytest.mark.parametrize(
    ("months", "max_months"),
    [(12, 12), (59, 12), (60, 18), (119, 18), (120, 24), (400, 24)],
)
def test_duration_at_exactly_1_5_and_10_years(months, max_months):
    assert benefit(months).max_months == max_months


def test_less_than_a_year_is_not_eligible_and_says_why():
    result = benefit(11)
    assert not result.eligible
    assert (result.monthly, result.max_months, result.total) == (
        Decimal("0.00"),
        0,
        Decimal("0.00"),
    )
    assert "不满 12 个月" in result.trace.notes[0]


def test_carried_months_are_added_up_to_24():
    assert benefit(72, carried_months=4).max_months == 22
    assert benefit(72, carried_months=10).max_months == 24


def test_benefit_rounding_follows_policy():
    # 1,780 × 90% = 1,602; at 85% = 1,513 exactly; whole-yuan rounding of 1,780 × 0.777 = 1,383.06 → 1,383.
    given = params(
        {
            "wage.minimum_monthly": "1780",
            "unemployment.benefit_pct_of_min_wage": "0.777",
            "rounding.benefit": {"step": "1", "mode": "ROUND_HALF_UP"},
        }
    )
    assert benefit(72, params=given).monthly == Decimal("1383.00")


def test_an_emergency_measure_raises_the_percentage():
    given = params({"wage.minimum_monthly": "1780", "unemployment.benefit_pct_of_min_wage": "0.8"})
    emergency = param(
        "emergency.measures",
        {"name": "新冠肺炎疫情防控", "unemployment_benefit_pct": "0.9"},
        region="220200",
        valid_from=date(2020, 1, 25),
    )
    result = benefit(72, params=given, emergency=emergency)
    assert result.monthly == Decimal("1602.00")
    assert any("新冠肺炎疫情防控" in note for note in result.trace.notes)
    assert benefit(72, params=given).monthly == Decimal("1424.00")


def test_near_retirement_extends_to_the_statutory_age():
    # Man born 1966-01: k = 13 → 4 months → statutory 2026-05. Claim from 2025-03 with 12
    # months: last month 2026-02, 3 months short of retirement (< 12) → paid to 2026-04.
    result = benefit(24, birth=YearMonth(1966, 1), category="male")
    assert result.max_months == 14
    assert result.extended_to_retirement
    assert result.trace.children[0].rule == "retirement.age"


def test_a_year_or_more_from_retirement_at_the_end_is_not_extended():
    # Man born 1967-06: statutory 60y + 10m = 2028-04. 18 months from 2025-03 end 2026-08,
    # 20 months before retirement.
    result = benefit(72, birth=YearMonth(1967, 6), category="male")
    assert (result.max_months, result.extended_to_retirement) == (18, False)


def test_benefit_stops_at_retirement():
    # Man born 1965-05: statutory 2025-07 (60y2m). From 2025-03: 4 months only.
    result = benefit(130, birth=YearMonth(1965, 5), category="male")
    assert result.max_months == 4
    assert not result.extended_to_retirement


def test_at_retirement_age_no_benefit():
    result = benefit(130, birth=YearMonth(1960, 1), category="male")
    assert not result.eligible
    assert "已达到法定退休年龄" in result.trace.notes[-1]


def test_without_a_near_retirement_rule_nothing_is_extended():
    given = params({"wage.minimum_monthly": "2000", "unemployment.near_retirement_months": None})
    result = benefit(24, params=given, birth=YearMonth(1966, 1), category="male")
    assert (result.max_months, result.extended_to_retirement) == (12, False)


def test_negative_months_are_refused():
    with pytest.raises(InvalidInput) as error:
        benefit(-1)
    assert (error.value.code, error.value.field) == ("NEGATIVE_NUMBER", "contribution_months")


def test_an_emergency_measure_raises_only_claims_starting_before_its_lifting():
    given = params({"wage.minimum_monthly": "1780", "unemployment.benefit_pct_of_min_wage": "0.8"})
    emergency = param(
        "emergency.measures",
        {"name": "新冠肺炎疫情防控", "unemployment_benefit_pct": "0.9", "lifted_on": "2020-06-30"},
        region="220200",
        valid_from=date(2020, 1, 25),
    )
    june = benefit(72, params=given, emergency=emergency, start=YearMonth(2020, 6))
    july = benefit(72, params=given, emergency=emergency, start=YearMonth(2020, 7))
    assert (june.monthly, july.monthly) == (Decimal("1602.00"), Decimal("1424.00"))
