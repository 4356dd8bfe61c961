from decimal import Decimal

import pytest

from shebao.common.errors import InvalidInput
from shebao.rules.flexible import flexible
from shebao.rules.tests.policy import JILIN_2020H1, WUHAN, params


def test_jilin_2020_h1_lowest_grade_is_6640_80_a_year():
    result = flexible(params(JILIN_2020H1), grade=60)
    assert (result.base, result.monthly, result.annual) == (
        Decimal("2767.00"),
        Decimal("553.40"),
        Decimal("6640.80"),
    )


def test_jilin_2020_h1_average_grade_is_11068_80_with_base_rounded_to_whole_yuan():
    result = flexible(params(JILIN_2020H1), grade=100)
    assert (result.base, result.monthly, result.annual) == (
        Decimal("4612.00"),
        Decimal("922.40"),
        Decimal("11068.80"),
    )
    assert result.trace.steps[0].formula == "55340.00 × 100% ÷ 12，按元四舍五入"


def test_unrounded_base_would_not_reproduce_the_seed():
    # With fen bases the 100% grade gives 11,067.96, not the published 11,068.80.
    fen = params(JILIN_2020H1, {"rounding.base": {"step": "0.01", "mode": "ROUND_HALF_UP"}})
    assert flexible(fen, grade=100).annual == Decimal("11067.96")


@pytest.mark.parametrize(
    ("grade", "base"),
    [
        (70, "3228.00"),
        (80, "3689.00"),
        (90, "4151.00"),
        (120, "5534.00"),
        (200, "9223.00"),
        (300, "13835.00"),
    ],
)
def test_jilin_grade_bases(grade, base):
    assert flexible(params(JILIN_2020H1), grade=grade).base == Decimal(base)


def test_wuhan_lowest_and_highest_grades():
    low = flexible(params(WUHAN), grade=60)
    high = flexible(params(WUHAN), grade=300)
    assert (low.base, low.monthly) == (Decimal("1965.18"), Decimal("393.04"))
    assert (high.base, high.monthly) == (Decimal("9825.90"), Decimal("1965.18"))


def test_personal_account_and_pooled_shares():
    result = flexible(params(JILIN_2020H1), grade=60)
    assert result.personal_account == Decimal("221.36")
    assert result.trace.steps[-1].value == Decimal("332.04")


def test_a_grade_not_offered_is_refused_with_the_list():
    with pytest.raises(InvalidInput) as error:
        flexible(params(JILIN_2020H1), grade=65)
    assert error.value.code == "FLEXIBLE_GRADE_INVALID"
    assert error.value.field == "grade"
    assert "60%、70%" in error.value.message
