"""``{{ n.created_at|when }}``: the hall's one style of relative time (see
:func:`shebao.common.text.relative_time`)."""

from __future__ import annotations

from datetime import datetime

from django import template

from shebao.common.text import relative_time

register = template.Library()


@register.filter
def when(moment: datetime | None) -> str:
    return relative_time(moment) if moment else ""
