from __future__ import annotations

from typing import Any

from django import template

from shebao.common.money import from_fen, yuan_display

register = template.Library()


@register.filter
def fen(value: Any) -> str:
    """Integer fen as yuan for people: 128000 → "1,280.00"."""
    if value is None or value == "":
        return ""
    return yuan_display(from_fen(int(value)))
