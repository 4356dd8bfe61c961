"""Money formulas written once: evaluated on ``Decimal`` by the rules, compiled to SQL over
integer fen by the batch (DESIGN.md, "A rule is written once").

A formula is a small tree of exact arithmetic on amounts::

    base = Least(Greatest(Round(Input("wage"), rounding), Amount(floor)), Amount(ceiling))
    unit = Round(Times(Input("base"), Rate(Decimal("0.16"))), rounding)

- :func:`evaluate` computes it on Decimals (yuan), as the rules always did: ``quantize`` with
  the rounding from policy, ``min``/``max``, exact products. The rules record their trace around
  these values; :class:`Named` marks the intermediate results a rule reports.
- :func:`compile_sql` turns it into one SQL expression over integer-fen columns that is exact on
  SQLite and PostgreSQL alike. SQLite does decimal arithmetic in binary floating point, so no
  decimal ever reaches the SQL: every rate becomes an exact fraction ``p/q`` of integers (from
  the Decimal's digits), each value is carried as an integer numerator over a known integer
  denominator, and rounding to a step of ``s`` fen is integer division by ``q·s`` with the
  mode's offset (half up: ``(2n + m) / 2m``). Integer division truncates toward zero on both
  databases (SQLite: ``-7 / 2 = -3``; PostgreSQL the same); every operand here is non-negative —
  amounts are checked ``>= 0`` at the edge and by table constraints, rates are ``>= 0`` by the
  policy schema, and :func:`compile_sql` refuses a negative constant — so truncation is the
  floor the formulas below rely on.
- Each input column comes with the largest value it may hold, and the compiler bounds every
  intermediate product: a formula whose integers could pass 2^62 (SQLite would silently turn
  them into floats; PostgreSQL would raise) is refused before it runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from math import lcm
from typing import Union

from shebao.common.errors import InvalidInput
from shebao.common.money import Rounding, quantize

# The largest integer an intermediate value of a compiled formula may reach (2^62: half of a
# signed 64-bit integer, so a final ``+ m`` or a comparison cannot overflow either).
SQL_INT_LIMIT = 2**62


# --- rates ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    """A fixed rate, e.g. ``Rate(Decimal("0.16"))``."""

    value: Decimal


@dataclass(frozen=True)
class RateByClass:
    """A rate chosen by an integer input (the unit's work-injury class): ``base[c] × factor``.

    The product is made here and only here; ``factor`` None means no float coefficient."""

    key: str  # the integer input, e.g. "injury_class"
    base: tuple[tuple[int, Decimal], ...]  # (class, base rate), ascending
    factor: Decimal | None = None

    def rate(self, choice: int) -> Decimal:
        base = dict(self.base)[choice]
        return base if self.factor is None else base * self.factor


@dataclass(frozen=True)
class RateOf:
    """A rate that is an integer input over a fixed divisor, e.g. a grade of ``g`` percent of
    an annual wage, per month: ``g / 1200``."""

    key: str
    per: int


RateExpr = Union[Rate, RateByClass, RateOf]  # noqa: UP007 (a runtime alias)


# --- amounts -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Input:
    """An amount the formula is applied to: yuan in Python, an integer-fen column in SQL."""

    name: str


@dataclass(frozen=True)
class Amount:
    """A constant amount in yuan (a whole number of fen)."""

    value: Decimal


@dataclass(frozen=True)
class Times:
    amount: Expr
    rate: RateExpr


@dataclass(frozen=True)
class Round:
    amount: Expr
    rounding: Rounding


@dataclass(frozen=True)
class Least:
    first: Expr
    second: Expr


@dataclass(frozen=True)
class Greatest:
    first: Expr
    second: Expr


@dataclass(frozen=True)
class Plus:
    first: Expr
    second: Expr


@dataclass(frozen=True)
class Named:
    """A sub-result a rule reports (a trace step): evaluation keeps it under ``name``."""

    name: str
    expr: Expr


Expr = Union[Input, Amount, Times, Round, Least, Greatest, Plus, Named]  # noqa: UP007


# --- evaluation on Decimals ----------------------------------------------------------------------


def rate_value(rate: RateExpr, inputs: Mapping[str, Decimal | int]) -> Decimal:
    """The rate as a Decimal for these inputs (a :class:`RateOf` has no finite Decimal in
    general: it is applied by :func:`evaluate` as a product then a division)."""
    if isinstance(rate, Rate):
        return rate.value
    if isinstance(rate, RateByClass):
        return rate.rate(int(inputs[rate.key]))
    raise TypeError("a RateOf has no Decimal value of its own")


def evaluate(expr: Expr, inputs: Mapping[str, Decimal | int]) -> Decimal:
    """The formula's value in yuan."""
    return evaluate_named(expr, inputs)[""]


def evaluate_named(expr: Expr, inputs: Mapping[str, Decimal | int]) -> dict[str, Decimal]:
    """The formula's value (under ``""``) and the value of each :class:`Named` sub-result."""
    named: dict[str, Decimal] = {}
    named[""] = _eval(expr, inputs, named)
    return named


def _eval(expr: Expr, inputs: Mapping[str, Decimal | int], named: dict[str, Decimal]) -> Decimal:
    if isinstance(expr, Input):
        value = inputs[expr.name]
        return value if isinstance(value, Decimal) else Decimal(value)
    if isinstance(expr, Amount):
        return expr.value
    if isinstance(expr, Times):
        amount = _eval(expr.amount, inputs, named)
        if isinstance(expr.rate, RateOf):
            return amount * int(inputs[expr.rate.key]) / expr.rate.per
        return amount * rate_value(expr.rate, inputs)
    if isinstance(expr, Round):
        return quantize(_eval(expr.amount, inputs, named), expr.rounding)
    if isinstance(expr, Least):
        return min(_eval(expr.first, inputs, named), _eval(expr.second, inputs, named))
    if isinstance(expr, Greatest):
        return max(_eval(expr.first, inputs, named), _eval(expr.second, inputs, named))
    if isinstance(expr, Plus):
        return _eval(expr.first, inputs, named) + _eval(expr.second, inputs, named)
    if isinstance(expr, Named):
        value = _eval(expr.expr, inputs, named)
        named[expr.name] = value
        return value
    raise TypeError(f"not a formula: {expr!r}")


# --- compilation to SQL over integer fen ---------------------------------------------------------


@dataclass(frozen=True)
class Column:
    """An input of a compiled formula: its SQL (integer fen, or the integer a rate is chosen
    by) and the largest value it can hold."""

    sql: str
    maximum: int


@dataclass(frozen=True)
class _Part:
    """A compiled sub-formula: its value in fen is ``sql / den``, at most ``maximum / den``."""

    sql: str
    den: int
    maximum: int


def _fen(value: Decimal) -> int:
    fen = value * 100
    if fen != fen.to_integral_value() or value < 0:
        raise InvalidInput(
            f"金额 {value} 不是非负的整分数，不能用于批量核定", code="FORMULA_AMOUNT_INVALID"
        )
    return int(fen)


def _fraction(rate: Decimal) -> Fraction:
    if rate < 0:
        raise InvalidInput(f"费率 {rate} 为负数，不能用于批量核定", code="FORMULA_RATE_INVALID")
    return Fraction(rate)  # exact: a Decimal is a finite decimal fraction


def _bounded(part: _Part) -> _Part:
    if part.maximum > SQL_INT_LIMIT:
        raise InvalidInput(
            "政策参数的精度或金额过大，批量核定的整数运算可能溢出，请核对参数",
            code="FORMULA_OVERFLOW",
        )
    return part


def _round_units(n: str, m: int, mode: str) -> str:
    """SQL for ``n / m`` rounded to an integer by ``mode``, for integer ``n >= 0`` and ``m > 0``
    (so truncating integer division is the floor)."""
    if mode in ("ROUND_DOWN", "ROUND_FLOOR"):
        return f"({n}) / {m}"
    if mode in ("ROUND_UP", "ROUND_CEILING"):
        return f"(({n}) + {m - 1}) / {m}"
    if mode == "ROUND_HALF_UP":
        return f"(2 * ({n}) + {m}) / {2 * m}"
    if mode == "ROUND_HALF_DOWN":
        return f"(2 * ({n}) + {m - 1}) / {2 * m}"
    if mode == "ROUND_HALF_EVEN":
        # floor, plus one above the half, or at the half when the floor is odd (the remainder
        # is written n - (n / m) * m: "%" would clash with the drivers' placeholders)
        q = f"(({n}) / {m})"
        twice_r = f"2 * (({n}) - {q} * {m})"
        return (
            f"({q} + CASE WHEN {twice_r} > {m} OR ({twice_r} = {m} "
            f"AND {q} - ({q} / 2) * 2 = 1) THEN 1 ELSE 0 END)"
        )
    raise ValueError(f"unknown rounding mode {mode!r}")


def _compile(expr: Expr, columns: Mapping[str, Column], vendor: str) -> _Part:
    if isinstance(expr, Input):
        column = columns[expr.name]
        return _Part(column.sql, 1, column.maximum)
    if isinstance(expr, Amount):
        fen = _fen(expr.value)
        # PostgreSQL types a small literal as a 32-bit integer, and a product of two of them
        # (an amount times a grade) would overflow there: constants are 64-bit from the start.
        literal = str(fen) if vendor == "sqlite" else f"CAST({fen} AS BIGINT)"
        return _Part(literal, 1, fen)
    if isinstance(expr, Named):
        return _compile(expr.expr, columns, vendor)
    if isinstance(expr, Times):
        amount = _compile(expr.amount, columns, vendor)
        rate = expr.rate
        if isinstance(rate, Rate):
            fraction = _fraction(rate.value)
            if fraction == 0:
                return _Part("0", 1, 0)
            if fraction.numerator == 1:
                return _Part(amount.sql, amount.den * fraction.denominator, amount.maximum)
            return _bounded(
                _Part(
                    f"({amount.sql}) * {fraction.numerator}",
                    amount.den * fraction.denominator,
                    amount.maximum * fraction.numerator,
                )
            )
        if isinstance(rate, RateByClass):
            fractions = {choice: _fraction(rate.rate(choice)) for choice, _ in rate.base}
            den = lcm(*(f.denominator for f in fractions.values()))
            cases = " ".join(
                f"WHEN {choice} THEN {f.numerator * den // f.denominator}"
                for choice, f in fractions.items()
            )
            column = columns[rate.key]
            largest = max(f.numerator * den // f.denominator for f in fractions.values())
            # A choice outside the table gives NULL: the line's NOT NULL column refuses it.
            return _bounded(
                _Part(
                    f"({amount.sql}) * (CASE {column.sql} {cases} ELSE NULL END)",
                    amount.den * den,
                    amount.maximum * largest,
                )
            )
        if isinstance(rate, RateOf):
            column = columns[rate.key]
            return _bounded(
                _Part(
                    f"({amount.sql}) * {column.sql}",
                    amount.den * rate.per,
                    amount.maximum * column.maximum,
                )
            )
        raise TypeError(f"not a rate: {rate!r}")
    if isinstance(expr, Round):
        amount = _compile(expr.amount, columns, vendor)
        step = expr.rounding.step * 100
        if step != step.to_integral_value():
            raise InvalidInput(
                f"舍入单位 {expr.rounding.step} 元小于一分，不能用于以分计的批量核定",
                code="FORMULA_STEP_INVALID",
            )
        step_fen = int(step)
        m = amount.den * step_fen
        if m == 1:
            return amount
        units = _round_units(amount.sql, m, expr.rounding.mode)
        _bounded(_Part(units, 1, 2 * amount.maximum + 2 * m))
        sql = units if step_fen == 1 else f"({units}) * {step_fen}"
        return _bounded(_Part(sql, 1, (amount.maximum // m + 1) * step_fen))
    if isinstance(expr, Least | Greatest):
        first = _whole(_compile(expr.first, columns, vendor))
        second = _whole(_compile(expr.second, columns, vendor))
        if isinstance(expr, Least):
            name = "MIN" if vendor == "sqlite" else "LEAST"
            bound = min(first.maximum, second.maximum)
        else:
            name = "MAX" if vendor == "sqlite" else "GREATEST"
            bound = max(first.maximum, second.maximum)
        return _Part(f"{name}({first.sql}, {second.sql})", 1, bound)
    if isinstance(expr, Plus):
        first = _compile(expr.first, columns, vendor)
        second = _compile(expr.second, columns, vendor)
        if second.sql == "0":
            return first
        den = lcm(first.den, second.den)
        a, b = den // first.den, den // second.den
        left = first.sql if a == 1 else f"({first.sql}) * {a}"
        right = second.sql if b == 1 else f"({second.sql}) * {b}"
        return _bounded(_Part(f"{left} + {right}", den, first.maximum * a + second.maximum * b))
    raise TypeError(f"not a formula: {expr!r}")


def _whole(part: _Part) -> _Part:
    if part.den != 1:
        raise ValueError("min/max compare whole fen: round the amount first")
    return part


def compile_sql(expr: Expr, columns: Mapping[str, Column], *, vendor: str) -> str:
    """One SQL expression giving the formula's value in integer fen (``vendor``: Django's
    ``connection.vendor``, "sqlite" or "postgresql"). The formula must end in whole fen (every
    product is rounded by policy before it is a result)."""
    part = _compile(expr, columns, vendor)
    if part.den != 1:
        raise ValueError("a formula's result must be rounded to whole fen")
    return part.sql
