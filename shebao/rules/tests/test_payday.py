from datetime import date

import pytest

from shebao.common.periods import YearMonth
from shebao.rules.payday import payday
from shebao.rules.tests.policy import params

JIANGSU = {"payday.advance_before_holidays": ["Spring Festival", "National Day"]}


def day(month, *layers):
    return payday(params(*layers), month=YearMonth.parse(month)).date


def test_an_ordinary_payday_stays_on_the_15th():
    assert day("2024-05") == date(2024, 5, 15)


def test_2024_spring_festival_pays_before_the_break():
    # 2024: 10–17 February off; Friday 9 February is the last working day before.
    assert day("2024-02", JIANGSU) == date(2024, 2, 9)
    # Without the advance rule the 15th (a holiday) moves to the same day.
    assert day("2024-02") == date(2024, 2, 9)


@pytest.mark.parametrize(
    ("makeup", "expected"), [(True, date(2026, 2, 14)), (False, date(2026, 2, 13))]
)
def test_2026_spring_festival_and_the_makeup_saturday(makeup, expected):
    # 2026: 15–23 February off; Saturday 14 February is a makeup working day.
    assert day("2026-02", JIANGSU, {"payday.makeup_day_is_workday": makeup}) == expected


def test_a_skipped_makeup_day_is_explained():
    result = payday(
        params(JIANGSU, {"payday.makeup_day_is_workday": False}), month=YearMonth(2026, 2)
    )
    assert "2026-02-14 为调休上班日，本地规定调休上班日不发放，继续提前。" in result.trace.notes


def test_2024_national_day_advances_octobers_payday_to_september_30():
    assert day("2024-10", JIANGSU) == date(2024, 9, 30)
    assert day("2024-10") == date(2024, 10, 15)  # not listed: the 15th is a Tuesday


def test_a_holiday_block_starting_in_the_previous_month():
    # 2025: 28 January – 4 February off; February's pension is paid on Monday 27 January.
    assert day("2025-02", JIANGSU) == date(2025, 1, 27)
    assert day("2025-01", JIANGSU) == date(2025, 1, 15)


@pytest.mark.parametrize(
    ("shift", "expected"), [(False, date(2024, 6, 15)), (True, date(2024, 6, 14))]
)
def test_ordinary_weekend_is_a_regional_choice(shift, expected):
    # 15 June 2024 is a Saturday.
    assert day("2024-06", {"payday.shift_on_weekend": shift}) == expected


def test_an_unlisted_holiday_on_the_15th_still_moves_to_the_previous_workday():
    # Mid-autumn 2024: 15–17 September off; Saturday 14 September is a makeup working day.
    assert day("2024-09") == date(2024, 9, 14)
    assert day("2024-09", {"payday.makeup_day_is_workday": False}) == date(2024, 9, 13)


def test_a_year_the_holiday_table_does_not_cover_uses_weekdays_and_says_so():
    result = payday(params({"payday.shift_on_weekend": True}), month=YearMonth(2030, 6))
    assert result.date == date(2030, 6, 14)  # 15 June 2030 is a Saturday
    assert not result.calendar_covered
    assert any("尚未收录" in note for note in result.trace.notes)


def test_regions_without_the_choices_get_stated_defaults():
    given = params(
        {
            "payday.shift_on_weekend": None,
            "payday.makeup_day_is_workday": None,
            "payday.advance_before_holidays": None,
        }
    )
    result = payday(given, month=YearMonth(2024, 6))
    assert result.date == date(2024, 6, 15)
    assert len(result.trace.notes) == 3
