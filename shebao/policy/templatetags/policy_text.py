"""Template filters for showing policy parameters to the public."""

from __future__ import annotations

from django import template

from shebao.policy.display import public_source as _public_source

register = template.Library()


@register.filter
def public_source(source: str) -> str:
    """``{{ record.source|public_source }}``: the citation, or 本系统演示取值 for a chosen value."""
    return _public_source(source)
