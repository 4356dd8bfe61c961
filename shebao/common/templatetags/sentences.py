"""``{{ reason|sentence }}``: a typed reason as one sentence (see :mod:`shebao.common.text`)."""

from __future__ import annotations

from django import template

from shebao.common.text import sentence as _sentence

register = template.Library()


@register.filter
def sentence(text: str) -> str:
    return _sentence(text)
