"""The calculators' services against the repository's policy data: the seed figures come out
of the stored parameters, each parameter used is named with its stored record."""

from datetime import date
from decimal import Decimal

import pytest

from shebao.calculators import services
from shebao.common.errors import InvalidInput, NotFound
from shebao.common.periods import YearMonth
from shebao.policy.models import PolicyParameter

pytestmark = pytest.mark.usefixtures("policy_data")

JILIN = "220200"
WUHAN = "420100"


def test_jilin_2020_h1_limits_from_the_stored_parameters():
    result = services.base_limits_for(region=JILIN, month=YearMonth(2020, 3))
    assert (result.floor, result.ceiling) == (Decimal("2767.00"), Decimal("13835.00"))


def test_contribution_in_jilin_uses_the_city_province_and_national_records():
    result = services.contribution_calculate(
        region="220204", month=YearMonth(2020, 3), wage=Decimal("15000"), injury_class=1
    )
    assert result.base == Decimal("13835.00")
    pension = result.lines[0]
    assert (pension.unit, pension.individual) == (Decimal("2213.60"), Decimal("1106.80"))
    regions = {ref.key: ref.region for ref in result.trace.all_params()}
    assert regions["contribution.base_floor"] == "220200"
    assert regions["rate.unemployment.unit"] == "220000"
    assert regions["rate.pension.unit"] == "000000"
    assert all(ref.record_id for ref in result.trace.all_params())
    assert result.trace.inputs["region"] == "220204"


def test_a_month_with_provisional_limits_gives_a_provisional_result():
    assert not services.contribution_calculate(
        region=JILIN, month=YearMonth(2020, 6), wage=Decimal("5000"), injury_class=1
    ).trace.provisional
    assert services.contribution_calculate(
        region=JILIN, month=YearMonth(2020, 7), wage=Decimal("5000"), injury_class=1
    ).trace.provisional


@pytest.mark.parametrize(
    ("region", "grade", "monthly", "annual"),
    [
        (JILIN, 60, "553.40", "6640.80"),
        (JILIN, 100, "922.40", "11068.80"),
        (WUHAN, 60, "393.04", "4716.48"),
        (WUHAN, 300, "1965.18", "23582.16"),
    ],
)
def test_flexible_seed_figures(region, grade, monthly, annual):
    result = services.flexible_calculate(region=region, month=YearMonth(2020, 3), grade=grade)
    assert (result.monthly, result.annual) == (Decimal(monthly), Decimal(annual))


def test_late_fee_is_split_at_2011_07_01_by_the_national_records():
    result = services.late_fee_calculate(
        amount=Decimal("10000"), start=date(2011, 6, 21), end=date(2011, 7, 10)
    )
    assert result.fee == Decimal("250.00")
    assert [ref.valid_from for ref in result.trace.params[:2]] == [
        date(1999, 1, 22),
        date(2011, 7, 1),
    ]


def test_a_local_late_fee_cap_applies_only_when_a_region_is_given():
    PolicyParameter.objects.create(
        region_id="110000",
        key="latefee.cap",
        valid_from=date(2011, 7, 1),
        value={"pct_of_principal": "0.40"},
        source="测试",
        origin=PolicyParameter.Origin.STAFF,
    )
    period = {"amount": Decimal("10000"), "start": date(2012, 1, 1), "end": date(2020, 1, 1)}
    # 2,923 days × 0.05% × 10,000 = 14,615.00 uncapped; capped at 40% of the principal.
    assert services.late_fee_calculate(**period).fee == Decimal("14615.00")
    assert services.late_fee_calculate(**period, region="110000").fee == Decimal("4000.00")


def test_the_late_fee_is_waived_inside_beijings_emergency_window_and_charged_outside_it():
    """Seed 003: no late fee within the emergency and the late handling after it (the record
    ``emergency.measures`` of 110000, 2020-01-31 to 2020-09-30); charged before and after."""
    inside = services.late_fee_calculate(
        amount=Decimal("10000"), start=date(2020, 3, 1), end=date(2020, 9, 30), region="110000"
    )
    assert (inside.fee, inside.waived_days) == (Decimal("0.00"), 214)
    measure = next(ref for ref in inside.trace.params if ref.key == "emergency.measures")
    assert (measure.region, measure.valid_from) == ("110000", date(2020, 1, 31))
    assert any("北京市" in note and "免收滞纳金" in note for note in inside.trace.notes)

    after = services.late_fee_calculate(
        amount=Decimal("10000"), start=date(2020, 9, 1), end=date(2020, 10, 31), region="110000"
    )
    assert (after.fee, after.waived_days) == (Decimal("155.00"), 30)
    # The national calculator (no region) has no emergency measure: every day is charged.
    national = services.late_fee_calculate(
        amount=Decimal("10000"), start=date(2020, 3, 1), end=date(2020, 9, 30)
    )
    assert (national.fee, national.waived_days) == (Decimal("1070.00"), 0)
    # Another region's record does not waive Beijing's and Beijing's does not reach Wuhan.
    wuhan = services.late_fee_calculate(
        amount=Decimal("10000"), start=date(2020, 3, 1), end=date(2020, 9, 30), region=WUHAN
    )
    assert wuhan.waived_days == 0


def test_backpay_interest_uses_the_provisional_2025_rate_and_says_so():
    result = services.backpay_calculate(
        months=[(YearMonth(2024, 10), Decimal("1000"))], pay_month=YearMonth(2025, 4)
    )
    assert result.trace.provisional
    assert [y.year for y in result.years] == [2024, 2025]


def test_personal_account_interest_for_2024():
    result = services.account_interest_calculate(
        year=2024,
        opening_balance=Decimal("100000"),
        contributions=[(month, Decimal("640")) for month in range(1, 13)],
    )
    assert result.closing == Decimal("110408.96")


def test_unemployment_in_jilin_during_the_emergency_is_raised_to_90_percent():
    during = services.unemployment_calculate(
        region=JILIN, month=YearMonth(2020, 3), contribution_months=72
    )
    after = services.unemployment_calculate(
        region=JILIN, month=YearMonth(2020, 11), contribution_months=72
    )
    assert during.monthly == Decimal("1602.00")  # 1780 × 90%
    assert after.monthly == Decimal("1424.00")  # 1780 × 80%


def test_unemployment_near_retirement_reads_the_retirement_rule_in_force():
    result = services.unemployment_calculate(
        region=WUHAN,
        month=YearMonth(2025, 3),
        contribution_months=24,
        birth=YearMonth(1966, 1),
        category="male",
    )
    assert (result.max_months, result.extended_to_retirement) == (14, True)


def test_retirement_and_minimum_contribution_under_the_2025_law():
    result = services.retirement_calculate(birth=YearMonth(1965, 1), category="male")
    assert (result.retirement_month, result.age_months) == (YearMonth(2025, 2), 721)


def test_pension_without_region_uses_the_national_reference_coefficient_and_says_so():
    result = services.pension_calculate(
        avg_wage=Decimal("8000"),
        index=Decimal("1"),
        years=Decimal("35"),
        balance=Decimal("139000"),
        age=60,
        deemed_years=Decimal("10"),
    )
    assert result.total == Decimal("4760.00")
    assert any("全国参考值" in note for note in result.trace.notes)


def test_death_benefit_from_the_region_published_income():
    result = services.death_benefit_calculate(
        died_on=date(2024, 5, 1), contribution_months=267, region=JILIN
    )
    # Jilin 33,396 a year → 2,783 a month.
    assert (result.funeral, result.relief) == (Decimal("5566.00"), Decimal("45223.75"))


def test_death_benefit_needs_income_or_region():
    with pytest.raises(InvalidInput) as error:
        services.death_benefit_calculate(died_on=date(2024, 5, 1), contribution_months=267)
    assert (error.value.code, error.value.field) == ("DEATH_INCOME_OR_REGION_REQUIRED", "income")


def test_transfer_600000_of_bases():
    result = services.transfer_calculate(
        sex="M",
        birth=YearMonth(1980, 1),
        move_month=YearMonth(2025, 3),
        to_hukou_province=False,
        bases_sum=Decimal("600000"),
        personal_balance=Decimal("85000"),
    )
    assert result.pooled_transfer == Decimal("72000.00")


@pytest.mark.parametrize(
    ("region", "month", "expected"),
    [
        ("320400", YearMonth(2026, 2), date(2026, 2, 13)),  # Jiangsu: before Spring Festival
        ("320400", YearMonth(2024, 10), date(2024, 9, 30)),  # Jiangsu: before National Day
        ("420100", YearMonth(2024, 10), date(2024, 10, 15)),
        ("420100", YearMonth(2024, 6), date(2024, 6, 14)),  # Saturday moves (national choice)
    ],
)
def test_payday_by_region(region, month, expected):
    assert services.payday_calculate(region=region, month=month).date == expected


def test_missing_parameters_name_the_region_and_the_date():
    with pytest.raises(NotFound) as error:
        services.contribution_calculate(
            region=JILIN, month=YearMonth(1990, 3), wage=Decimal("5000"), injury_class=1
        )
    assert error.value.code == "POLICY_PARAM_MISSING"
    assert "吉林市在1990年3月1日" in error.value.message


def test_a_parameter_needed_only_in_some_cases_is_reported_with_region_and_date():
    # A death in 2019 falls under the earlier scheme, which multiplies the average wage; Beijing
    # records none before 2020. The rule asks for it, and the error names Beijing and the day
    # as the policy store does.
    with pytest.raises(NotFound) as error:
        services.death_benefit_calculate(
            died_on=date(2019, 6, 1), contribution_months=120, region="110000"
        )
    assert error.value.code == "POLICY_PARAM_MISSING"
    assert error.value.details == {
        "key": "wage.average_annual",
        "region": "110000",
        "on": "2019-06-01",
    }
    assert error.value.message.startswith(
        "北京市在2019年6月1日没有有效的政策参数“社会平均工资（年）”"
    )


def test_an_unknown_region_is_not_found():
    with pytest.raises(NotFound) as error:
        services.payday_calculate(region="999999", month=YearMonth(2024, 1))
    assert (error.value.code, error.value.field) == ("REGION_NOT_FOUND", "region")


def test_unemployment_after_the_lifting_is_not_raised_though_late_handling_lasts():
    # Jilin's measures were lifted on 2020-06-30; their record runs on to 2020-09-30
    result = services.unemployment_calculate(
        region=JILIN, month=YearMonth(2020, 7), contribution_months=72
    )
    assert result.monthly == Decimal("1424.00")  # 1780 × 80%
    assert any("已于2020-06-30解除" in note for note in result.trace.notes)
