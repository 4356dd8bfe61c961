from decimal import Decimal

import pytest

from shebao.common.errors import InvalidInput
from shebao.rules.account import MONTH_PRODUCT, YEARLY, account_interest
from shebao.rules.tests.policy import param

RATE_2024 = param("pension.crediting_rate", "0.0262")
FEN = param("rounding.interest", {"step": "0.01", "mode": "ROUND_HALF_UP"})


@pytest.mark.parametrize(
    ("method", "closing"), [(YEARLY, "110408.96"), (MONTH_PRODUCT, "110408.99")]
)
def test_domain_example_100000_plus_640_a_month_in_2024(method, closing):
    result = account_interest(
        opening_balance=Decimal("100000"),
        contributions=[(month, Decimal("640")) for month in range(1, 13)],
        rate=RATE_2024,
        rounding=FEN,
        method=method,
    )
    assert result.contributions == Decimal("7680")
    assert result.closing == Decimal(closing)


def test_jiao_rounding_up_when_any_fen_remains():
    # 见分进角: 2728.958 → 2729.00 (yearly method), so the closing balance is 110409.00.
    result = account_interest(
        opening_balance=Decimal("100000"),
        contributions=[(month, Decimal("640")) for month in range(1, 13)],
        rate=RATE_2024,
        rounding=param("rounding.interest", {"step": "0.1", "mode": "ROUND_UP"}),
    )
    assert result.interest == Decimal("2729.00")
    assert result.closing == Decimal("110409.00")


def test_bad_months_and_methods_are_refused():
    with pytest.raises(InvalidInput) as error:
        account_interest(
            opening_balance=Decimal(0),
            contributions=[(13, Decimal(1))],
            rate=RATE_2024,
            rounding=FEN,
        )
    assert error.value.code == "INVALID_MONTH"
    with pytest.raises(InvalidInput) as error:
        account_interest(
            opening_balance=Decimal(0),
            contributions=[],
            rate=RATE_2024,
            rounding=FEN,
            method="daily",
        )
    assert error.value.code == "INTEREST_METHOD_INVALID"


def test_float_balance_is_refused():
    with pytest.raises(TypeError):
        account_interest(opening_balance=100000.0, contributions=[], rate=RATE_2024, rounding=FEN)
