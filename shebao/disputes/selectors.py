"""Reads of dispute cases, scoped by the actor (an object out of scope is NotFound)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

from shebao.common.errors import NotFound
from shebao.disputes import access
from shebao.disputes.models import DisputeCase
from shebao.disputes.workflow import APPLICANT, STAFF, TRANSITIONS, Transition, actions_open

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor


def _visible(actor: Actor) -> Q | None:
    Role, Status = DisputeCase.Role, DisputeCase.Status
    if actor.is_individual and actor.person is not None:
        mine = Q(worker_id_number=actor.person.id_number)
        return mine & (Q(applicant_role=Role.WORKER) | ~Q(status=Status.SUBMITTED))
    if actor.is_unit:
        kinds = [kind for kind in access.MATTERS if access.unit_may_apply(actor, kind)]
        condition = Q(unit=actor.unit, applicant_role=Role.EMPLOYER, kind__in=kinds)
        if actor.is_unit_manager:
            condition |= Q(unit=actor.unit, applicant_role=Role.WORKER) & ~Q(
                status=Status.SUBMITTED
            )
        return condition
    if actor.is_staff:
        return Q(district_id__in=sorted(access.handler_districts(actor)))
    return None


def cases_for(*, actor: Actor, status: str = "") -> QuerySet[DisputeCase]:
    """The cases the actor may see, newest first (staff: their districts' cases)."""
    condition = _visible(actor)
    if condition is None:
        return DisputeCase.objects.none()
    rows = DisputeCase.objects.filter(condition).select_related("unit", "district")
    if status in DisputeCase.Status.values:
        rows = rows.filter(status=status)
    return rows


def case_for(*, actor: Actor, number: str) -> DisputeCase:
    case = cases_for(actor=actor).filter(number=number[:24]).first()
    if case is None:
        raise NotFound("未找到该争议案件", code="DISPUTE_NOT_FOUND")
    return case


def case_actions(*, actor: Actor, case: DisputeCase) -> list[Transition]:
    """The actions the actor may take on the case now (from the one transitions table)."""
    if access.is_handler(actor, case):
        return actions_open(case, STAFF)
    if access.is_applicant(actor, case):
        return actions_open(case, APPLICANT)
    return []


@dataclass(frozen=True)
class Deadline:
    label: str
    due: date
    overdue: bool
    note: str


def case_deadline(*, case: DisputeCase, today: date) -> Deadline | None:
    """The statutory limit that runs now, and what follows when it has passed."""
    Status = DisputeCase.Status
    if case.status in (Status.SUBMITTED, Status.MEDIATING) and case.kind == case.Kind.MEDIATION:
        return Deadline(
            "调解期限",
            case.due_on,
            today > case.due_on,
            "自收到调解申请之日起十五日内未达成调解协议的，当事人可以依法申请仲裁。",
        )
    if case.status == Status.SUBMITTED:
        return Deadline(
            "受理决定期限",
            case.due_on,
            today > case.due_on,
            "仲裁委员会逾期未作出受理决定的，申请人可以就该争议事项向人民法院提起诉讼。",
        )
    if case.status in (Status.ACCEPTED, Status.HEARING) and case.award_due_on:
        return Deadline(
            "结案期限",
            case.award_due_on,
            today > case.award_due_on,
            "逾期未作出仲裁裁决的，当事人可以就该争议事项向人民法院提起诉讼。",
        )
    return None


def may_arbitrate_after(*, case: DisputeCase, today: date) -> bool:
    """A mediation that failed, or that reached no agreement in time: the applicant may go on
    to arbitration."""
    if case.kind != case.Kind.MEDIATION:
        return False
    if case.outcome == case.Outcome.NO_AGREEMENT:
        return True
    return case.status != case.Status.CLOSED and today > case.due_on


def case_events(*, case: DisputeCase) -> list[Any]:
    """The case's events, each with its ``label`` from the transitions table."""
    labels = {row.action: row.label for row in TRANSITIONS}
    events = list(case.events.select_related("actor"))
    for event in events:
        if event.action == "file":
            hotline = event.data.get("channel") == DisputeCase.Channel.HOTLINE
            event.label = "12333 专席代为录入申请" if hotline else "网上提交申请"
        else:
            event.label = labels.get(event.action, event.action)
    return events
