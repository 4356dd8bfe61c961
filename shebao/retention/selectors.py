"""Reads of 稳岗返还 scoped by the actor: a unit's own eligibility and grants, for its managers
and the operators granted the matter."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone

from shebao.common.errors import InvalidInput, PermissionDenied
from shebao.retention import rules
from shebao.retention.handlers import MATTER
from shebao.retention.models import RetentionRefund

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor

# How many years back a unit may look.
YEARS_BACK = 10


def _require_unit(actor: Actor) -> None:
    from shebao.catalogue.models import Matter

    if not (actor.is_unit and actor.unit is not None):
        raise PermissionDenied("只有参保单位可以查看稳岗返还", code="UNIT_REQUIRED")
    if not actor.is_unit_manager:
        matter = Matter.objects.filter(code=MATTER).values_list("pk", flat=True).first()
        if matter is None or not actor.may_handle_matter(matter):
            raise PermissionDenied("您没有办理稳岗返还的权限", code="FORBIDDEN")


def years_for() -> list[int]:
    last = timezone.localdate().year - 1
    return list(range(last, last - YEARS_BACK, -1))


def eligibility_for(*, actor: Actor, year: int | None = None) -> rules.Assessment:
    """The actor's unit's 稳岗返还 for ``year`` (default: last year)."""
    _require_unit(actor)
    years = years_for()
    chosen = years[0] if year is None else year
    if chosen not in years:
        raise InvalidInput(
            f"年度须在{years[-1]}年至{years[0]}年之间", code="YEAR_INVALID", field="year"
        )
    assert actor.unit is not None
    return rules.assess(unit=actor.unit, year=chosen)


def grants_for(*, actor: Actor) -> list[RetentionRefund]:
    _require_unit(actor)
    return list(RetentionRefund.objects.filter(unit=actor.unit).order_by("-year"))
