"""Money: always :class:`~decimal.Decimal`, never ``float``.

Amounts are yuan with up to two decimals (fen). Rounding is never implicit: :func:`quantize`
takes a :class:`Rounding` whose step and mode come from policy (some regions round bases to
whole yuan and amounts to fen; personal-account interest may round *up* to the jiao).
Where SQL adds amounts up, store integer fen (:func:`to_fen`): SQLite sums decimals as floats.
"""

from __future__ import annotations

import decimal
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models

from shebao.common.errors import InvalidInput

# Project-wide digits of a money column: up to 999,999,999,999.99 yuan.
MONEY_MAX_DIGITS = 14
MONEY_DECIMAL_PLACES = 2
# Rates (e.g. 0.0005 per day, 0.0262 a year) keep more places.
RATE_MAX_DIGITS = 12
RATE_DECIMAL_PLACES = 8

FEN = Decimal("0.01")
YUAN = Decimal("1")

# Arithmetic context: 28 significant digits is far beyond any amount we hold; trap the
# operations that would silently lose exactness.
CONTEXT = decimal.Context(
    prec=34,
    rounding=decimal.ROUND_HALF_EVEN,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)

ROUNDING_MODES = {
    "ROUND_HALF_UP": decimal.ROUND_HALF_UP,
    "ROUND_HALF_EVEN": decimal.ROUND_HALF_EVEN,
    "ROUND_HALF_DOWN": decimal.ROUND_HALF_DOWN,
    "ROUND_UP": decimal.ROUND_UP,
    "ROUND_DOWN": decimal.ROUND_DOWN,
    "ROUND_CEILING": decimal.ROUND_CEILING,
    "ROUND_FLOOR": decimal.ROUND_FLOOR,
}
ROUNDING_LABELS = {
    "ROUND_HALF_UP": "四舍五入",
    "ROUND_HALF_EVEN": "四舍六入五成双",
    "ROUND_HALF_DOWN": "五舍六入",
    "ROUND_UP": "见零进位",
    "ROUND_DOWN": "舍去",
    "ROUND_CEILING": "向上取整",
    "ROUND_FLOOR": "向下取整",
}


def to_decimal(value: Any, *, field: str | None = None) -> Decimal:
    """Turn an int, a string or a Decimal into a finite Decimal.

    A float (or a bool) is a programming error, not input: it raises ``TypeError`` so that no
    binary fraction ever reaches money. A malformed or non-finite string raises
    :class:`InvalidInput` with a Chinese message.
    """
    if isinstance(value, (bool, float)):
        raise TypeError(f"money must not be {type(value).__name__}: {value!r}")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        text = value.strip().replace(",", "")
        try:
            result = Decimal(text)
        except decimal.InvalidOperation:
            raise InvalidInput(
                f"“{value}”不是有效的数值", code="INVALID_NUMBER", field=field
            ) from None
    else:
        raise TypeError(f"cannot make money from {type(value).__name__}: {value!r}")
    if not result.is_finite():
        raise InvalidInput(f"“{value}”不是有效的数值", code="INVALID_NUMBER", field=field)
    return result


@dataclass(frozen=True)
class Rounding:
    """How to round: to a multiple of ``step`` (0.01 = fen, 1 = yuan, 0.1 = jiao) by ``mode``."""

    step: Decimal = FEN
    mode: str = "ROUND_HALF_UP"

    def __post_init__(self) -> None:
        if not isinstance(self.step, Decimal) or self.step <= 0:
            raise ValueError(f"rounding step must be a positive Decimal, not {self.step!r}")
        if self.mode not in ROUNDING_MODES:
            raise ValueError(f"unknown rounding mode {self.mode!r}")

    @classmethod
    def parse(cls, data: dict[str, Any]) -> Rounding:
        return cls(step=to_decimal(str(data["step"])), mode=str(data.get("mode", "ROUND_HALF_UP")))

    def describe(self) -> str:
        unit = {Decimal("0.01"): "分", Decimal("0.1"): "角", Decimal("1"): "元"}.get(
            self.step, f"{self.step}元"
        )
        return f"按{unit}{ROUNDING_LABELS[self.mode]}"

    def as_dict(self) -> dict[str, str]:
        return {"step": str(self.step), "mode": self.mode}


AMOUNT_TO_FEN = Rounding(FEN, "ROUND_HALF_UP")


def quantize(value: Decimal, rounding: Rounding) -> Decimal:
    """Round ``value`` to a multiple of ``rounding.step`` with ``rounding.mode``.

    The result carries at least two decimal places so it prints as money (``2767`` with a
    whole-yuan step is ``Decimal("2767.00")``).
    """
    if not isinstance(value, Decimal):
        raise TypeError(f"quantize takes a Decimal, not {type(value).__name__}")
    step = rounding.step
    units = (value / step).quantize(YUAN, rounding=ROUNDING_MODES[rounding.mode], context=CONTEXT)
    result = units * step
    exponent = min(step.as_tuple().exponent, -MONEY_DECIMAL_PLACES)  # type: ignore[operator]
    return result.quantize(Decimal(1).scaleb(exponent), context=CONTEXT)


def to_fen(value: Decimal) -> int:
    """Exact integer fen of an amount that is already a whole number of fen."""
    fen = value * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"{value} is not a whole number of fen")
    return int(fen)


def from_fen(fen: int) -> Decimal:
    return (Decimal(fen) / 100).quantize(FEN)


def money_str(value: Decimal) -> str:
    """The API form of an amount: a plain string with exactly two decimals ("1280.00")."""
    if not isinstance(value, Decimal):
        raise TypeError(f"money_str takes a Decimal, not {type(value).__name__}")
    if value != value.quantize(FEN, context=CONTEXT):
        raise ValueError(f"{value} has more than two decimals; round it by policy first")
    return f"{value.quantize(FEN, context=CONTEXT):f}"


def yuan_display(value: Decimal) -> str:
    """The page form of an amount: thousands separators and two decimals ("1,280.00")."""
    return f"{value.quantize(FEN, context=CONTEXT):,.2f}"


class MoneyField(models.DecimalField):
    """A yuan amount with the project-wide digits (two decimal places)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", MONEY_MAX_DIGITS)
        kwargs.setdefault("decimal_places", MONEY_DECIMAL_PLACES)
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        return name, "shebao.common.money.MoneyField", args, kwargs
