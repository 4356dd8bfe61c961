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


def _check(start: str | None, end: str | None, **kwargs: object) -> str | None:
    from shebao.common.periods import check_period

    try:
        check_period(
            YearMonth.parse(start) if start else None,
            YearMonth.parse(end) if end else None,
            reversed_message="起止颠倒",
            before=YearMonth(2024, 6),
            not_past_message="须早于本月",
            max_months=3,
            too_long_message="期间过长",
            **kwargs,  # type: ignore[arg-type]
        )
    except InvalidInput as error:
        return f"{error.code}:{error.field}"
    return None


def test_check_period_in_order():
    assert _check("2024-01", "2024-03") is None
    assert _check(None, "2024-05") is None  # a side not filled in passes the pair checks
    assert _check("2024-03", "2024-01") == "MONTHS_REVERSED:end_month"
    assert _check("2024-03", "2024-06") == "BACKPAY_MONTH_NOT_PAST:end_month"
    assert _check("2024-01", "2024-05") == "BACKPAY_TOO_MANY_MONTHS:start_month"
    # Reversed first, then not past, then too long.
    assert _check("2024-09", "2024-07") == "MONTHS_REVERSED:end_month"
    assert _check("2020-01", "2024-07") == "BACKPAY_MONTH_NOT_PAST:end_month"
    assert (
        _check("2024-01", "2024-05", too_long_code="X_TOO_LONG", too_long_field="end_month")
        == "X_TOO_LONG:end_month"
    )
