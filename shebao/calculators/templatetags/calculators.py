"""Display of calculator answers: amounts with thousands separators, rates as percents."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template

from shebao.common.money import CONTEXT, yuan_display

register = template.Library()


@register.filter
def yuan(value: Any) -> str:
    """ "1280.00" → "1,280.00"; anything that is not a number is shown as it is."""
    try:
        return yuan_display(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return "" if value is None else str(value)


@register.filter
def percent(value: Any) -> str:
    """ "0.0005" → "0.05%"."""
    try:
        number = (Decimal(str(value)) * 100).normalize(CONTEXT)
    except (InvalidOperation, ValueError):
        return str(value)
    return f"{number:f}%"


@register.filter
def plain(value: Any) -> str:
    """A trace value for people: booleans in Chinese, None as a dash."""
    if value is True:
        return "是"
    if value is False:
        return "否"
    if value is None or value == "":
        return "—"
    if isinstance(value, list | dict):
        return "；".join(str(v) for v in (value.values() if isinstance(value, dict) else value))
    return str(value)
