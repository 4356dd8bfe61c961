"""Reads of emergency measures for pages and the API (the measures themselves are policy:
:mod:`shebao.policy.emergency`) and of manual operations, scoped by actor."""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet

from shebao.accounts.actors import Actor
from shebao.accounts.capabilities import Capability, districts_for
from shebao.common.errors import NotFound
from shebao.emergency.models import ManualOperation
from shebao.policy.emergency import Measure, measures_in_force
from shebao.registry.models import Region
from shebao.registry.selectors import hall_region, region_get

AUDIT_DEPARTMENT = "audit"


def measures_shown(*, region: str | Region | None, on: date) -> list[Measure]:
    """The measures in force in ``region`` (a code; the hall's region when empty) on ``on``.
    An unknown region code is NotFound ``REGION_NOT_FOUND``."""
    if isinstance(region, Region):
        target: Region | None = region
    elif region:
        target = region_get(code=region)
    else:
        target = hall_region()
    if target is None:
        return []
    return measures_in_force(region=target.code, on=on)


def _scope(actor: Actor) -> Q | None:
    """Operations of the departments the actor reviews in their districts; every department's
    for the audit department's staff."""
    if not actor.is_staff:
        return None
    condition: Q | None = None
    departments = {
        dept for cap, dept, _ in actor.capability_rows if cap == Capability.REVIEW and dept
    }
    for department in sorted(departments):
        districts = sorted(districts_for(actor, Capability.REVIEW, department=department))
        part = Q(district_id__in=districts)
        if department != AUDIT_DEPARTMENT:
            part &= Q(department_id=department)
        condition = part if condition is None else condition | part
    return condition


def manual_operations_for(*, actor: Actor, status: str = "") -> QuerySet[ManualOperation]:
    """The manual operations the actor may see (none for anyone but staff), oldest first;
    ``status`` = "flagged" gives the review list."""
    scope = _scope(actor)
    if scope is None:
        return ManualOperation.objects.none()
    rows = ManualOperation.objects.filter(scope).select_related("district", "department")
    if status in ManualOperation.Status.values:
        rows = rows.filter(status=status)
    return rows.order_by("performed_on", "pk")


def manual_operation_for(*, actor: Actor, number: str) -> ManualOperation:
    found = (
        manual_operations_for(actor=actor)
        .select_related("recorded_by")
        .filter(number=number)
        .first()
    )
    if found is None:
        raise NotFound("未找到该手工应急操作记录，或您无权查看", code="MANUAL_NOT_FOUND")
    return found


def recording_districts(*, actor: Actor) -> list[Region]:
    """The districts where the actor may record a manual operation (their department's)."""
    from shebao.emergency.services import may_record

    codes = [d for d in actor.district_codes if may_record(actor, district=d)]
    return list(Region.objects.filter(code__in=codes).order_by("code"))
