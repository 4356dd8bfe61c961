"""Reads of audit cases, scoped by actor: a complainant sees their own reports and nothing
else; staff of the audit department see the cases of their districts."""

from __future__ import annotations

from django.db.models import QuerySet

from shebao.accounts.actors import Actor
from shebao.accounts.capabilities import Capability, districts_for
from shebao.audit.models import AuditCase

AUDIT_DEPARTMENT = "audit"


def reports_for(*, actor: Actor) -> QuerySet[AuditCase]:
    """The individual's own complaints and reports, newest first (none for anyone else)."""
    if not actor.is_individual or actor.person is None:
        return AuditCase.objects.none()
    return AuditCase.objects.filter(complainant=actor.person).order_by("-filed_at", "-pk")


def cases_for(*, actor: Actor, status: str = "") -> QuerySet[AuditCase]:
    """The cases of the districts where the actor holds the audit department's REVIEW."""
    districts = districts_for(actor, Capability.REVIEW, department=AUDIT_DEPARTMENT)
    if not districts:
        return AuditCase.objects.none()
    rows = AuditCase.objects.filter(district_id__in=sorted(districts)).select_related(
        "district", "complainant"
    )
    if status in AuditCase.Status.values:
        rows = rows.filter(status=status)
    return rows.order_by("-filed_at", "-pk")


def case_for(*, actor: Actor, number: str) -> AuditCase | None:
    """A case the actor may see: their own report, or one of their audit districts."""
    rows = reports_for(actor=actor) if actor.is_individual else cases_for(actor=actor)
    return rows.select_related("district").filter(number=number).first()


def progress(case: AuditCase) -> list[dict[str, object]]:
    """What the complainant is told: each step, its date and its public text."""
    return [
        {"action": e.action, "label": e.get_action_display(), "on": e.on, "text": e.public_text}
        for e in case.events.all()
    ]
