"""Reads of training and assessment, scoped by the actor (out of scope is NotFound)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Prefetch, Q, QuerySet

from shebao.common.errors import NotFound
from shebao.training import access
from shebao.training.models import (
    AssessmentFiling,
    AssessmentPlan,
    SkillCertificate,
    Trade,
    TrainingEvent,
    TrainingInstitution,
    TrainingRegistration,
)
from shebao.training.workflow import CENTRE, INSTITUTION, PERSON, STEPS, TRAINER, Step, steps_open

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor


# --- the public directory ----------------------------------------------------------------------


def institutions_search(*, trade: str = "", q: str = "") -> QuerySet[TrainingInstitution]:
    """Active institutions teaching a trade whose name (or code) contains ``trade``, and whose
    name contains ``q`` (the full name finds the one institution), by name."""
    rows = TrainingInstitution.objects.filter(active=True).select_related("district")
    trade, q = (trade or "").strip()[:50], (q or "").strip()[:200]
    if trade:
        rows = rows.filter(Q(trades__name__icontains=trade) | Q(trades__code=trade)).distinct()
    if q:
        rows = rows.filter(name__icontains=q)
    return rows.prefetch_related(Prefetch("trades", queryset=Trade.objects.order_by("code")))


def institution_get(*, pk: int) -> TrainingInstitution:
    found = (
        TrainingInstitution.objects.filter(pk=pk, active=True).select_related("district").first()
    )
    if found is None:
        raise NotFound("未找到该培训机构", code="INSTITUTION_NOT_FOUND")
    return found


def trades_all() -> QuerySet[Trade]:
    return Trade.objects.order_by("code")


# --- registrations -----------------------------------------------------------------------------


def registrations_for(*, actor: Actor) -> QuerySet[TrainingRegistration]:
    rows = TrainingRegistration.objects.select_related("institution", "trade", "person")
    if actor.is_individual and actor.person is not None:
        return rows.filter(person=actor.person)
    if actor.is_unit and actor.is_unit_manager:
        return rows.filter(institution__unit=actor.unit)
    return rows.none()


def registration_for(*, actor: Actor, number: str) -> TrainingRegistration:
    found = registrations_for(actor=actor).filter(number=number[:24]).first()
    if found is None:
        raise NotFound("未找到该报名", code="REGISTRATION_NOT_FOUND")
    return found


def registration_steps(*, actor: Actor, registration: TrainingRegistration) -> list[Step]:
    if actor.is_individual:
        return steps_open("registration", registration.status, PERSON)
    if actor.is_unit and actor.is_unit_manager:
        return steps_open("registration", registration.status, TRAINER)
    return []


# --- filings and plans -------------------------------------------------------------------------


def own_filing(*, actor: Actor) -> AssessmentFiling | None:
    if not access.institution_may(actor):
        return None
    return AssessmentFiling.objects.filter(unit=actor.unit).prefetch_related("trades").first()


def filings_for_centre(*, actor: Actor) -> QuerySet[AssessmentFiling]:
    districts = sorted(access.centre_districts(actor))
    return (
        AssessmentFiling.objects.filter(unit__district_id__in=districts)
        .select_related("unit")
        .prefetch_related("trades")
        .order_by("status", "-updated_at")
    )


def filing_for_centre(*, actor: Actor, pk: int) -> AssessmentFiling:
    found = filings_for_centre(actor=actor).filter(pk=pk).first()
    if found is None:
        raise NotFound("未找到该备案", code="FILING_NOT_FOUND")
    return found


def plans_for(*, actor: Actor) -> QuerySet[AssessmentPlan]:
    rows = AssessmentPlan.objects.select_related("filing__unit", "trade", "district")
    if actor.is_staff:
        return rows.filter(district_id__in=sorted(access.centre_districts(actor)))
    if access.institution_may(actor):
        return rows.filter(filing__unit=actor.unit)
    return rows.none()


def plan_for(*, actor: Actor, number: str) -> AssessmentPlan:
    found = plans_for(actor=actor).filter(number=number[:24]).first()
    if found is None:
        raise NotFound("未找到该认定计划", code="PLAN_NOT_FOUND")
    return found


def plan_steps(*, actor: Actor, plan: AssessmentPlan) -> list[Step]:
    if actor.is_staff:
        return steps_open("plan", plan.status, CENTRE)
    return steps_open("plan", plan.status, INSTITUTION)


def events_of(*, subject: str, pk: int) -> list[TrainingEvent]:
    labels = {(s.subject, s.action): s.label for s in STEPS}
    labels |= {
        ("plan", "create"): "评价机构制定认定计划",
        ("filing", "file"): "评价机构申报备案",
        ("registration", "submit"): "网上报名",
    }
    events = list(
        TrainingEvent.objects.filter(subject=subject, subject_id=pk).select_related("actor")
    )
    for event in events:
        event.label = labels.get((subject, event.action), event.action)
    return events


# --- certificates ------------------------------------------------------------------------------


def certificates_for(*, actor: Actor) -> QuerySet[SkillCertificate]:
    rows = SkillCertificate.objects.select_related("plan")
    if actor.is_individual and actor.person is not None:
        return rows.filter(id_number=actor.person.id_number)
    if actor.is_staff:
        return rows.filter(plan__district_id__in=sorted(access.centre_districts(actor)))
    if access.institution_may(actor):
        return rows.filter(plan__filing__unit=actor.unit)
    return rows.none()


def certificate_for(*, actor: Actor, number: str) -> SkillCertificate:
    found = certificates_for(actor=actor).filter(number=number[:24]).first()
    if found is None:
        raise NotFound("未找到该证书", code="CERTIFICATE_NOT_FOUND")
    return found


def certificates_of_plan(*, plan: AssessmentPlan) -> QuerySet[SkillCertificate]:
    return SkillCertificate.objects.filter(plan=plan)
