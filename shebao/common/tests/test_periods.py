from datetime import date

import pytest

from shebao.common.errors import InvalidInput
from shebao.common.periods import YearMonth


def test_parse_and_print():
    assert YearMonth.parse("2020-01") == YearMonth(2020, 1)
    assert str(YearMonth(2020, 1)) == "2020-01"
    assert YearMonth(2020, 1).label() == "2020年1月"


@pytest.mark.parametrize("text", ["2020-13", "2020/01", "20-01", "", "2020-00", "abcd-ef"])
def test_parse_rejects_malformed_months_in_chinese(text):
    with pytest.raises(InvalidInput) as error:
        YearMonth.parse(text, field="month")
    assert error.value.code == "INVALID_MONTH"
    assert "YYYY-MM" in error.value.message


def test_arithmetic_across_years():
    assert YearMonth(2020, 11) + 3 == YearMonth(2021, 2)
    assert YearMonth(2021, 2) - YearMonth(2020, 11) == 3
    assert YearMonth(2021, 2) - 14 == YearMonth(2019, 12)
    assert YearMonth(1965, 1) + 60 * 12 + 1 == YearMonth(2025, 2)


def test_days_of_a_month():
    assert YearMonth(2024, 2).last_day == date(2024, 2, 29)
    assert YearMonth(2023, 2).day(31) == date(2023, 2, 28)
    assert YearMonth.of(date(2020, 7, 15)) == YearMonth(2020, 7)


def test_database_form_round_trips():
    assert YearMonth.from_int(YearMonth(2020, 7).as_int()) == YearMonth(2020, 7)
    assert YearMonth(2020, 7).as_int() == 202007
