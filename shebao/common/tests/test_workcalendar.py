from datetime import date

from shebao.common.workcalendar import (
    add_working_days,
    covered,
    holiday_name,
    is_makeup_workday,
    is_workday,
    previous_workday,
    working_days_between,
)


def test_national_day_week_is_not_working_time():
    # 2024: 1–7 October off; Sunday 29 September and Saturday 12 October worked.
    assert not is_workday(date(2024, 10, 3))
    assert holiday_name(date(2024, 10, 3)) == "National Day"
    assert is_workday(date(2024, 9, 29))
    assert is_makeup_workday(date(2024, 10, 12))
    assert not is_workday(date(2024, 10, 12), makeup_is_workday=False)


def test_time_limit_skips_the_holiday():
    # Accepted Monday 30 September 2024 with 5 working days: 8, 9, 10, 11, 12 October.
    assert add_working_days(date(2024, 9, 30), 5) == date(2024, 10, 12)
    assert working_days_between(date(2024, 9, 30), date(2024, 10, 12)) == 5


def test_previous_workday_before_spring_festival_2026():
    # 2026 Spring Festival: 15–23 February off; Saturday 14 February worked.
    assert previous_workday(date(2026, 2, 15)) == date(2026, 2, 14)
    assert previous_workday(date(2026, 2, 15), makeup_is_workday=False) == date(2026, 2, 13)


def test_years_beyond_the_table_fall_back_to_weekdays():
    assert covered(2026)
    assert not covered(2031)
    assert is_workday(date(2031, 1, 1))  # a Wednesday; unknown holiday arrangement
    assert not is_workday(date(2031, 1, 4))  # Saturday
