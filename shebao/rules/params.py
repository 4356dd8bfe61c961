"""How rules read parameters and check their inputs.

``need`` and ``maybe`` read a parameter from the mapping a rule was given and record it in the
trace; ``in_force`` picks the record of a series valid on a day. Input checks refuse floats
(``TypeError``: a float reaching money is a programming error) and refuse negative or malformed
values with :class:`~shebao.common.errors.InvalidInput` (a stable code, a Chinese message, the
field), because bills and benefits call the same rules as the public calculators.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from shebao.common.errors import InvalidInput, NotFound
from shebao.common.money import CONTEXT, FEN, MONEY_MAX_DIGITS, to_decimal
from shebao.common.trace import Param, Trace
from shebao.policy.schema import SPECS

Params = Mapping[str, Param[Any]]

# Inputs at or above this many yuan cannot be held in a money column (14 digits, 2 decimals).
MONEY_LIMIT = Decimal(10) ** (MONEY_MAX_DIGITS - 2)


def label_of(key: str) -> str:
    spec = SPECS.get(key)
    return spec.label if spec else key


def missing(key: str, *, on: date | None = None) -> NotFound:
    """The error for a parameter a rule needs but was not given (not published for the place
    and date, or not loaded)."""
    when = f"（{on.isoformat()}）" if on else ""
    return NotFound(
        f"缺少政策参数“{label_of(key)}”（{key}）{when}，无法计算",
        code="POLICY_PARAM_MISSING",
        details={"key": key},
    )


def need(trace: Trace, params: Params, key: str) -> Any:
    """The value of ``key``, recorded in ``trace``; :func:`missing` if it was not given."""
    param = params.get(key)
    if param is None:
        raise missing(key)
    return trace.use(param)


def maybe(trace: Trace, params: Params, key: str) -> Any | None:
    """The value of ``key`` if given (recorded in ``trace``), else None."""
    param = params.get(key)
    if param is None:
        return None
    return trace.use(param)


def in_force(series: Sequence[Param[Any]], on: date) -> Param[Any] | None:
    """The record of ``series`` valid on ``on`` (the latest starting one if several are)."""
    found: Param[Any] | None = None
    for param in series:
        ref = param.ref
        valid = ref.valid_from <= on and (ref.valid_to is None or on <= ref.valid_to)
        if valid and (found is None or ref.valid_from >= found.ref.valid_from):
            found = param
    return found


def amount_in(value: Any, *, field: str, label: str, allow_zero: bool = True) -> Decimal:
    """A money input in yuan: a Decimal (or int, or numeric string), never a float, never
    negative, at most two decimals (fen)."""
    result = to_decimal(value, field=field)
    if result < 0 or (not allow_zero and result == 0):
        bound = "不能为负数" if allow_zero else "应大于 0"
        raise InvalidInput(f"{label}{bound}", code="NEGATIVE_AMOUNT", field=field)
    if result >= MONEY_LIMIT:
        raise InvalidInput(f"{label}超出可测算范围", code="NUMBER_TOO_LARGE", field=field)
    if result != result.quantize(FEN, context=CONTEXT):
        raise InvalidInput(f"{label}最多保留两位小数（到分）", code="AMOUNT_PRECISION", field=field)
    return result


def number_in(value: Any, *, field: str, label: str, places: int = 4) -> Decimal:
    """A non-negative decimal that is not money (an index, a number of years)."""
    result = to_decimal(value, field=field)
    if result < 0:
        raise InvalidInput(f"{label}不能为负数", code="NEGATIVE_NUMBER", field=field)
    if result >= MONEY_LIMIT:
        raise InvalidInput(f"{label}超出可测算范围", code="NUMBER_TOO_LARGE", field=field)
    if result != result.quantize(Decimal(1).scaleb(-places), context=CONTEXT):
        raise InvalidInput(f"{label}最多保留 {places} 位小数", code="NUMBER_PRECISION", field=field)
    return result


def count_in(value: Any, *, field: str, label: str, maximum: int | None = None) -> int:
    """A whole, non-negative count (months, years)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{field} must be an int, not {type(value).__name__}")
    if value < 0:
        raise InvalidInput(f"{label}不能为负数", code="NEGATIVE_NUMBER", field=field)
    if maximum is not None and value > maximum:
        raise InvalidInput(f"{label}不能超过 {maximum}", code="NUMBER_TOO_LARGE", field=field)
    return value
