from datetime import date
from decimal import Decimal

import pytest

from shebao.common.errors import InvalidInput, NotFound
from shebao.common.periods import YearMonth
from shebao.common.trace import PROVISIONAL
from shebao.rules.backpay import backpay_interest
from shebao.rules.tests.policy import param

PUBLISHED = {
    2016: "0.0831",
    2017: "0.0712",
    2018: "0.0829",
    2019: "0.0761",
    2020: "0.0604",
    2021: "0.0669",
    2022: "0.0612",
    2023: "0.0397",
    2024: "0.0262",
}
RATES = [
    param("pension.crediting_rate", rate, valid_from=date(year, 1, 1), valid_to=date(year, 12, 31))
    for year, rate in PUBLISHED.items()
]
FEN = param("rounding.amount", {"step": "0.01", "mode": "ROUND_HALF_UP"})


def interest(owed, pay, rates=RATES):
    return backpay_interest(
        owed=[(YearMonth.parse(m), Decimal(a)) for m, a in owed],
        pay_month=YearMonth.parse(pay),
        crediting_rates=rates,
        rounding=FEN,
    )


def test_same_year_interest_counts_months_from_owed_to_payment():
    # 1,000 owed for March 2024, paid in September: 1000 × (9 − 3) × 2.62% / 12 = 13.10.
    result = interest([("2024-03", "1000")], "2024-09")
    assert (result.principal, result.interest, result.total) == (
        Decimal("1000.00"),
        Decimal("13.10"),
        Decimal("1013.10"),
    )


def test_paid_in_the_owed_month_earns_nothing():
    assert interest([("2024-03", "1000")], "2024-03").interest == Decimal("0.00")


def test_across_one_year_end_c1_plus_c3():
    # C1 = 1000 × (12 − 11 + 1) × 3.97%/12 = 6.616666…; C3 = 1006.6166… × (3 − 1) × 2.62%/12
    # = 4.395959…; total 11.012626… → 11.01.
    result = interest([("2023-11", "1000")], "2024-03")
    c1 = Decimal(1000) * 2 * Decimal("0.0397") / 12
    c3 = (Decimal(1000) + c1) * 2 * Decimal("0.0262") / 12
    assert result.years[0].interest == c1
    assert result.years[1].interest == c3
    assert result.interest == Decimal("11.01")


def test_full_years_between_compound_the_balance_c2():
    # Owed December 2021, paid January 2024: C1 one month at 6.69%, 2022 and 2023 compound the
    # whole balance, 2024 adds nothing (m − 1 = 0).
    result = interest([("2021-12", "1000")], "2024-01")
    c1 = Decimal(1000) * 1 * Decimal("0.0669") / 12
    b2021 = 1000 + c1
    b2022 = b2021 * (1 + Decimal("0.0612"))
    b2023 = b2022 * (1 + Decimal("0.0397"))
    assert result.years[-1].interest == 0
    assert result.years[-2].balance == b2023
    assert result.interest == (b2023 - 1000).quantize(Decimal("0.01"))
    # 1005.575 × 1.0612 × 1.0397 = 1109.4807… → 109.48.
    assert result.interest == Decimal("109.48")


def test_months_in_several_years_share_one_running_balance():
    one = interest([("2022-06", "500")], "2024-05")
    two = interest([("2023-02", "700")], "2024-05")
    both = interest([("2022-06", "500"), ("2023-02", "700")], "2024-05")
    exact = sum(y.interest for y in one.years) + sum(y.interest for y in two.years)
    # Equal up to the last of 28 significant digits of the divisions by 12.
    assert abs(sum(y.interest for y in both.years) - exact) < Decimal("1e-20")
    assert both.interest == Decimal("74.92")
    assert both.principal == Decimal("1200.00")


def test_a_provisional_rate_makes_the_result_provisional():
    rates = [
        *RATES,
        param("pension.crediting_rate", "0.0262", valid_from=date(2025, 1, 1), status=PROVISIONAL),
    ]
    result = interest([("2024-10", "1000")], "2025-04", rates)
    assert result.trace.provisional
    assert any("2025 年记账利率为暂定值" in note for note in result.trace.notes)
    assert not interest([("2024-10", "1000")], "2024-12").trace.provisional


def test_a_year_without_a_rate_is_a_missing_parameter():
    with pytest.raises(NotFound) as error:
        interest([("2015-06", "1000")], "2016-03")
    assert error.value.code == "POLICY_PARAM_MISSING"
    assert "记账利率" in error.value.message


def test_a_month_after_the_payment_month_is_refused():
    with pytest.raises(InvalidInput) as error:
        interest([("2024-05", "1000")], "2024-04")
    assert (error.value.code, error.value.field) == ("BACKPAY_MONTH_AFTER_PAY", "months.0.month")


def test_no_months_is_refused_and_negative_amounts_are_refused():
    with pytest.raises(InvalidInput) as error:
        interest([], "2024-04")
    assert error.value.code == "BACKPAY_MONTHS_EMPTY"
    with pytest.raises(InvalidInput) as error:
        interest([("2024-01", "-5")], "2024-04")
    assert (error.value.code, error.value.field) == ("NEGATIVE_AMOUNT", "months.0.amount")


def test_float_amounts_are_refused():
    with pytest.raises(TypeError):
        backpay_interest(
            owed=[(YearMonth(2024, 1), 100.0)],
            pay_month=YearMonth(2024, 4),
            crediting_rates=RATES,
            rounding=FEN,
        )
