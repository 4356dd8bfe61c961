"""Template filters of the appointments pages."""

from __future__ import annotations

from typing import Any

from django import template

from shebao.appointments.access import unit_may_book

register = template.Library()


@register.filter
def books_online(actor: Any) -> bool:
    """Whether the visitor may book online: an individual for their own business, a unit user
    allowed to book for the unit (its managers, and operators granted 业务预约（约办）)."""
    if actor is None:
        return False
    return bool(actor.is_individual or unit_may_book(actor))
