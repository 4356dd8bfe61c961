"""The repository's data files hold the figures the seeds and DOMAIN.md state, with their status
and source, and cover every demo region for every month of 2020–2026."""

from datetime import date
from decimal import Decimal

import pytest

from shebao.common.money import Rounding, quantize
from shebao.common.periods import YearMonth
from shebao.policy.models import PolicyParameter
from shebao.policy.selectors import param, param_or_none, param_series, policy_scope

pytestmark = pytest.mark.usefixtures("policy_data")

DEMO_REGIONS = ["220200", "320400", "320583", "420100", "110000"]
# What every calculator needs for every month of the demo years.
CORE_KEYS = [
    "wage.average_annual",
    "wage.minimum_monthly",
    "contribution.base_floor_pct",
    "contribution.base_ceiling_pct",
    "contribution.base_floor",
    "contribution.base_ceiling",
    "contribution.insurances",
    "rounding.base",
    "rounding.amount",
    "rounding.benefit",
    "rounding.interest",
    "rate.pension.unit",
    "rate.pension.individual",
    "rate.medical.unit",
    "rate.medical.individual",
    "rate.medical.individual_fixed",
    "rate.maternity.unit",
    "rate.maternity.individual",
    "rate.unemployment.unit",
    "rate.unemployment.individual",
    "rate.work_injury.class_rates",
    "rate.work_injury.float",
    "rate.work_injury.float_levels",
    "flexible.rate",
    "flexible.personal_account_rate",
    "flexible.grades",
    "flexible.grade_locked_in_year",
    "latefee.daily_rate",
    "latefee.cap",
    "pension.crediting_rate",
    "pension.divisor_table",
    "pension.base_monthly",
    "pension.transitional_coefficient",
    "pension.transitional_index_floor_one",
    "pension.min_contribution",
    "retirement.schemes",
    "unemployment.min_contribution_months",
    "unemployment.duration_table",
    "unemployment.max_months",
    "unemployment.benefit_pct_of_min_wage",
    "unemployment.apply_deadline_days",
    "death.scheme",
    "transfer.pooled_rate",
    "transfer.pooled_since",
    "transfer.temporary_account_ages",
    "payday.day",
    "payday.shift_on_weekend",
    "payday.makeup_day_is_workday",
    "payday.advance_before_holidays",
    "calendar.office_hours",
]


def value(region, key, on):
    return param(region=region, key=key, on=on).value


def ref(region, key, on):
    return param(region=region, key=key, on=on).ref


@pytest.mark.parametrize("region", DEMO_REGIONS)
def test_every_calculator_input_is_there_for_every_month_of_2020_to_2026(region):
    missing = []
    with policy_scope():
        for index in range(YearMonth(2020, 1).index, YearMonth(2026, 12).index + 1):
            month = YearMonth.from_index(index)
            keys = CORE_KEYS + (
                ["retirement.elastic", "unemployment.near_retirement_months"]
                if month.year >= 2025
                else []
            )
            if month >= YearMonth(2021, 9):
                keys = [*keys, "death.disposable_income_annual"]
            for on in (month.first_day, month.last_day):
                missing += [
                    (str(month), key)
                    for key in keys
                    if param_or_none(region=region, key=key, on=on) is None
                ]
    assert missing == []


def test_every_record_names_a_source_and_every_demo_value_says_why():
    records = list(PolicyParameter.objects.all())
    assert all(r.source.strip() for r in records)
    assert [r for r in records if r.source == "demo" and not r.note.strip()] == []


def test_jilin_city_2020_first_half_limits_are_final_from_seed_000():
    floor = param(region="220202", key="contribution.base_floor", on=date(2020, 3, 1))
    ceiling = param(region="220202", key="contribution.base_ceiling", on=date(2020, 6, 30))

    assert (floor.value, ceiling.value) == (Decimal("2767.00"), Decimal("13835.00"))
    assert (floor.ref.status, floor.ref.region, floor.ref.valid_to) == (
        "final",
        "220200",
        date(2020, 6, 30),
    )
    assert floor.ref.source.startswith("吉林市社保局")
    wage = param(region="220200", key="wage.average_annual", on=date(2020, 3, 1))
    assert (wage.value, wage.ref.region, wage.ref.status) == (Decimal("55340"), "220000", "final")
    assert wage.value * Decimal("0.6") / 12 == floor.value
    assert wage.value * 3 / 12 == ceiling.value


def test_jilin_city_2020_second_half_limits_and_wage_are_provisional_from_seed_000():
    for key in ("contribution.base_floor", "contribution.base_ceiling", "wage.average_annual"):
        found = param(region="220200", key=key, on=date(2020, 8, 1))
        assert (found.ref.valid_from, found.ref.valid_to, found.ref.status) == (
            date(2020, 7, 1),
            date(2020, 12, 31),
            "provisional",
        )
        assert found.ref.source.startswith("吉林市社保局")
    assert value("220200", "contribution.base_floor", date(2020, 8, 1)) == Decimal("2767.00")


def test_jilin_city_flexible_grades_reproduce_the_seed_annual_amounts():
    on = date(2020, 3, 1)
    monthly_wage = value("220200", "wage.average_annual", on) / 12
    rounding_base = value("220200", "rounding.base", on)
    rate = value("220200", "flexible.rate", on)
    grades = value("220200", "flexible.grades", on)

    annual = {
        grade: quantize(quantize(monthly_wage * grade / 100, rounding_base) * rate, Rounding()) * 12
        for grade in grades
    }

    assert rounding_base == Rounding(Decimal("1"), "ROUND_HALF_UP")
    assert annual[60] == Decimal("6640.80")
    assert annual[100] == Decimal("11068.80")
    assert grades == [60, 100, 300]
    assert ref("220200", "flexible.grades", on).source == "demo"
    assert value("220200", "flexible.grade_locked_in_year", on) is True


def test_national_crediting_rates_2016_to_2024_are_final_and_2025_2026_provisional():
    series = param_series(
        region="220200",
        key="pension.crediting_rate",
        start=date(2016, 1, 1),
        end=date(2026, 12, 31),
    )

    assert [(p.ref.valid_from.year, p.value, p.ref.status) for p in series] == [
        (2016, Decimal("0.0831"), "final"),
        (2017, Decimal("0.0712"), "final"),
        (2018, Decimal("0.0829"), "final"),
        (2019, Decimal("0.0761"), "final"),
        (2020, Decimal("0.0604"), "final"),
        (2021, Decimal("0.0669"), "final"),
        (2022, Decimal("0.0612"), "final"),
        (2023, Decimal("0.0397"), "final"),
        (2024, Decimal("0.0262"), "final"),
        (2025, Decimal("0.0262"), "provisional"),
        (2026, Decimal("0.0262"), "provisional"),
    ]
    assert {p.ref.region for p in series} == {"000000"}
    assert [p.ref.source for p in series[-2:]] == ["demo", "demo"]


def test_divisor_table_ages_40_to_70_with_208_at_47():
    table = value("000000", "pension.divisor_table", date(2020, 1, 1))

    assert sorted(table) == list(range(40, 71))
    assert (table[40], table[47], table[50], table[55], table[60], table[70]) == (
        233,
        208,
        195,
        170,
        139,
        56,
    )


def test_late_fee_daily_rate_changes_on_2011_07_01():
    assert value("110000", "latefee.daily_rate", date(2011, 6, 30)) == Decimal("0.002")
    assert value("110000", "latefee.daily_rate", date(2011, 7, 1)) == Decimal("0.0005")
    assert ref("110000", "latefee.daily_rate", date(2011, 7, 1)).source == "社会保险法 第八十六条"
    assert value("110000", "latefee.cap", date(2020, 1, 1)) is None


def test_national_rates_injury_classes_transfer_and_unemployment():
    on = date(2020, 5, 1)
    assert value("420100", "rate.pension.unit", on) == Decimal("0.16")
    assert value("420100", "flexible.rate", on) == Decimal("0.2")
    assert value("420100", "rate.work_injury.class_rates", on) == {
        1: Decimal("0.002"), 2: Decimal("0.004"), 3: Decimal("0.007"), 4: Decimal("0.009"),
        5: Decimal("0.011"), 6: Decimal("0.013"), 7: Decimal("0.016"), 8: Decimal("0.019"),
    }  # fmt: skip
    assert value("420100", "rate.work_injury.float_levels", on)[1] == [
        Decimal("1"),
        Decimal("1.2"),
        Decimal("1.5"),
    ]
    assert value("420100", "transfer.pooled_rate", on) == Decimal("0.12")
    assert value("420100", "transfer.pooled_since", on) == date(1998, 1, 1)
    assert value("420100", "transfer.temporary_account_ages", on) == {"M": 50, "F": 40}
    assert value("420100", "unemployment.duration_table", on) == [(12, 12), (60, 18), (120, 24)]
    assert value("420100", "unemployment.apply_deadline_days", on) == 60


def test_retirement_reform_and_minimum_contribution_from_2025():
    schemes = value("000000", "retirement.schemes", date(2025, 1, 1))
    assert {
        k: (s["original_age"], str(s["cohort_start"]), s["step"], s["cap"])
        for k, s in schemes.items()
    } == {
        "male": (60, "1965-01", 4, 36),
        "female_cadre": (55, "1970-01", 4, 36),
        "female_worker": (50, "1975-01", 2, 60),
    }
    assert value("000000", "retirement.schemes", date(2024, 12, 31))["male"]["cap"] == 0
    assert value("000000", "pension.min_contribution", date(2025, 1, 1)) == {
        "base_months": 180, "from_year": 2030, "step_months": 6, "cap_months": 240,
    }  # fmt: skip


def test_death_scheme_is_the_2021_national_rule_from_2021_09_01_and_a_demo_rule_before():
    before = param(region="220200", key="death.scheme", on=date(2021, 8, 31))
    after = param(region="220200", key="death.scheme", on=date(2021, 9, 1))

    assert (before.value["rule"], before.ref.source) == ("wage_months", "demo")
    assert (after.value["rule"], after.ref.source) == ("income_2021", "人社部发〔2021〕18号")
    assert after.value["funeral_months"] == Decimal("2")
    assert after.value["relief_cap_months"] == Decimal("24")
    assert after.value["retiree_floor_months"] == Decimal("9")
    assert value("220200", "death.disposable_income_annual", date(2022, 1, 1)) == Decimal("33396")


def test_jiangsu_window_and_payday_are_inherited_by_changzhou_and_kunshan():
    for region in ("320402", "320583"):
        window = param(region=region, key="calendar.acceptance_window", on=date(2021, 8, 1))
        assert window.value == {"open_day": 11, "close_day": 6, "same_month": False}
        assert (window.ref.region, window.ref.source[:6]) == ("320000", "江苏省人社一")
        assert value(region, "calendar.acceptance_window", date(2021, 7, 31)) == {
            "open_day": 6, "close_day": 25, "same_month": True,
        }  # fmt: skip
        payday = param(region=region, key="payday.day", on=date(2022, 1, 1))
        assert (payday.value, payday.ref.region) == (15, "320000")
        assert payday.ref.source.startswith("江苏省人社一体化")
        assert value(region, "payday.advance_before_holidays", date(2022, 1, 1)) == [
            "Spring Festival",
            "National Day",
        ]


def test_wuhan_deadlines_and_flexible_option_a():
    on = date(2020, 5, 1)
    assert value("420102", "calendar.staff_change_deadline_day", on) == 20
    assert value("420102", "calendar.payment_deadline_day", on) == 20
    assert ref("420102", "calendar.staff_change_deadline_day", on).source.startswith("武汉晚报")
    wage = param(region="420100", key="wage.average_annual", on=on)
    assert (wage.value, wage.ref.source) == (Decimal("39303.60"), "demo")
    assert "哪一种正确尚未证实" in PolicyParameter.objects.get(pk=wage.ref.record_id).note
    rounding_base = value("420100", "rounding.base", on)
    monthly = wage.value / 12
    low = quantize(quantize(monthly * Decimal("0.6"), rounding_base) * Decimal("0.2"), Rounding())
    high = quantize(quantize(monthly * 3, rounding_base) * Decimal("0.2"), Rounding())
    assert (low, high) == (Decimal("393.04"), Decimal("1965.18"))
    assert value("420100", "flexible.grade_locked_in_year", on) is False


def test_beijing_medical_rates_and_2020_emergency_measures():
    on = date(2020, 2, 15)
    assert value("110105", "rate.medical.unit", on) == Decimal("0.098")
    assert value("110105", "rate.medical.individual", on) == Decimal("0.02")
    assert value("110105", "rate.medical.individual_fixed", on) == Decimal("3")
    measures = param(region="110105", key="emergency.measures", on=on)
    assert measures.ref.source.startswith("北京市社会保险基金管理中心")
    assert measures.value["collection_extensions"] == [
        {"months": [YearMonth(2020, 1), YearMonth(2020, 2)], "until": date(2020, 3, 31)}
    ]
    flags = {k for k, v in measures.value.items() if v is True}
    assert flags == {
        "waive_late_fee", "keep_rights_record", "flag_manual_operations",
        "suspend_audit_cases", "priority_injury_claims",
    }  # fmt: skip
    assert measures.value["deferral_months_after_lift"] == 3
    assert param_or_none(region="110105", key="emergency.measures", on=date(2020, 10, 1)) is None


def test_jilin_2020_emergency_measures_and_claim_deadline():
    measures = param(region="220202", key="emergency.measures", on=date(2020, 3, 1))
    assert measures.ref.source.startswith("吉林市社保局")
    assert measures.value["unemployment_benefit_pct"] == Decimal("0.9")
    assert measures.value["deferral_months_after_lift"] == 3
    assert measures.value["no_certification_suspension"] is True
    assert measures.value["provisional_death_settlement"] is True
    assert measures.value["waive_late_fee"] is False
    # the 60-day claim limit is lifted by the measures, for people unemployed from 2019-12
    assert measures.value["unemployment_claim_limit_lifted_from"] == YearMonth(2019, 12)
    assert value("220202", "unemployment.apply_deadline_days", date(2019, 12, 1)) == 60
