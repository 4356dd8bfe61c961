"""Reads of the workflow engine, scoped by the actor. This module is the authorization layer.

- an individual sees their own individual applications;
- a unit user sees the unit's applications — an operator only those of the matters granted to
  them (``actor.may_handle_matter``);
- agency staff see the non-draft applications of their department in their districts;
- anonymous visitors and channel partners see none.

Outside that scope an application does not exist for the actor: :func:`application_get` raises
NotFound (404), never PermissionDenied, so that a number cannot be probed. Counts, searches,
filters and file downloads go through the same scope.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet
from django.utils import timezone

from shebao.accounts import actors
from shebao.accounts.actors import Actor
from shebao.accounts.capabilities import Capability, districts_for, review_scope, staff_may
from shebao.applications import workflow
from shebao.applications.models import Application, ApplicationEvent, DeferredMaterial, Material
from shebao.catalogue.models import Matter
from shebao.catalogue.selectors import GUIDE_FIELDS
from shebao.common.errors import Conflict, NotFound, PermissionDenied
from shebao.common.identifiers import id_number_spelling, identifier_text

Status = Application.Status

# Queue tabs for staff, in the order shown; "all" is every non-draft state.
QUEUE_TABS: list[tuple[str, str]] = [
    (Status.SUBMITTED, "待受理"),
    (Status.ACCEPTED, "审核中"),
    (Status.APPROVED, "待办结"),
    (Status.RETURNED, "已退回"),
    (Status.COMPLETED, "已办结"),
    (Status.REJECTED, "不予办理"),
    (Status.WITHDRAWN, "已撤回"),
    (Status.LAPSED, "已失效"),
    ("all", "全部"),
]


def _base() -> QuerySet[Application]:
    return Application.objects.select_related(
        "matter", "person", "unit", "district", "department", "subject_person"
    )


def scope_filter(actor: Actor) -> Q | None:
    """The Q that restricts applications to the actor's scope; None for no access at all."""
    if actor.is_individual and actor.person is not None:
        return Q(applicant_kind=Application.ApplicantKind.INDIVIDUAL, person=actor.person)
    if actor.is_unit and actor.unit is not None:
        condition = Q(applicant_kind=Application.ApplicantKind.UNIT, unit=actor.unit)
        if not actor.is_unit_manager:
            condition &= Q(matter_id__in=actor.granted_matter_ids)
        return condition
    if actor.is_staff and actor.staff is not None:
        reviewable = review_scope(actor)  # REVIEW rows: department × district
        return reviewable & ~Q(status=Status.DRAFT) if reviewable is not None else None
    return None


def is_applicant_side(actor: Actor, application: Application) -> bool:
    """Whether the actor acts for the applicant of this application."""
    if actor.is_individual and actor.person is not None:
        return (
            application.applicant_kind == Application.ApplicantKind.INDIVIDUAL
            and application.person_id == actor.person.pk
        )
    if actor.is_unit and actor.unit is not None:
        return (
            application.applicant_kind == Application.ApplicantKind.UNIT
            and application.unit_id == actor.unit.pk
            and actor.may_handle_matter(application.matter_id)
        )
    return False


def is_reviewer(actor: Actor, application: Application) -> bool:
    """Whether the actor is agency staff who may decide this application: REVIEW of its
    department's matters in its district (the one capability model)."""
    return application.status != Status.DRAFT and staff_may(
        actor,
        Capability.REVIEW,
        region=application.district_id,
        department=application.department_id,
    )


def can_see(actor: Actor, application: Application) -> bool:
    return is_applicant_side(actor, application) or is_reviewer(actor, application)


# A search matching more people or units than this falls back to subqueries (slower, complete).
SEARCH_LITERAL_LIMIT = 1000


def _ids(rows: QuerySet[Any]) -> list[int] | QuerySet[Any]:
    """The matching keys as a literal list when few (the database then picks the right
    indexes), else as a subquery."""
    keys = list(rows.values_list("pk", flat=True)[: SEARCH_LITERAL_LIMIT + 1])
    return keys if len(keys) <= SEARCH_LITERAL_LIMIT else rows.values("pk")


def _search(rows: QuerySet[Application], q: str | None, *, staff: bool) -> QuerySet[Application]:
    """Filter by number or matter name; staff also by applicant name, ID number or credit code.

    Names are looked up in the (small) person, unit and matter tables first and the applications
    found by their indexed keys, so that every branch of the search uses an index instead of
    scanning the whole queue.
    """
    from shebao.registry.models import Person, Unit

    text = identifier_text(q)
    if not text:
        return rows
    code = id_number_spelling(text)
    matters = _ids(Matter.objects.filter(name__icontains=text))
    if not staff:  # an applicant's own applications: a few rows, any search is cheap
        return rows.filter(Q(number__istartswith=text) | Q(matter_id__in=matters))
    persons = _ids(Person.objects.filter(Q(name__icontains=text) | Q(id_number=code)))
    units = _ids(Unit.objects.filter(Q(name__icontains=text) | Q(credit_code=code)))
    return rows.filter(
        Q(number__startswith=code)  # numbers are stored upper-case
        | Q(matter_id__in=matters)
        | Q(person_id__in=persons)
        | Q(unit_id__in=units)
        | Q(subject_person_id__in=persons)
        | Q(subject_id_number=code)
    )


def applications_for(
    *, actor: Actor, status: str | None = None, q: str | None = None
) -> QuerySet[Application]:
    """The applications the actor may see (for staff: their queue, every state but draft)."""
    scope = scope_filter(actor)
    if scope is None:
        return Application.objects.none()
    rows = (
        # A list row shows the matter, the applicant and the district: no more joins than that
        # (each one costs PostgreSQL planning time on every request of a busy page).
        Application.objects.select_related("matter", "person", "unit", "district")
        .filter(scope)
        # A list shows the matter's name and badges, not its guide (JSON decoded per row).
        .defer(*(f"matter__{name}" for name in GUIDE_FIELDS))
        .annotate(is_overdue=ExpressionWrapper(overdue_filter(), output_field=BooleanField()))
    )
    if status and status != "all":
        rows = rows.filter(status=status) if status in Status.values else rows.none()
    return _search(rows, q, staff=actor.is_staff)


def application_get(*, actor: Actor, number: str) -> Application:
    """One application by number, if the actor may see it; NotFound otherwise."""
    scope = scope_filter(actor)
    application = None
    if scope is not None and number:
        application = _base().filter(scope, number=number.strip().upper()).first()
    if application is None:
        raise NotFound("未找到该申请，或您无权查看", code="APPLICATION_NOT_FOUND")
    return application


def overdue_filter(today: date | None = None) -> Q:
    """Cases whose time limit has passed while the agency still has them."""
    today = today or timezone.localdate()
    return Q(status__in=Application.OPEN_FOR_AGENCY, due_date__lt=today)


def is_overdue(application: Application, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return (
        application.status in Application.OPEN_FOR_AGENCY
        and application.due_date is not None
        and application.due_date < today
    )


def review_queue(
    *,
    actor: Actor,
    status: str | None = Status.SUBMITTED,
    overdue: bool = False,
    q: str | None = None,
    district: str | None = None,
    today: date | None = None,
) -> QuerySet[Application]:
    """Staff's work queue: a tab (status), optionally only overdue cases or one district.

    Oldest first: submitted cases by submission time; cases with a time limit by due date.
    """
    if not actor.is_staff:
        return Application.objects.none()
    rows = applications_for(actor=actor, status=status, q=q)
    if district:
        rows = (
            rows.filter(district_id=district)
            if district in districts_for(actor, Capability.REVIEW)
            else rows.none()
        )
    if overdue:
        rows = rows.filter(overdue_filter(today))
    if status in (Status.ACCEPTED, Status.APPROVED) or overdue:
        return rows.order_by("due_date", "submitted_at", "id")
    if status == Status.SUBMITTED:
        return rows.order_by("submitted_at", "id")
    return rows.order_by("-updated_at", "-id")


@dataclass(frozen=True)
class QueueCounts:
    by_status: dict[str, int]
    overdue: int
    total: int

    def of_tab(self, status: str, *, overdue: bool = False) -> int | None:
        """How many rows ``review_queue`` gives for this tab without a search, if counted here
        (the tabs, "all", and overdue across all states); None otherwise."""
        if overdue:
            return self.overdue if status == "all" else None
        if status == "all":
            return self.total
        return self.by_status.get(status)


def queue_counts(
    *, actor: Actor, district: str | None = None, today: date | None = None
) -> QueueCounts:
    """How many cases each queue tab holds, within the actor's scope only."""
    rows = applications_for(actor=actor)
    if district:
        rows = (
            rows.filter(district_id=district)
            if district in districts_for(actor, Capability.REVIEW)
            else rows.none()
        )
    aggregates = {
        # Counting a column of the queue index lets PostgreSQL answer from the index alone.
        status: Count("status", filter=Q(status=status))
        for status, _ in QUEUE_TABS
        if status != "all"
    }
    aggregates["overdue_count"] = Count("status", filter=overdue_filter(today))
    aggregates["total_count"] = Count("status")
    result = rows.order_by().aggregate(**aggregates)
    overdue = result.pop("overdue_count")
    total = result.pop("total_count")
    return QueueCounts(by_status=result, overdue=overdue, total=total)


def status_counts(*, actor: Actor) -> dict[str, int]:
    """Applications per status in the actor's scope (for the applicant's list filters)."""
    rows = applications_for(actor=actor).order_by().values("status").annotate(n=Count("id"))
    return {row["status"]: row["n"] for row in rows}


def status_count_of(counts: dict[str, int], status: str | None) -> int:
    """How many rows ``applications_for(status=…)`` gives without a search, from
    :func:`status_counts` (an unknown status gives none)."""
    if not status or status == "all":
        return sum(counts.values())
    return counts.get(status, 0) if status in Status.values else 0


def application_events(*, actor: Actor, application: Application) -> QuerySet[ApplicationEvent]:
    """The audit trail of an application the actor may see."""
    if not can_see(actor, application):
        raise NotFound("未找到该申请，或您无权查看", code="APPLICATION_NOT_FOUND")
    return application.events.select_related("actor").order_by("at", "id")


def application_materials(*, actor: Actor, application: Application) -> QuerySet[Material]:
    """Current (not removed) materials of an application the actor may see."""
    if not can_see(actor, application):
        raise NotFound("未找到该申请，或您无权查看", code="APPLICATION_NOT_FOUND")
    return application.materials.filter(removed_at__isnull=True).order_by("uploaded_at", "id")


def material_get(*, actor: Actor, application: Application, material_id: int) -> Material:
    """One material for download; NotFound unless the actor may see the application and the
    material belongs to it."""
    if not can_see(actor, application):
        raise NotFound("未找到该材料，或您无权查看", code="MATERIAL_NOT_FOUND")
    material = application.materials.filter(pk=material_id, removed_at__isnull=True).first()
    if material is None:
        raise NotFound("未找到该材料，或您无权查看", code="MATERIAL_NOT_FOUND")
    return material


def deferred_materials(*, actor: Actor, application: Application) -> QuerySet[DeferredMaterial]:
    if not can_see(actor, application):
        raise NotFound("未找到该申请，或您无权查看", code="APPLICATION_NOT_FOUND")
    return application.deferred.filter(cancelled_at__isnull=True).order_by("created_at", "id")


def material_checklist(application: Application, materials: list[Material]) -> list[dict]:
    """The matter's materials with what has been uploaded for each, plus extra ("other") files.

    Each row: code, name, required, core, note, files (list of Material), and the file kinds
    it accepts (accept, accept_label, accept_attr for the file input).
    """
    from shebao.catalogue.schema import accept_attribute, accept_label

    by_code: dict[str, list[Material]] = {}
    for material in materials:
        by_code.setdefault(material.code, []).append(material)
    rows = []
    for spec in application.matter.materials:
        code = spec.get("code", "")
        rows.append(
            {
                "code": code,
                "name": spec.get("name", code),
                "required": bool(spec.get("required")),
                "core": bool(spec.get("core")),
                "note": spec.get("note", ""),
                "files": by_code.pop(code, []),
                **_accept(application.matter.material_accept(code), accept_label, accept_attribute),
            }
        )
    extra = [m for files in by_code.values() for m in files]
    rows.append(
        {
            "code": Material.OTHER,
            "name": "其他材料",
            "required": False,
            "core": False,
            "note": "",
            "files": extra,
            **_accept(
                application.matter.material_accept(Material.OTHER), accept_label, accept_attribute
            ),
        }
    )
    return rows


def _accept(kinds: list[str], label: Any, attribute: Any) -> dict[str, Any]:
    return {"accept": kinds, "accept_label": label(kinds), "accept_attr": attribute(kinds)}


def missing_materials(application: Application, materials: list[Material]) -> list[dict]:
    """Required materials of the matter with no file uploaded yet."""
    present = {m.code for m in materials}
    return [
        spec
        for spec in application.matter.materials
        if spec.get("required") and spec.get("code") not in present
    ]


def applicant_recipients(application: Application, *, decision: bool) -> list[tuple[object, str]]:
    """Who hears about a step of an application: (user, context) pairs.

    The applicant hears every step. For a unit's application, the unit's legal representative
    and administrators hear what the unit chose (:class:`UnitNotificationPreference`): by
    default only decisions (``decision=True``: approved, rejected, completed, lapsed), so an
    operator's every submission and acceptance is not also sent to the legal representative.
    """
    from shebao.accounts.models import UnitMembership
    from shebao.notifications.selectors import unit_managers_receive

    if application.applicant_kind == Application.ApplicantKind.INDIVIDUAL:
        return [(application.applicant_user, "individual")]
    context = f"unit:{application.unit_id}"
    users = {application.applicant_user_id: application.applicant_user}
    receive = unit_managers_receive(unit_id=application.unit_id)
    if receive == "all" or (receive == "decisions" and decision):
        managers = UnitMembership.objects.select_related("user").filter(
            unit_id=application.unit_id,
            revoked_at__isnull=True,
            role__in=[UnitMembership.Role.LEGAL_REP, UnitMembership.Role.ADMIN],
            user__is_active=True,
        )
        for membership in managers:
            users.setdefault(membership.user_id, membership.user)
    return [(user, context) for user in users.values()]


def check_may_apply(*, actor: Actor, matter: Matter) -> None:
    """Refuse (with a stable code) an actor who may not apply for ``matter`` online."""
    actor.require(actors.INDIVIDUAL, actors.UNIT)
    if not matter.enabled:
        raise Conflict(
            f"“{matter.name}”暂不支持网上申请，请按办事指南到窗口办理",
            code="MATTER_NOT_AVAILABLE",
        )
    if actor.is_individual:
        if not matter.open_to(Matter.ApplicantKind.INDIVIDUAL):
            raise PermissionDenied(
                f"“{matter.name}”须由单位办理，请以单位身份登录后申请",
                code="MATTER_NOT_FOR_APPLICANT",
            )
        return
    if not matter.open_to(Matter.ApplicantKind.UNIT):
        raise PermissionDenied(
            f"“{matter.name}”须由个人办理，请以个人身份登录后申请",
            code="MATTER_NOT_FOR_APPLICANT",
        )
    if not actor.may_handle_matter(matter.pk):
        raise PermissionDenied(
            f"您未获授权办理“{matter.name}”，请联系单位管理员授权",
            code="MATTER_NOT_GRANTED",
        )


def matter_for_applicant(*, actor: Actor, code: str) -> Matter:
    """The matter an actor wants to apply for, by its code; refuses as :func:`check_may_apply`."""
    matter = Matter.objects.select_related("department").filter(code=code).first()
    if matter is None:
        raise NotFound("未找到该事项", code="MATTER_NOT_FOUND")
    check_may_apply(actor=actor, matter=matter)
    return matter


def _has_outstanding_deferred(application: Application) -> bool:
    return application.deferred.filter(
        supplied_at__isnull=True, lapsed_at__isnull=True, cancelled_at__isnull=True
    ).exists()


def available_rows(*, actor: Actor, application: Application) -> list[workflow.Action]:
    """The rows of the transitions table the actor may take on the application now: the
    table's sources and actor kind, the actor's role on this case, and the case's own
    conditions (a 容缺 material to supply). The services check again under the row lock."""
    if is_applicant_side(actor, application):
        rows = workflow.available(application.status, workflow.APPLICANT)
        if not _has_outstanding_deferred(application):
            rows = [row for row in rows if row.action != "supply"]
        return rows
    if is_reviewer(actor, application):
        return workflow.available(application.status, workflow.REVIEWER)
    return []


def allowed_actions(*, actor: Actor, application: Application) -> list[str]:
    """What the actor may do with the application now, by action name (pages show these
    buttons; the API lists them)."""
    return [row.action for row in available_rows(actor=actor, application=application)]


DEFAULT_COMMITMENT = (
    "本人（单位）承诺：所填报的信息真实、准确、完整，所需证明材料均真实有效；"
    "如有虚假，愿意承担由此产生的一切法律责任，并同意经办机构撤销办理结果。"
)


def commitment_text(matter: Matter) -> str:
    """The commitment (告知承诺书) an applicant signs for a 承诺制 matter."""
    return matter.commitment_text.strip() or DEFAULT_COMMITMENT


def acceptance_mode_preview(application: Application) -> str:
    """The acceptance mode that applies: the recorded one once submitted, else what the
    matter's handler would choose now."""
    from shebao.applications.handlers import handler_for

    if application.status in (Status.DRAFT, Status.RETURNED) or not application.acceptance_mode:
        return handler_for(application).acceptance_mode(application)
    return application.acceptance_mode


def _last_reason(events: list[ApplicationEvent], action: str) -> str:
    for event in reversed(events):
        if event.action == action:
            return event.reason
    return ""


def application_overview(
    *, actor: Actor, application: Application, today: date | None = None
) -> dict[str, Any]:
    """Everything a detail page (applicant's or staff's) shows about one application."""
    from shebao.applications.formschema import form_display
    from shebao.applications.handlers import handler_for

    materials = list(application_materials(actor=actor, application=application))
    deferred = list(deferred_materials(actor=actor, application=application))
    events = list(application_events(actor=actor, application=application))
    mode = acceptance_mode_preview(application)
    rows = available_rows(actor=actor, application=application)
    editable = workflow.transition_for("edit", application.status) is not None
    reviewer = is_reviewer(actor, application)
    applicant = is_applicant_side(actor, application)
    handler = handler_for(application)
    Action = ApplicationEvent.Action
    handler = handler_for(application)
    # Answered at once (即办): done so on submission, or a draft its handler will answer so.
    at_once = (
        application.matter.instant
        or any(e.action == Action.ACCEPT and e.data.get("instant") for e in events)
        or (editable and handler.instant(application))
    )
    missing = missing_materials(application, materials) if editable else []
    if at_once and not application.matter.instant:
        # A case of a reviewed matter that this time completes on submission (a change of
        # contact details only): it lacks only what the submission itself requires.
        missing = [m for m in missing if m.get("core")]
    return {
        "application": application,
        "status_label": application.status_label,
        "is_reviewer": reviewer,
        "is_applicant": applicant,
        "actions": [row.action for row in rows],
        # The rows themselves: pages render their buttons, reasons and confirmations from them.
        "decisions": [row for row in rows if row.actor == workflow.REVIEWER],
        "review": handler.reviewer_context(application) if reviewer else None,
        "result": handler.result_context(application) if applicant else None,
        "form_rows": form_display(application.matter.fields, application.data),
        "checklist": material_checklist(application, materials),
        "materials": materials,
        "missing": missing,
        "deferred": deferred,
        "outstanding": [d for d in deferred if d.outstanding],
        "events": events,
        "return_reason": _last_reason(events, Action.RETURN)
        if application.status == Status.RETURNED
        else "",
        "reject_reason": _last_reason(events, Action.REJECT)
        if application.status == Status.REJECTED
        else "",
        "mode": mode,
        # A case the system completes on submission reads 即办, whatever the matter's mode.
        "instant": at_once,
        "mode_label": "即办" if at_once else mode_label(application.matter, mode),
        "commitment_text": commitment_text(application.matter)
        if mode == Matter.AcceptanceMode.COMMITMENT
        else "",
        "overdue": is_overdue(application, today),
    }


def mode_label(matter: Matter, mode: str) -> str:
    """How the case is handled, as its badge says: 即办 for an instant matter (即办件)."""
    if not mode:
        return ""
    if matter.instant and mode == Matter.AcceptanceMode.DIRECT:
        return "即办"
    return Matter.AcceptanceMode(mode).label


def staff_districts(*, actor: Actor) -> list[Any]:
    """The districts a staff member handles (for the queue's district filter)."""
    from shebao.registry.models import Region

    if not actor.is_staff:
        return []
    return list(
        Region.objects.filter(
            code__in=districts_for(actor, Capability.REVIEW), level=Region.Level.DISTRICT
        ).order_by("code")
    )
