from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shebao.common.errors import InvalidInput
from shebao.common.money import (
    FEN,
    Rounding,
    from_fen,
    money_str,
    quantize,
    to_decimal,
    to_fen,
    yuan_display,
)


@pytest.mark.parametrize(
    ("value", "rounding", "expected"),
    [
        (Decimal("553.40"), Rounding(FEN), "553.40"),
        (Decimal("393.036"), Rounding(FEN), "393.04"),
        (Decimal("4611.6667"), Rounding(Decimal("1")), "4612.00"),
        (Decimal("2767.0"), Rounding(Decimal("1")), "2767.00"),
        (Decimal("0.125"), Rounding(FEN, "ROUND_HALF_EVEN"), "0.12"),
        (Decimal("0.125"), Rounding(FEN, "ROUND_HALF_UP"), "0.13"),
        # 见分进角: any fen left rounds up to the next jiao.
        (Decimal("12.31"), Rounding(Decimal("0.1"), "ROUND_UP"), "12.40"),
        (Decimal("-1.005"), Rounding(FEN), "-1.01"),
    ],
)
def test_quantize_rounds_by_the_given_step_and_mode(value, rounding, expected):
    assert money_str(quantize(value, rounding)) == expected


def test_to_decimal_refuses_floats_and_bools():
    with pytest.raises(TypeError):
        to_decimal(0.1)
    with pytest.raises(TypeError):
        to_decimal(True)


@given(st.floats(allow_nan=True, allow_infinity=True))
def test_no_float_ever_becomes_money(value):
    with pytest.raises(TypeError):
        to_decimal(value)
    with pytest.raises(TypeError):
        quantize(value, Rounding())  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["abc", "NaN", "Infinity", "", "1.2.3"])
def test_to_decimal_rejects_malformed_text_in_chinese(text):
    with pytest.raises(InvalidInput) as error:
        to_decimal(text, field="wage")
    assert error.value.code == "INVALID_NUMBER"
    assert "不是有效的数值" in error.value.message
    assert error.value.field == "wage"


def test_to_decimal_accepts_thousands_separators():
    assert to_decimal("13,835.00") == Decimal("13835.00")


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_fen_round_trip_is_exact(fen):
    assert to_fen(from_fen(fen)) == fen


def test_to_fen_refuses_fractions_of_a_fen():
    with pytest.raises(ValueError):
        to_fen(Decimal("1.005"))


def test_money_str_refuses_unrounded_amounts():
    with pytest.raises(ValueError):
        money_str(Decimal("1.005"))
    assert money_str(Decimal("2767")) == "2767.00"
    assert yuan_display(Decimal("13835")) == "13,835.00"


@given(
    st.decimals(min_value=-(10**9), max_value=10**9, allow_nan=False, places=6),
    st.sampled_from([Decimal("0.01"), Decimal("0.1"), Decimal("1"), Decimal("10")]),
    st.sampled_from(["ROUND_HALF_UP", "ROUND_HALF_EVEN", "ROUND_UP", "ROUND_DOWN"]),
)
def test_quantize_lands_on_a_multiple_of_the_step_within_one_step(value, step, mode):
    result = quantize(value, Rounding(step, mode))
    assert (result / step) == (result / step).to_integral_value()
    assert abs(result - value) < step
