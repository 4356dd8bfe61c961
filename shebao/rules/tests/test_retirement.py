import pytest

from shebao.common.errors import InvalidInput
from shebao.common.periods import YearMonth
from shebao.rules.retirement import retirement
from shebao.rules.tests.policy import NATIONAL, params

P = params()


def ym(text):
    return YearMonth.parse(text)


def test_men_born_january_1965_retire_february_2025_at_60_years_1_month():
    result = retirement(P, birth=ym("1965-01"), category="male")
    assert result.retirement_month == ym("2025-02")
    assert (result.age_years, result.age_extra_months) == (60, 1)
    assert result.min_contribution_months == 180


def test_women_originally_50_born_march_1975_retire_at_50_years_2_months():
    result = retirement(P, birth=ym("1975-03"), category="female_worker")
    assert (result.age_years, result.age_extra_months) == (50, 2)
    assert result.retirement_month == ym("2025-05")


@pytest.mark.parametrize(
    ("category", "birth", "age_months"),
    [
        ("male", "1964-12", 60 * 12),  # before the cohort: no delay
        ("male", "1965-04", 60 * 12 + 1),  # k = 4 → ⌈4/4⌉ = 1
        ("male", "1965-05", 60 * 12 + 2),  # k = 5 → 2
        ("male", "1976-08", 60 * 12 + 35),  # k = 140 → 35
        ("male", "1976-09", 63 * 12),  # k = 141 → 36 (cap reached)
        ("male", "1990-01", 63 * 12),  # capped
        ("female_cadre", "1969-12", 55 * 12),
        ("female_cadre", "1970-01", 55 * 12 + 1),
        ("female_cadre", "1981-12", 58 * 12),
        ("female_worker", "1974-12", 50 * 12),
        ("female_worker", "1975-01", 50 * 12 + 1),
        ("female_worker", "1975-02", 50 * 12 + 1),  # k = 2 → 1
        ("female_worker", "1984-12", 55 * 12),  # k = 120 → 60 (cap)
        ("female_worker", "1990-06", 55 * 12),
    ],
)
def test_the_age_table_at_its_edges(category, birth, age_months):
    result = retirement(P, birth=ym(birth), category=category)
    assert result.age_months == age_months
    assert result.statutory_month == ym(birth) + age_months


def test_minimum_contribution_rises_from_2030():
    # Men born 1968-09: k = 45 → 12 months → statutory 2029-09 → still 15 years.
    assert retirement(P, birth=ym("1968-09"), category="male").min_contribution_months == 180
    # Men born 1969-05: k = 53 → 14 months → statutory 2030-07 → 15.5 years.
    result = retirement(P, birth=ym("1969-05"), category="male")
    assert result.statutory_month == ym("2030-07")
    assert result.min_contribution_months == 186
    # 2039 and later: 20 years.
    late = retirement(P, birth=ym("1990-01"), category="male")
    assert late.min_contribution_months == 240


def test_chengdu_example_statutory_2031_early_2029_late_2034():
    # A woman originally retiring at 50, born 1979-01: k = 49 → 25 months → statutory 2031-02.
    statutory = retirement(P, birth=ym("1979-01"), category="female_worker")
    assert statutory.statutory_month == ym("2031-02")
    assert statutory.min_contribution_months == 192  # 16 years
    early = retirement(P, birth=ym("1979-01"), category="female_worker", early_months=25)
    assert early.retirement_month == ym("2029-01")
    assert early.min_contribution_months == 180  # the actual year counts: 15 years
    late = retirement(P, birth=ym("1979-01"), category="female_worker", late_months=36)
    assert late.retirement_month == ym("2034-02")
    assert late.min_contribution_months == 192  # the statutory year still counts: 16 years


def test_early_retirement_never_before_the_original_age():
    with pytest.raises(InvalidInput) as error:
        retirement(P, birth=ym("1979-01"), category="female_worker", early_months=26)
    assert (error.value.code, error.value.field) == ("RETIREMENT_TOO_EARLY", "early_months")
    assert "最多提前 25 个月" in error.value.message


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"early_months": 37}, "RETIREMENT_EARLY_TOO_MANY"),
        ({"late_months": 37}, "RETIREMENT_LATE_TOO_MANY"),
        ({"early_months": 1, "late_months": 1}, "RETIREMENT_ELASTIC_BOTH"),
        ({"late_months": -1}, "NEGATIVE_NUMBER"),
    ],
)
def test_elastic_limits(kwargs, code):
    with pytest.raises(InvalidInput) as error:
        retirement(P, birth=ym("1990-01"), category="male", **kwargs)
    assert error.value.code == code


def test_unknown_category_is_refused():
    with pytest.raises(InvalidInput) as error:
        retirement(P, birth=ym("1990-01"), category="female")
    assert (error.value.code, error.value.field) == ("RETIREMENT_CATEGORY_INVALID", "category")


def test_before_the_reform_nobody_is_delayed():
    before = params(
        {
            "retirement.schemes": {
                c: dict(v, cap=0) for c, v in NATIONAL["retirement.schemes"].items()
            }
        }
    )
    assert retirement(before, birth=ym("1970-06"), category="male").age_months == 720


def test_the_trace_explains_the_delay():
    result = retirement(P, birth=ym("1965-05"), category="male")
    steps = {s.label: s for s in result.trace.steps}
    assert steps["出生月份序号"].value == 5
    assert steps["延迟月数"].formula == "max(0, min(36, ⌈5 ÷ 4⌉))"
    assert steps["法定退休年龄"].value == "60岁2个月"
