from decimal import Decimal

import pytest

from shebao.common.errors import InvalidInput
from shebao.common.periods import YearMonth
from shebao.rules.tests.policy import params
from shebao.rules.transfer import REGULAR, TEMPORARY, transfer_funds

P = params()


def move(
    sex="M", birth="1980-01", month="2025-03", hukou=False, bases="600000", balance="85000.50"
):
    return transfer_funds(
        P,
        sex=sex,
        birth=YearMonth.parse(birth),
        move_month=YearMonth.parse(month),
        to_hukou_province=hukou,
        bases_sum=Decimal(bases),
        personal_balance=Decimal(balance),
    )


def test_domain_example_600000_of_bases_moves_72000():
    result = move()
    assert (result.account, result.pooled_transfer, result.personal_transfer) == (
        REGULAR,
        Decimal("72000.00"),
        Decimal("85000.50"),
    )


@pytest.mark.parametrize(
    ("sex", "birth", "account"),
    [
        ("M", "1975-04", REGULAR),  # 49 years 11 months at 2025-03
        ("M", "1975-03", TEMPORARY),  # exactly 50
        ("F", "1985-04", REGULAR),  # 39 years 11 months
        ("F", "1985-03", TEMPORARY),  # exactly 40
    ],
)
def test_temporary_account_from_50_men_and_40_women(sex, birth, account):
    assert move(sex=sex, birth=birth).account == account


def test_a_temporary_account_moves_no_funds_now_and_says_so():
    result = move(birth="1970-01")
    assert (result.pooled_transfer, result.personal_transfer) == (Decimal("0.00"), Decimal("0.00"))
    assert any("本次不转移资金" in note for note in result.trace.notes)


def test_returning_to_the_hukou_province_is_always_a_regular_transfer():
    assert move(birth="1960-01", hukou=True).account == REGULAR


def test_bad_input_is_refused():
    with pytest.raises(InvalidInput) as error:
        move(sex="X")
    assert error.value.code == "SEX_INVALID"
    with pytest.raises(InvalidInput) as error:
        move(birth="2026-01")
    assert error.value.code == "PERIOD_REVERSED"
    with pytest.raises(InvalidInput) as error:
        move(bases="-1")
    assert error.value.field == "bases_sum"
