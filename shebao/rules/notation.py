"""How numbers are written in trace formulas: exact, without exponent, rates as percents."""

from __future__ import annotations

from decimal import Decimal

from shebao.common.money import CONTEXT, FEN, Rounding


def num(value: Decimal | int) -> str:
    """An exact number without exponent or trailing zeros beyond what it carries: "2767.00",
    "0.0005", "12"."""
    if isinstance(value, int):
        return str(value)
    return format(value, "f")


def money(value: Decimal) -> str:
    """An amount with at least two decimals ("8000.00"); more if it has them ("393.036")."""
    if value == value.quantize(FEN, context=CONTEXT):
        return format(value.quantize(FEN, context=CONTEXT), "f")
    return format(value.normalize(CONTEXT), "f")


def pct(rate: Decimal) -> str:
    """A rate as a percent: 0.16 → "16%", 0.005 → "0.5%", 0.0005 → "0.05%"."""
    value = (rate * 100).normalize(CONTEXT)
    text = format(value, "f")
    return f"{text}%"


def rounded(rounding: Rounding) -> str:
    """The words for a rounding rule, for a formula: "按分四舍五入"."""
    return rounding.describe()
