"""Calculator inputs: what each field is, and turning submitted text into typed values.

The API and the pages submit the same fields (query strings, a form, or JSON for the back-pay
months); :func:`parse` turns them into ``Decimal``/``int``/``YearMonth``/``date`` values or
collects one Chinese error per field (stable code, the field's name), so that a page can show
each message next to its field and the API can answer 422 with the first one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from shebao.common.errors import DomainError, InvalidInput
from shebao.common.periods import YearMonth
from shebao.rules.params import amount_in, number_in

REGION = "region"
MONTH = "month"
DATE = "date"
AMOUNT = "amount"
NUMBER = "number"  # a non-money decimal: an index, a number of years
INTEGER = "integer"
CHOICE = "choice"
BOOLEAN = "boolean"
MONTH_AMOUNTS = "month_amounts"

TRUE_WORDS = {"true", "1", "yes", "on", "是"}
FALSE_WORDS = {"false", "0", "no", "off", "否"}
_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")
_SEPARATORS = re.compile(r"[\s,，:：=;；]+")
MAX_LINES = 600
# Calculators answer for people alive or soon to be: years outside this range are typing errors.
FIRST_YEAR = 1900
LAST_YEAR = 2100


@dataclass(frozen=True)
class Field:
    name: str
    label: str  # Chinese, shown next to the input and in messages
    kind: str
    required: bool = True
    help: str = ""
    choices: tuple[tuple[str, str], ...] = ()  # (value, label)
    minimum: int | None = None  # integers
    maximum: int | None = None
    unit: str = ""  # 元, 个月, 年 …
    placeholder: str = ""
    wide: bool = False  # takes a whole row of the form grid


@dataclass
class Parsed:
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, DomainError] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def first_error(self) -> DomainError:
        return next(iter(self.errors.values()))


def _text(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, str):
        return raw.strip()
    return str(raw).strip()


def parse_date(text: str, *, field: str, label: str) -> date:
    match = _DATE.match(text)
    problem = InvalidInput(
        f"{label}“{text}”不是有效的日期，应为“YYYY-MM-DD”格式，如 2024-01-31",
        code="INVALID_DATE",
        field=field,
    )
    if not match:
        raise problem
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise problem from None


def parse_integer(text: str, *, spec: Field) -> int:
    if not re.fullmatch(r"[+-]?\d{1,9}", text):
        raise InvalidInput(
            f"{spec.label}应为整数，而不是“{text}”", code="INVALID_INTEGER", field=spec.name
        )
    value = int(text)
    if value < 0:
        raise InvalidInput(f"{spec.label}不能为负数", code="NEGATIVE_NUMBER", field=spec.name)
    low = spec.minimum if spec.minimum is not None else 0
    if value < low or (spec.maximum is not None and value > spec.maximum):
        bound = f"{low} 至 {spec.maximum}" if spec.maximum is not None else f"不小于 {low}"
        raise InvalidInput(
            f"{spec.label}应为 {bound}，而不是 {value}", code="NUMBER_OUT_OF_RANGE", field=spec.name
        )
    return value


def parse_month_amounts(raw: Any, *, spec: Field) -> list[tuple[YearMonth, Decimal]]:
    """Lines of "YYYY-MM amount" (a page's textarea) or a list of {"month", "amount"}."""
    items: list[tuple[str, str, str]] = []  # (month, amount, field path)
    if isinstance(raw, str):
        lines = [line.strip() for line in raw.splitlines() if line.strip()]
        for number, line in enumerate(lines, start=1):
            parts = [p for p in _SEPARATORS.split(line) if p]
            if len(parts) != 2:
                raise InvalidInput(
                    f"{spec.label}第 {number} 行“{line}”应为“年月 金额”，如“2024-01 640.00”",
                    code="BACKPAY_LINE_INVALID",
                    field=spec.name,
                )
            items.append((parts[0], parts[1], spec.name))
    elif isinstance(raw, Sequence):
        for index, row in enumerate(raw):
            row_map = row if isinstance(row, Mapping) else getattr(row, "__dict__", {})
            items.append(
                (
                    _text(row_map.get("month")),
                    row_map.get("amount"),
                    f"{spec.name}.{index}",
                )
            )
    if len(items) > MAX_LINES:
        raise InvalidInput(
            f"{spec.label}一次最多 {MAX_LINES} 个月",
            code="BACKPAY_TOO_MANY_MONTHS",
            field=spec.name,
        )
    result = []
    for month_text, amount, path in items:
        month = YearMonth.parse(month_text, field=path if path == spec.name else f"{path}.month")
        if not FIRST_YEAR <= month.year <= LAST_YEAR:
            raise InvalidInput(
                f"补缴月份的年份应在 {FIRST_YEAR} 至 {LAST_YEAR} 年之间",
                code="YEAR_OUT_OF_RANGE",
                field=path if path == spec.name else f"{path}.month",
            )
        if isinstance(amount, float):
            # JSON numbers with a fraction are binary floats: amounts are sent as strings.
            raise InvalidInput(
                f'{month.label()}补缴金额应写成字符串，如 "640.00"',
                code="AMOUNT_NOT_STRING",
                field=f"{path}.amount",
            )
        if isinstance(amount, str):
            amount = amount.strip()
        value = amount_in(
            amount if amount not in (None, "") else "",
            field=path if path == spec.name else f"{path}.amount",
            label=f"{month.label()}补缴金额",
        )
        result.append((month, value))
    return result


def _in_years(value: Any, spec: Field) -> Any:
    """Months and days of the calculators lie between FIRST_YEAR and LAST_YEAR."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise InvalidInput(
            f"{spec.label}的年份应在 {FIRST_YEAR} 至 {LAST_YEAR} 年之间",
            code="YEAR_OUT_OF_RANGE",
            field=spec.name,
        )
    return value


def parse_value(spec: Field, raw: Any) -> Any:
    """One field's typed value; None when an optional field is empty."""
    if spec.kind == MONTH_AMOUNTS:
        if raw is None or (isinstance(raw, str) and not raw.strip()) or raw == []:
            if spec.required:
                raise InvalidInput(f"请填写{spec.label}", code="REQUIRED", field=spec.name)
            return None
        return parse_month_amounts(raw, spec=spec)
    if isinstance(raw, float):
        raise TypeError(f"{spec.name}: a float is never an input")
    text = _text(raw)
    if not text:
        if spec.required:
            raise InvalidInput(f"请填写{spec.label}", code="REQUIRED", field=spec.name)
        return None
    if spec.kind == REGION:
        if not re.fullmatch(r"\d{6}", text):
            raise InvalidInput(
                f"地区代码“{text}”无效，应为 6 位行政区划代码",
                code="REGION_NOT_FOUND",
                field=spec.name,
            )
        return text
    if spec.kind == MONTH:
        return _in_years(YearMonth.parse(text, field=spec.name), spec)
    if spec.kind == DATE:
        return _in_years(parse_date(text, field=spec.name, label=spec.label), spec)
    if spec.kind == AMOUNT:
        return amount_in(text, field=spec.name, label=spec.label)
    if spec.kind == NUMBER:
        value = number_in(text, field=spec.name, label=spec.label)
        if spec.maximum is not None and value > spec.maximum:
            raise InvalidInput(
                f"{spec.label}不能超过 {spec.maximum}", code="NUMBER_OUT_OF_RANGE", field=spec.name
            )
        return value
    if spec.kind == INTEGER:
        return parse_integer(text, spec=spec)
    if spec.kind == CHOICE:
        allowed = {value for value, _label in spec.choices}
        if text not in allowed:
            names = "、".join(f"{label}（{value}）" for value, label in spec.choices)
            raise InvalidInput(
                f"{spec.label}“{text}”无效，可选：{names}", code="INVALID_CHOICE", field=spec.name
            )
        return text
    if spec.kind == BOOLEAN:
        lowered = text.lower()
        if lowered in TRUE_WORDS:
            return True
        if lowered in FALSE_WORDS:
            return False
        raise InvalidInput(
            f"{spec.label}应为 true（是）或 false（否），而不是“{text}”",
            code="INVALID_BOOLEAN",
            field=spec.name,
        )
    raise ValueError(f"unknown field kind {spec.kind!r}")


def parse(fields: Sequence[Field], data: Mapping[str, Any]) -> Parsed:
    """Typed values of every field, or a Chinese error per field that is wrong."""
    parsed = Parsed()
    for spec in fields:
        try:
            parsed.values[spec.name] = parse_value(spec, data.get(spec.name))
        except DomainError as error:
            error.field = error.field or spec.name
            parsed.errors[spec.name] = error
    return parsed
