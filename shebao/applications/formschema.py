"""A matter's application form, described as data in ``Matter.fields``, and its validation.

Schema: a list of fields ``{"name", "label", "type", "required"?, "help"?, "choices"?,
"max_length"?, "min"?, "max"?}``; ``type`` is one of :data:`FIELD_TYPES`. ``choices`` is a list
of values, of ``[value, label]`` pairs or of ``{"value", "label"}`` objects.

Cleaned values are JSON-safe and exact: dates ``"2024-09-30"``, months ``"2024-09"``, integers
as ``int``, money as a string with two decimals (``"1280.00"``, never a float), booleans as
``bool``, identifiers in their one spelling through
:data:`shebao.common.identifiers.NORMALIZERS` (ASCII digits, upper-case, validated; a bank card
by its Luhn digit). Bank numbers are shown masked (:func:`form_display`). Every answer is one
value (no lists or objects) of text the hall can store and show (:mod:`shebao.common.text`);
dates and months lie between 1900 and ten years ahead unless the field's ``min``/``max`` (an ISO
date or ``"today"``) says otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils import timezone

from shebao.catalogue.schema import FIELD_TYPES as CATALOGUE_FIELD_TYPES
from shebao.common.errors import DomainError, InvalidInput
from shebao.common.identifiers import NORMALIZERS, mask_bank_account
from shebao.common.money import FEN, money_str, to_decimal
from shebao.common.periods import EARLIEST_DATE, YearMonth, form_latest_date
from shebao.common.text import text_check

# The field types are the catalogue's data contract; this module renders and parses them.
FIELD_TYPES = tuple(CATALOGUE_FIELD_TYPES)
TEXT_MAX_LENGTH = 200
TEXTAREA_MAX_LENGTH = 2000
# Field types that carry an identifier: cleaned by the identifier's one normaliser.
IDENTIFIER_TYPES = ("id_number", "credit_code", "mobile", "bank_account", "bank_card")
# Field types answered by picking one of ``FormField.choices`` (a district's come from the registry).
SELECT_TYPES = ("choice", "district")
MASKED_TYPES = ("bank_account", "bank_card")


class ApplicationDataInvalid(InvalidInput):
    """The form answers do not fit the matter's form; ``errors`` maps field name → message."""

    default_code = "APPLICATION_DATA_INVALID"

    def __init__(self, errors: dict[str, str], labels: dict[str, str] | None = None) -> None:
        labels = labels or {}
        summary = "；".join(f"{labels.get(name, name)}：{msg}" for name, msg in errors.items())
        super().__init__(f"申请表填写有误：{summary}", details={"errors": errors})
        self.errors = errors

    def as_dict(self) -> dict[str, Any]:
        body = super().as_dict()
        body["errors"] = [{"field": name, "message": msg} for name, msg in self.errors.items()]
        return body


@dataclass(frozen=True)
class FormField:
    name: str
    label: str
    type: str
    required: bool = False
    help: str = ""
    choices: tuple[tuple[str, str], ...] = ()
    max_length: int | None = None
    min: Any = None
    max: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def input_type(self) -> str:
        """The HTML input type a page renders for this field."""
        return {
            "date": "date",
            "month": "month",
            "integer": "number",
            "mobile": "tel",
        }.get(self.type, "text")

    @property
    def is_select(self) -> bool:
        """Whether a page renders the field as a drop-down of its choices."""
        return self.type in SELECT_TYPES

    @property
    def input_mode(self) -> str:
        return {
            "money": "decimal",
            "bank_account": "numeric",
            "bank_card": "numeric",
            "integer": "numeric",
        }.get(self.type, "")


def _choices(raw: Any) -> tuple[tuple[str, str], ...]:
    result = []
    for item in raw or []:
        if isinstance(item, dict):
            result.append((str(item["value"]), str(item.get("label", item["value"]))))
        elif isinstance(item, (list, tuple)):
            result.append((str(item[0]), str(item[1] if len(item) > 1 else item[0])))
        else:
            result.append((str(item), str(item)))
    return tuple(result)


def district_choices() -> tuple[tuple[str, str], ...]:
    """(code, name) of the districts of the region the hall serves: a district field's choices."""
    from shebao.registry.selectors import hall_districts

    return tuple((region.code, region.name) for region in hall_districts())


def form_fields(schema: list[dict[str, Any]]) -> list[FormField]:
    """The schema as typed fields; an unknown type is a catalogue error, not user input."""
    fields = []
    districts: tuple[tuple[str, str], ...] | None = None
    for raw in schema or []:
        kind = raw.get("type", "text")
        if kind not in FIELD_TYPES:
            raise ValueError(f"unknown form field type {kind!r} in field {raw.get('name')!r}")
        if kind == "district" and districts is None:
            districts = district_choices()
        fields.append(
            FormField(
                name=raw["name"],
                label=raw.get("label", raw["name"]),
                type=kind,
                required=bool(raw.get("required", False)),
                help=raw.get("help", ""),
                choices=(districts or ()) if kind == "district" else _choices(raw.get("choices")),
                max_length=raw.get("max_length"),
                min=raw.get("min"),
                max=raw.get("max"),
            )
        )
    return fields


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and value.strip() == "")


def _bound(value: Any, default: date, today: date) -> date:
    if value in (None, ""):
        return default
    if value == "today":
        return today
    text = str(value)
    return date.fromisoformat(text if len(text) > 7 else f"{text}-01")


def _bound_label(value: Any, day: date) -> str:
    return "今天" if value == "today" else day.isoformat()


def _date_range(spec: FormField) -> tuple[date, date]:
    today = timezone.localdate()
    return (
        _bound(spec.min, EARLIEST_DATE, today),
        _bound(spec.max, form_latest_date(today), today),
    )


def _clean_one(spec: FormField, value: Any) -> Any:
    """Clean one non-empty value; raise DomainError (any code) with a Chinese message."""
    kind = spec.type
    if isinstance(value, (dict, list, tuple)):
        raise InvalidInput("应填写一个值，而不是列表或对象")
    if kind in ("text", "textarea"):
        text = str(value).strip()
        limit = spec.max_length or (TEXT_MAX_LENGTH if kind == "text" else TEXTAREA_MAX_LENGTH)
        if len(text) > limit:
            raise InvalidInput(f"不能超过{limit}个字（当前{len(text)}个）")
        return text
    if kind == "date":
        try:
            day = date.fromisoformat(str(value).strip())
        except ValueError:
            raise InvalidInput("应为有效日期，格式如 2024-09-30") from None
        earliest, latest = _date_range(spec)
        if day < earliest:
            raise InvalidInput(
                f"不能早于{_bound_label(spec.min, earliest)}", code="DATE_OUT_OF_RANGE"
            )
        if day > latest:
            raise InvalidInput(
                f"不能晚于{_bound_label(spec.max, latest)}", code="DATE_OUT_OF_RANGE"
            )
        return day.isoformat()
    if kind == "month":
        month = YearMonth.parse(str(value))
        earliest, latest = _date_range(spec)
        first, last = YearMonth.of(earliest), YearMonth.of(latest)
        if not first <= month <= last:
            raise InvalidInput(f"应在 {first} 至 {last} 之间", code="DATE_OUT_OF_RANGE")
        return str(month)
    if kind == "integer":
        if isinstance(value, (bool, float)):
            raise InvalidInput("应为整数")
        text = str(value).strip()
        if not re.fullmatch(r"-?\d{1,12}", text):
            raise InvalidInput("应为整数")
        number = int(text)
        if spec.min is not None and number < int(spec.min):
            raise InvalidInput(f"不能小于{spec.min}")
        if spec.max is not None and number > int(spec.max):
            raise InvalidInput(f"不能大于{spec.max}")
        return number
    if kind == "money":
        if isinstance(value, (bool, float)):
            raise InvalidInput('金额请以字符串或整数提交，如 "1280.00"')
        amount = to_decimal(value)
        if amount != amount.quantize(FEN):
            raise InvalidInput("金额最多保留两位小数（到分）")
        if amount < 0:
            raise InvalidInput("金额不能为负数")
        if spec.min is not None and amount < Decimal(str(spec.min)):
            raise InvalidInput(f"不能小于{spec.min}元")
        if spec.max is not None and amount > Decimal(str(spec.max)):
            raise InvalidInput(f"不能大于{spec.max}元")
        if amount >= Decimal("1000000000000"):
            raise InvalidInput("金额过大")
        return money_str(amount)
    if kind in SELECT_TYPES:
        text = str(value).strip()
        if text not in {v for v, _ in spec.choices}:
            if kind == "district":
                raise InvalidInput("请选择本地区的区县", code="DISTRICT_NOT_IN_HALL")
            raise InvalidInput("请从列出的选项中选择")
        return text
    if kind in IDENTIFIER_TYPES:
        return NORMALIZERS[kind](str(value), field=spec.name)
    if kind == "bool":
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in ("1", "true", "on", "yes", "是"):
            return True
        if text in ("0", "false", "off", "no", "否"):
            return False
        raise InvalidInput("应为“是”或“否”")
    raise ValueError(kind)  # pragma: no cover - form_fields rejects unknown types


def form_clean(
    schema: list[dict[str, Any]], data: dict[str, Any], *, partial: bool
) -> dict[str, Any]:
    """Validate ``data`` against ``schema`` and return the cleaned answers.

    ``partial`` (a draft) allows required fields to be left empty; submission calls this with
    ``partial=False``, where a required yes/no item must also be answered "yes" (it is a
    declaration, e.g. 本人有求职要求). Empty answers are dropped. Unknown names are refused. Raises
    :class:`ApplicationDataInvalid` listing every field at fault.
    """
    if not isinstance(data, dict):
        raise ApplicationDataInvalid({"data": "申请表内容应为键值对象"})
    # Before anything else: an unstorable character in a name or an answer would break the
    # error message that echoes it, and every page that shows the application later.
    text_check(data, field="data")
    fields = form_fields(schema)
    by_name = {spec.name: spec for spec in fields}
    labels = {spec.name: spec.label for spec in fields}
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for name in data:
        if name not in by_name:
            errors[str(name)] = "该事项的申请表没有此项"
    for spec in fields:
        value = data.get(spec.name)
        if _empty(value):
            if spec.required and not partial:
                errors[spec.name] = "此项为必填项"
            continue
        try:
            cleaned[spec.name] = _clean_one(spec, value)
        except DomainError as error:
            errors[spec.name] = error.message
            continue
        # A required yes/no item is a declaration the applicant must make (e.g. 本人有求职要求).
        if spec.type == "bool" and spec.required and not partial and cleaned[spec.name] is False:
            errors[spec.name] = "请确认并勾选此项"
    if errors:
        raise ApplicationDataInvalid(errors, labels)
    return cleaned


def form_display(schema: list[dict[str, Any]], data: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, shown value) for each answered field, in form order, for detail pages."""
    rows = []
    for spec in form_fields(schema):
        if spec.name not in data:
            continue
        value = data[spec.name]
        if spec.type == "bool":
            shown = "是" if value else "否"
        elif spec.is_select:
            shown = dict(spec.choices).get(str(value), str(value))
        elif spec.type == "money":
            shown = f"{value} 元"
        elif spec.type in MASKED_TYPES:
            shown = mask_bank_account(str(value))
        else:
            shown = str(value)
        rows.append((spec.label, shown))
    return rows
