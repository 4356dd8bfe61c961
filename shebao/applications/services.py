"""Writes of the workflow engine: one service per transition.

Each service is keyword-only and atomic. It locks the application row (``select_for_update``),
checks that the actor may act on it (else NotFound / PermissionDenied), that the version the
actor was shown is still current (else Conflict ``APPLICATION_STALE``) and that the transition
fits the current state (else Conflict ``APPLICATION_INVALID_TRANSITION``); then it changes the
row, runs the matter handler's hook, writes the :class:`ApplicationEvent` and notifies the
applicant — all in the same transaction. A refused action raises before anything is written.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import date
from typing import IO, Any

from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from shebao.accounts.actors import Actor
from shebao.applications import selectors, workflow
from shebao.applications.formschema import form_clean
from shebao.applications.handlers import MatterHandler, handler_for, handler_for_key
from shebao.applications.models import (
    Application,
    ApplicationCounter,
    ApplicationEvent,
    DeferredMaterial,
    Material,
)
from shebao.applications.uploads import StoredFile, upload_discard, upload_name, upload_store
from shebao.catalogue.models import Matter
from shebao.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from shebao.common.text import sentence
from shebao.common.workcalendar import add_working_days, covered
from shebao.notifications.services import notify
from shebao.policy.calendar import acceptance_window_status
from shebao.registry.models import Person

logger = logging.getLogger(__name__)

Status = Application.Status
Action = ApplicationEvent.Action
Mode = Matter.AcceptanceMode

STALE_MESSAGE = "页面内容已过期，请刷新后重试"
REASON_MAX_LENGTH = 1000
CLIENT_KEY_MAX_LENGTH = 64
MAX_MATERIALS = 50  # files per application; more is a mistake or abuse
SUBJECT_FIELD = "subject_id_number"


# --- helpers --------------------------------------------------------------------------------


def _lock(*, actor: Actor, application: Application, role: str) -> Application:
    """Re-read the application under a row lock and check the actor's role on it.

    ``role`` is "applicant" or "reviewer". Someone who cannot see the application gets NotFound;
    someone who can see it but not act in this role gets PermissionDenied.
    """
    locked = (
        Application.objects.select_for_update(of=("self",))
        .select_related("matter", "person", "unit", "applicant_user")
        .filter(pk=application.pk)
        .first()
    )
    if locked is None or not selectors.can_see(actor, locked):
        raise NotFound("未找到该申请，或您无权查看", code="APPLICATION_NOT_FOUND")
    allowed = (
        selectors.is_applicant_side(actor, locked)
        if role == "applicant"
        else selectors.is_reviewer(actor, locked)
    )
    if not allowed:
        message = (
            "只有申请人可以进行此操作" if role == "applicant" else "只有经办人员可以作出审核决定"
        )
        raise PermissionDenied(message, code="FORBIDDEN")
    return locked


def _check_version(application: Application, version: int | None) -> None:
    if version is None or int(version) != application.version:
        raise Conflict(
            STALE_MESSAGE,
            code="APPLICATION_STALE",
            details={"current_version": application.version, "status": application.status},
        )


def _check_state(application: Application, action: str) -> workflow.Action:
    """The row of the transitions table for ``action`` in the current state, or a refusal."""
    row = workflow.transition_for(action, application.status)
    if row is None:
        raise Conflict(
            f"申请当前状态为“{application.status_label}”，不能{workflow.verb(action)}",
            code="APPLICATION_INVALID_TRANSITION",
            details={"status": application.status},
        )
    return row


def _move(application: Application, row: workflow.Action, *fields: str) -> str:
    """Put the application in the row's target state (saving ``fields`` too); returns the state
    it came from."""
    assert row.target is not None, row.key
    from_status = application.status
    application.status = row.target
    application.status_transition = row.key
    _save(application, "status", "status_transition", *fields)
    return from_status


def _hook(
    application: Application,
    row: workflow.Action,
    actor: Actor | None,
    handler: MatterHandler | None = None,
) -> Any:
    """Run the handler hook of the transition (inside its transaction)."""
    return getattr(handler or handler_for(application), row.hook)(application, actor)


def _reason(reason: str | None, *, required: bool, what: str = "理由") -> str:
    text = (reason or "").strip()
    if required and not text:
        raise InvalidInput(f"请填写{what}", code="REASON_REQUIRED", field="reason")
    if len(text) > REASON_MAX_LENGTH:
        raise InvalidInput(
            f"{what}不能超过{REASON_MAX_LENGTH}个字", code="REASON_TOO_LONG", field="reason"
        )
    return text


def _event(
    application: Application,
    *,
    action: str,
    from_status: str,
    actor: Actor | None,
    reason: str = "",
    data: dict[str, Any] | None = None,
    at: Any = None,
) -> ApplicationEvent:
    return ApplicationEvent.objects.create(
        application=application,
        action=action,
        from_status=from_status,
        to_status=application.status,
        actor=actor.user if actor is not None else None,
        actor_kind=actor.kind if actor is not None else "system",
        actor_context=actor.context if actor is not None else "",
        reason=reason,
        data=data or {},
        at=at or timezone.now(),
    )


def _link(application: Application) -> str:
    return reverse("applications:detail", args=[application.number])


def _notify_applicant(
    application: Application, *, title: str, body: str, sms: bool, decision: bool = False
) -> None:
    """Tell the applicant side about a step; ``decision`` marks an outcome (approved, rejected,
    completed, lapsed), which the unit's managers hear too (see ``applicant_recipients``)."""
    for user, context in selectors.applicant_recipients(application, decision=decision):
        notify(
            recipient=user,  # type: ignore[arg-type]
            context=context,
            title=title,
            body=body,
            link=_link(application),
            category="application",
            sms=sms,
        )


def _save(application: Application, *fields: str) -> None:
    """Save the changed fields and move the optimistic lock on."""
    application.version = F("version") + 1  # type: ignore[assignment]
    application.save(update_fields=[*fields, "version", "updated_at"])
    application.refresh_from_db(fields=["version"])


def _provisional(start: date, end: date) -> bool:
    return not all(covered(year) for year in range(start.year, end.year + 1))


def _next_number(day: date) -> str:
    """SB + yyyymmdd + a 6-digit sequence of the day, unique under concurrency.

    The UPDATE takes the counter row's lock until our transaction ends; a concurrent creator
    waits for it. The first creator of a day inserts the row; if two race to insert, the loser's
    savepoint rolls back and it increments the winner's row.
    """
    if not ApplicationCounter.objects.filter(day=day).update(last=F("last") + 1):
        try:
            with transaction.atomic():
                ApplicationCounter.objects.create(day=day, last=1)
        except IntegrityError:
            ApplicationCounter.objects.filter(day=day).update(last=F("last") + 1)
    last = ApplicationCounter.objects.get(day=day).last
    return f"SB{day:%Y%m%d}{last:06d}"


def _subject(data: dict[str, Any]) -> tuple[str, Person | None]:
    number = data.get(SUBJECT_FIELD, "")
    if not number:
        return "", None
    return number, Person.objects.filter(id_number=number).first()


def _present_codes(application: Application) -> set[str]:
    """Materials the agency holds: uploaded files, and paper materials received by post."""
    present = set(
        application.materials.filter(removed_at__isnull=True).values_list("code", flat=True)
    )
    for codes in application.mailings.filter(received_at__isnull=False).values_list(
        "codes", flat=True
    ):
        present |= set(codes)
    return present


def _names(specs: list[dict[str, Any]]) -> str:
    return "、".join(spec.get("name", spec.get("code", "")) for spec in specs)


def _clean_data(application: Application, data: dict[str, Any], *, partial: bool) -> dict:
    cleaned = form_clean(application.matter.fields, data, partial=partial)
    return handler_for(application).validate(application, cleaned)


# --- one open case per subject --------------------------------------------------------------


def open_case_refusal(application: Application, *, lock: bool) -> Conflict | None:
    """For a matter with ``one_open_case``: the refusal when the same applicant already has an
    open case of the matter about the same subject (the person; for a unit, the employee of
    ``subject_id_number``, or the unit itself), naming that case; else None. A matter whose
    handler names an ``open_case_field`` is about that field's value whoever applies: any open
    case of the matter with the same value refuses (a unit registering: its credit code).

    With ``lock`` the applicant's registry row is locked first (``select_for_update``) — for an
    ``open_case_field``, the matter's row — so two concurrent submissions of two drafts cannot
    both pass.
    """
    from shebao.registry.models import Unit

    matter = application.matter
    if not matter.one_open_case:
        return None
    by_field = handler_for(application).open_case_field
    if by_field:
        return _open_case_by_field(application, by_field, lock=lock)
    if application.applicant_kind == Application.ApplicantKind.INDIVIDUAL:
        if lock:
            Person.objects.select_for_update().filter(pk=application.person_id).first()
        rows = Application.objects.filter(
            applicant_kind=application.applicant_kind, person_id=application.person_id
        )
    else:
        if lock:
            Unit.objects.select_for_update().filter(pk=application.unit_id).first()
        rows = Application.objects.filter(
            applicant_kind=application.applicant_kind, unit_id=application.unit_id
        )
    rows = rows.filter(
        matter_id=matter.pk,
        subject_id_number=application.subject_id_number,
        status__in=Application.OPEN,
    )
    if application.pk:
        rows = rows.exclude(pk=application.pk)
    first = rows.order_by("submitted_at", "id").first()
    if first is None:
        return None
    whom = f"（{application.subject_id_number}）" if application.subject_id_number else ""
    return Conflict(
        f"已有一件“{matter.name}”申请{whom}正在办理中（编号 {first.number}，"
        f"{first.status_label}），办结或撤回前不能再次提交",
        code="APPLICATION_ALREADY_OPEN",
        details={"number": first.number, "status": first.status},
    )


def _open_case_by_field(application: Application, name: str, *, lock: bool) -> Conflict | None:
    matter = application.matter
    value = application.data.get(name)
    if value in (None, ""):
        return None  # the form check that follows refuses the missing answer
    if lock:
        # The subject may not exist in any table yet (a unit not registered): the matter's row
        # is the one lock every submission of the matter shares.
        Matter.objects.select_for_update().filter(pk=matter.pk).first()
    rows = Application.objects.filter(
        matter_id=matter.pk, status__in=Application.OPEN, **{f"data__{name}": value}
    )
    if application.pk:
        rows = rows.exclude(pk=application.pk)
    first = rows.order_by("submitted_at", "id").first()
    if first is None:
        return None
    label = next((f.get("label", name) for f in matter.fields if f.get("name") == name), name)
    return Conflict(
        f"{label} {value} 已有一件“{matter.name}”申请正在办理中（编号 {first.number}，"
        f"{first.status_label}），办结或撤回前不能再次提交",
        code="APPLICATION_ALREADY_OPEN",
        field=name,
        details={"number": first.number, "status": first.status},
    )


# --- window ---------------------------------------------------------------------------------


def acceptance_window_refusal(*, application: Application, on: date) -> Conflict | None:
    """The refusal for a window-bound matter submitted outside the region's business window
    (e.g. Jiangsu: the 11th to the 6th of the next month, seed 002), or None.

    Emergency measures do not open the closed days (the agency assesses the month's
    contributions then): business the emergency kept people from doing is late business, taken
    on the open days up to the end of late handling, and the refusal says until when."""
    from shebao.policy.emergency import late_handling_open

    if not application.matter.window_bound:
        return None
    status = acceptance_window_status(region=application.district_id, on=on)
    if status.open:
        return None
    message = f"“{application.matter.name}”只在业务受理期内受理：{status.reason}"
    late_until = None
    measure = late_handling_open(region=application.district_id, on=on)
    if measure is not None:
        late_until = measure.late_until
        until = (
            f"可补办至{late_until.year}年{late_until.month}月{late_until.day}日"
            if late_until
            else "可在措施解除后补办"
        )
        message += (
            f"。按{measure.title}，应急措施期间未能按期办理的业务{until}，补办也须在受理期内提交"
        )
    return Conflict(
        message,
        code="OUTSIDE_ACCEPTANCE_WINDOW",
        details={
            "next_open": status.next_open.isoformat() if status.next_open else None,
            "late_handling_until": late_until.isoformat() if late_until else None,
        },
    )


# --- create and edit (applicant) ------------------------------------------------------------


def _applicant_context(actor: Actor, matter: Matter) -> dict[str, Any]:
    """Who applies and where the case goes; refuses an actor who may not apply for the matter."""
    selectors.check_may_apply(actor=actor, matter=matter)
    if actor.is_individual:
        person = actor.person
        assert person is not None
        return {
            "applicant_kind": Application.ApplicantKind.INDIVIDUAL,
            "person": person,
            "district_id": person.district_id,
        }
    unit = actor.unit
    assert unit is not None
    return {
        "applicant_kind": Application.ApplicantKind.UNIT,
        "unit": unit,
        "person": None,
        "district_id": unit.district_id,
    }


def _route(application: Application) -> None:
    """Send the case to the district its handler names (``route_district``), else to the
    applicant's; an individual whose district is not recorded cannot apply online."""
    routed = handler_for(application).route_district(application)
    if routed:
        application.district_id = routed
    if application.district_id is None:
        raise InvalidInput(
            "您的参保地（区县）尚未登记，暂不能网上申请，请先到经办窗口完善个人信息",
            code="APPLICANT_DISTRICT_UNKNOWN",
        )


def _client_key(raw: str | None) -> str:
    key = (raw or "").strip()
    if len(key) > CLIENT_KEY_MAX_LENGTH or any(ch.isspace() for ch in key):
        raise InvalidInput(
            f"请求标识（Idempotency-Key）应为不超过{CLIENT_KEY_MAX_LENGTH}个字符且不含空格",
            code="IDEMPOTENCY_KEY_INVALID",
        )
    return key


def _replay(actor: Actor, matter: Matter, key: str) -> Application | None:
    if not key:
        return None
    existing = (
        Application.objects.select_related("matter")
        .filter(applicant_user=actor.user, client_key=key)
        .first()
    )
    if existing is None:
        return None
    if existing.matter_id != matter.pk or not selectors.is_applicant_side(actor, existing):
        raise Conflict("该请求标识已用于另一项申请，请勿重复使用", code="IDEMPOTENCY_KEY_REUSED")
    return existing


def application_replay(*, actor: Actor, matter: Matter, client_key: str) -> Application | None:
    """The application an earlier request with this ``client_key`` created, or None (for
    services that do work before creating — a roster is checked first — and must not redo it)."""
    return _replay(actor, matter, _client_key(client_key))


def application_file(
    *,
    actor: Actor,
    matter: Matter,
    data: dict[str, Any],
    client_key: str = "",
    stage: Callable[[Application], None] | None = None,
    material: tuple[str, IO[bytes]] | None = None,
) -> tuple[Application, bool]:
    """Create, stage, attach and submit in one transaction, for services that checked the whole
    case first (a roster): ``stage(application)`` writes its lines, ``material`` is (code, file).
    Returns ``(application, created)``; a repeated ``client_key`` returns the first one."""
    with transaction.atomic():
        application, created = application_create(
            actor=actor, matter=matter, data=data, client_key=client_key
        )
        if not created:
            return application, False
        if stage is not None:
            stage(application)
        if material is not None:
            code, file = material
            material_upload(actor=actor, application=application, code=code, file=file)
        application.refresh_from_db()
        submitted = application_submit(
            actor=actor, application=application, version=application.version
        )
        return submitted, True


@transaction.atomic
def application_create(
    *, actor: Actor, matter: Matter, data: dict[str, Any], client_key: str = ""
) -> tuple[Application, bool]:
    """Create a draft application; returns ``(application, created)``.

    A repeated ``client_key`` of the same user (a double-clicked form, an API retry with the same
    ``Idempotency-Key``) returns the application the first request created, with
    ``created=False``. Required fields may still be empty in a draft; malformed ones are refused.
    """
    key = _client_key(client_key)
    existing = _replay(actor, matter, key)
    if existing is not None:
        return existing, False
    if not handler_for_key(matter.handler).files_application:
        raise InvalidInput(
            f"“{matter.name}”无需提交申请，请在网上大厅直接办理（查询即时显示）",
            code="MATTER_DONE_ON_ITS_PAGE",
        )
    who = _applicant_context(actor, matter)
    application = Application(
        matter=matter,
        applicant_user=actor.user,
        department_id=matter.department_id,
        status=Status.DRAFT,
        client_key=key,
        **who,
    )
    application.data = _clean_data(application, data, partial=True)
    application.subject_id_number, application.subject_person = _subject(application.data)
    _route(application)
    try:
        with transaction.atomic():
            application.number = _next_number(timezone.localdate())
            application.save()
            _event(application, action=Action.CREATE, from_status="", actor=actor)
    except IntegrityError:
        # A concurrent request with the same key committed first: return its application.
        replayed = _replay(actor, matter, key)
        if replayed is None:
            raise
        return replayed, False
    return application, True


@transaction.atomic
def application_update(
    *, actor: Actor, application: Application, data: dict[str, Any], version: int | None
) -> Application:
    """Change the form answers of a draft, or of a returned application (modify after return)."""
    application = _lock(actor=actor, application=application, role="applicant")
    _check_version(application, version)
    _check_state(application, "edit")
    cleaned = _clean_data(application, data, partial=True)
    changed = sorted(
        name
        for name in set(cleaned) | set(application.data)
        if cleaned.get(name) != application.data.get(name)
    )
    application.data = cleaned
    application.subject_id_number, application.subject_person = _subject(cleaned)
    _route(application)
    _save(application, "data", "subject_id_number", "subject_person", "district")
    _event(
        application,
        action=Action.UPDATE,
        from_status=application.status,
        actor=actor,
        data={"fields": changed},
    )
    return application


# --- materials (applicant) ------------------------------------------------------------------


def _material_code(application: Application, code: str) -> str:
    code = (code or "").strip()
    if code != Material.OTHER and application.matter.material(code) is None:
        raise InvalidInput("请选择要上传的材料项目", code="MATERIAL_CODE_UNKNOWN", field="code")
    return code


def _material_name(application: Application, code: str) -> str:
    spec = application.matter.material(code)
    return spec.get("name", code) if spec else "其他材料"


def _store_material(
    *, actor: Actor, application: Application, code: str, file: Any, stored: list[StoredFile]
) -> Material:
    if application.materials.filter(removed_at__isnull=True).count() >= MAX_MATERIALS:
        raise InvalidInput(
            f"每项申请最多上传{MAX_MATERIALS}个文件，请删除多余文件后再上传",
            code="UPLOAD_LIMIT_REACHED",
            field="file",
        )
    if file is None:
        raise InvalidInput("请选择要上传的文件", code="UPLOAD_EMPTY", field="file")
    original = upload_name(getattr(file, "name", ""))
    result = upload_store(
        stream=file,
        name=original,
        declared_type=getattr(file, "content_type", "") or "",
        size=getattr(file, "size", None),
        accept=application.matter.material_accept(code),
    )
    stored.append(result)
    handler_for(application).check_material(application, code, default_storage.path(result.name))
    return Material.objects.create(
        application=application,
        code=code,
        file=result.name,
        original_name=original,
        content_type=result.content_type,
        size=result.size,
        sha256=result.sha256,
        uploaded_by=actor.user,
        uploaded_at=timezone.now(),
    )


def material_upload(
    *, actor: Actor, application: Application, code: str, file: IO[bytes]
) -> Material:
    """Attach a file to a draft or returned application; for an accepted 容缺 case, a file for
    an outstanding deferred material supplies it (:func:`deferred_material_supply`).

    The file is written to storage only if its database row commits: on any refusal or error
    the written file is deleted again.
    """
    stored: list[StoredFile] = []
    try:
        return _material_upload(
            actor=actor, application=application, code=code, file=file, stored=stored
        )
    except BaseException:
        for item in stored:
            upload_discard(item.name)
        raise


@transaction.atomic
def _material_upload(
    *, actor: Actor, application: Application, code: str, file: Any, stored: list[StoredFile]
) -> Material:
    application = _lock(actor=actor, application=application, role="applicant")
    code = _material_code(application, code)
    if application.status == Status.ACCEPTED and _outstanding(application, code) is not None:
        return _supply(actor=actor, application=application, code=code, file=file, stored=stored)
    _check_state(application, Action.UPLOAD)
    material = _store_material(
        actor=actor, application=application, code=code, file=file, stored=stored
    )
    _event(
        application,
        action=Action.UPLOAD,
        from_status=application.status,
        actor=actor,
        data={
            "material": material.pk,
            "code": code,
            "name": _material_name(application, code),
            "file": material.original_name,
            "size": material.size,
        },
    )
    return material


@transaction.atomic
def material_remove(*, actor: Actor, application: Application, material_id: int) -> Material:
    """Take a file off a draft or returned application (kept for the audit trail)."""
    application = _lock(actor=actor, application=application, role="applicant")
    _check_state(application, Action.REMOVE_MATERIAL)
    material = (
        application.materials.select_for_update()
        .filter(pk=material_id, removed_at__isnull=True)
        .first()
    )
    if material is None:
        raise NotFound("未找到该材料", code="MATERIAL_NOT_FOUND")
    material.removed_at = timezone.now()
    material.save(update_fields=["removed_at"])
    _event(
        application,
        action=Action.REMOVE_MATERIAL,
        from_status=application.status,
        actor=actor,
        data={"material": material.pk, "code": material.code, "file": material.original_name},
    )
    return material


def _outstanding(application: Application, code: str) -> DeferredMaterial | None:
    return (
        application.deferred.select_for_update()
        .filter(
            code=code, supplied_at__isnull=True, lapsed_at__isnull=True, cancelled_at__isnull=True
        )
        .first()
    )


def _supply(
    *, actor: Actor, application: Application, code: str, file: Any, stored: list[StoredFile]
) -> Material:
    deferred = _outstanding(application, code)
    if deferred is None:
        raise Conflict("该材料无需补交，或已补交", code="DEFERRED_NOT_OUTSTANDING")
    material = _store_material(
        actor=actor, application=application, code=code, file=file, stored=stored
    )
    deferred.supplied_at = material.uploaded_at
    deferred.supplied_material = material
    deferred.save(update_fields=["supplied_at", "supplied_material"])
    remaining = application.deferred.filter(
        supplied_at__isnull=True, lapsed_at__isnull=True, cancelled_at__isnull=True
    ).count()
    _event(
        application,
        action=Action.SUPPLY,
        from_status=application.status,
        actor=actor,
        data={
            "material": material.pk,
            "code": code,
            "name": deferred.name,
            "file": material.original_name,
            "remaining": remaining,
        },
    )
    if remaining == 0 and application.assigned_to_id is not None:
        notify(
            recipient=application.assigned_to,  # type: ignore[arg-type]
            context="staff",
            title="容缺材料已补齐",
            body=f"申请 {application.number}（{application.matter.name}）的容缺材料已全部补交，可继续审核。",
            link=_link(application),
        )
    return material


def deferred_material_supply(
    *, actor: Actor, application: Application, code: str, file: IO[bytes]
) -> Material:
    """Supply a material that was missing when a 容缺 case was accepted."""
    stored: list[StoredFile] = []
    try:
        with transaction.atomic():
            locked = _lock(actor=actor, application=application, role="applicant")
            code = _material_code(locked, code)
            _check_state(locked, Action.SUPPLY)
            return _supply(actor=actor, application=locked, code=code, file=file, stored=stored)
    except BaseException:
        for item in stored:
            upload_discard(item.name)
        raise


# --- submit, recall, withdraw (applicant) ---------------------------------------------------


def _commitment_version(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@transaction.atomic
def application_submit(
    *,
    actor: Actor,
    application: Application,
    version: int | None,
    commitment_accepted: bool = False,
) -> Application:
    """Hand a draft (or a corrected returned application) to the agency.

    Checks, in order: the business window (window-bound matters), the complete form, the
    acceptance mode's material rule — direct: every required material; 承诺制: the applicant
    accepts the commitment text instead of materials; 容缺受理: the core materials — and the
    handler's ``check_submit``. A case the handler answers at once (``instant``: an instant
    matter, or e.g. a change of contact details only) is completed in this transaction.
    """
    application = _lock(actor=actor, application=application, role="applicant")
    _check_version(application, version)
    row = _check_state(application, Action.SUBMIT)
    refusal = open_case_refusal(application, lock=True)
    if refusal is not None:
        raise refusal
    today = timezone.localdate()
    refusal = acceptance_window_refusal(application=application, on=today)
    if refusal is not None:
        raise refusal
    application.data = _clean_data(application, application.data, partial=False)
    handler = handler_for(application)
    mode = handler.acceptance_mode(application)
    if mode not in Mode.values:
        raise ValueError(f"handler {handler.key!r} chose unknown acceptance mode {mode!r}")
    present = _present_codes(application)
    required = [m for m in application.matter.materials if m.get("required")]
    event_data: dict[str, Any] = {"acceptance_mode": mode}
    application.commitment_text = ""
    application.commitment_version = ""
    application.commitment_signed_at = None
    if mode == Mode.DIRECT:
        missing = [m for m in required if m["code"] not in present]
        if missing:
            raise InvalidInput(
                f"请先上传以下必需材料：{_names(missing)}",
                code="MATERIALS_MISSING",
                details={"missing": [m["code"] for m in missing]},
            )
    elif mode == Mode.COMMITMENT:
        if not commitment_accepted:
            raise InvalidInput(
                "本事项实行告知承诺制，请阅读告知承诺书并勾选“我已阅读并承诺”",
                code="COMMITMENT_REQUIRED",
                field="commitment_accepted",
            )
        text = selectors.commitment_text(application.matter)
        application.commitment_text = text
        application.commitment_version = _commitment_version(text)
        application.commitment_signed_at = timezone.now()
        event_data["commitment_version"] = application.commitment_version
    else:
        core_missing = [m for m in required if m.get("core") and m["code"] not in present]
        if core_missing:
            raise InvalidInput(
                f"容缺受理也须先上传以下主要材料：{_names(core_missing)}",
                code="MATERIALS_MISSING",
                details={"missing": [m["code"] for m in core_missing]},
            )
        event_data["missing"] = [m["code"] for m in required if m["code"] not in present]
    handler.check_submit(application)
    application.acceptance_mode = mode
    application.submitted_at = timezone.now()
    from_status = _move(
        application,
        row,
        "data",
        "acceptance_mode",
        "submitted_at",
        "commitment_text",
        "commitment_version",
        "commitment_signed_at",
    )
    _hook(application, row, actor, handler)
    _event(application, action=Action.SUBMIT, from_status=from_status, actor=actor, data=event_data)
    if handler.instant(application):
        _instant_complete(application)
        return application
    verb = "重新提交" if from_status == Status.RETURNED else "提交"
    _notify_applicant(
        application,
        title="申请已提交",
        body=f"您的“{application.matter.name}”申请（编号 {application.number}）已{verb}，等待经办机构受理。",
        sms=False,
    )
    return application


@transaction.atomic
def application_recall(
    *, actor: Actor, application: Application, version: int | None
) -> Application:
    """Take a submitted application back to draft to change it, before the agency accepts it
    (回退修改, seed 002)."""
    application = _lock(actor=actor, application=application, role="applicant")
    _check_version(application, version)
    row = _check_state(application, Action.RECALL)
    from_status = _move(application, row)
    _hook(application, row, actor)
    _event(application, action=Action.RECALL, from_status=from_status, actor=actor)
    _notify_applicant(
        application,
        title="申请已回退修改",
        body=f"“{application.matter.name}”申请（编号 {application.number}）已回退为草稿，修改后请重新提交。",
        sms=False,
    )
    return application


@transaction.atomic
def application_withdraw(
    *, actor: Actor, application: Application, version: int | None, reason: str = ""
) -> Application:
    """The applicant withdraws (or deletes a draft); final."""
    application = _lock(actor=actor, application=application, role="applicant")
    _check_version(application, version)
    row = _check_state(application, Action.WITHDRAW)
    reason = _reason(reason, required=False)
    application.withdrawn_at = timezone.now()
    from_status = _move(application, row, "withdrawn_at")
    _hook(application, row, actor)
    _event(application, action=Action.WITHDRAW, from_status=from_status, actor=actor, reason=reason)
    if from_status != Status.DRAFT:
        _notify_applicant(
            application,
            title="申请已撤回",
            body=f"您的“{application.matter.name}”申请（编号 {application.number}）已撤回。",
            sms=False,
        )
    return application


# --- decisions (staff) ----------------------------------------------------------------------


@transaction.atomic
def application_accept(
    *, actor: Actor, application: Application, version: int | None, reason: str = ""
) -> Application:
    """受理: the agency takes the case; the time limit starts. For 容缺受理 every required
    material still missing is recorded with the date it must be supplied by."""
    application = _lock(actor=actor, application=application, role="reviewer")
    _check_version(application, version)
    row = _check_state(application, Action.ACCEPT)
    reason = _reason(reason, required=row.reason_required, what=row.reason_label)
    now = timezone.now()
    today = timezone.localdate()
    matter = application.matter
    application.accepted_at = now
    application.assigned_to = actor.user
    application.due_date = add_working_days(today, matter.time_limit_days)
    application.due_provisional = _provisional(today, application.due_date)
    _move(application, row, "accepted_at", "assigned_to", "due_date", "due_provisional")
    deferred: list[DeferredMaterial] = []
    if application.acceptance_mode == Mode.TOLERANCE:
        present = _present_codes(application)
        supply_by = (
            add_working_days(today, matter.tolerance_days)
            if matter.tolerance_days is not None
            else None
        )
        for spec in matter.materials:
            if spec.get("required") and spec["code"] not in present:
                deferred.append(
                    DeferredMaterial.objects.create(
                        application=application,
                        code=spec["code"],
                        name=spec.get("name", spec["code"]),
                        due_date=supply_by,
                        due_provisional=bool(supply_by and _provisional(today, supply_by)),
                        created_at=now,
                    )
                )
    _hook(application, row, actor)
    _event(
        application,
        action=Action.ACCEPT,
        from_status=Status.SUBMITTED,
        actor=actor,
        reason=reason,
        data={
            "due_date": application.due_date.isoformat(),
            "due_provisional": application.due_provisional,
            "deferred": [
                {
                    "code": d.code,
                    "name": d.name,
                    "due_date": d.due_date.isoformat() if d.due_date else None,
                }
                for d in deferred
            ],
        },
        at=now,
    )
    body = (
        f"您的“{matter.name}”申请（编号 {application.number}）已受理，"
        f"承诺于{application.due_date:%Y年%m月%d日}前办结"
        f"{'（期限为暂定，遇法定节假日顺延）' if application.due_provisional else ''}。"
    )
    if deferred:
        names = "、".join(d.name for d in deferred)
        if deferred[0].due_date:
            body += f"本申请为容缺受理，请于{deferred[0].due_date:%Y年%m月%d日}前补交：{names}，逾期未补交的申请将失效。"
        else:
            body += f"本申请为容缺受理，请在经办机构通知的期限内补交：{names}。"
    _notify_applicant(application, title="申请已受理", body=body, sms=True)
    return application


def _cancel_deferred(application: Application, at: Any) -> int:
    return application.deferred.filter(
        supplied_at__isnull=True, lapsed_at__isnull=True, cancelled_at__isnull=True
    ).update(cancelled_at=at)


@transaction.atomic
def application_return(
    *, actor: Actor, application: Application, version: int | None, reason: str
) -> Application:
    """退回补正: send the case back to the applicant to correct; they edit and resubmit."""
    application = _lock(actor=actor, application=application, role="reviewer")
    _check_version(application, version)
    row = _check_state(application, Action.RETURN)
    reason = _reason(reason, required=row.reason_required, what="退回理由（需要补正的内容）")
    now = timezone.now()
    application.returned_at = now
    application.due_date = None
    application.due_provisional = False
    from_status = _move(application, row, "returned_at", "due_date", "due_provisional")
    _cancel_deferred(application, now)
    _hook(application, row, actor)
    _event(
        application,
        action=Action.RETURN,
        from_status=from_status,
        actor=actor,
        reason=reason,
        at=now,
    )
    _notify_applicant(
        application,
        title="申请被退回补正",
        body=f"您的“{application.matter.name}”申请（编号 {application.number}）被退回：{sentence(reason)}请修改后重新提交。",
        sms=True,
    )
    return application


@transaction.atomic
def application_reject(
    *, actor: Actor, application: Application, version: int | None, reason: str
) -> Application:
    """不予受理 (from submitted) or 不予批准 (from accepted); final; a reason is required."""
    application = _lock(actor=actor, application=application, role="reviewer")
    _check_version(application, version)
    row = _check_state(application, Action.REJECT)
    label = row.label  # 不予受理 before acceptance, 不予批准 after it
    reason = _reason(reason, required=row.reason_required, what=row.reason_label)
    now = timezone.now()
    application.decided_at = now
    from_status = _move(application, row, "decided_at")
    _cancel_deferred(application, now)
    _hook(application, row, actor)
    _event(
        application,
        action=Action.REJECT,
        from_status=from_status,
        actor=actor,
        reason=reason,
        at=now,
    )
    _notify_applicant(
        application,
        title=f"申请{label}",
        body=f"您的“{application.matter.name}”申请（编号 {application.number}）{label}，理由：{sentence(reason)}",
        sms=True,
        decision=True,
    )
    return application


@transaction.atomic
def application_approve(
    *, actor: Actor, application: Application, version: int | None, reason: str = ""
) -> Application:
    """审核通过: runs the matter handler's effect in this transaction; completes at once when
    the handler says so. Refused while 容缺 materials are outstanding."""
    application = _lock(actor=actor, application=application, role="reviewer")
    _check_version(application, version)
    row = _check_state(application, Action.APPROVE)
    reason = _reason(reason, required=row.reason_required, what=row.reason_label)
    outstanding = list(
        application.deferred.filter(
            supplied_at__isnull=True, lapsed_at__isnull=True, cancelled_at__isnull=True
        )
    )
    if outstanding:
        raise Conflict(
            f"尚有容缺材料未补交（{'、'.join(d.name for d in outstanding)}），不能审核通过",
            code="DEFERRED_MATERIALS_OUTSTANDING",
            details={"outstanding": [d.code for d in outstanding]},
        )
    handler = handler_for(application)
    now = timezone.now()
    application.decided_at = now
    _move(application, row, "decided_at")
    effect = _hook(application, row, actor, handler)
    _event(
        application,
        action=Action.APPROVE,
        from_status=Status.ACCEPTED,
        actor=actor,
        reason=reason,
        data={"effect": effect} if effect else {},
        at=now,
    )
    if handler.auto_complete:
        _complete(application, actor=actor, reason="", at=now)
        return application
    _notify_applicant(
        application,
        title="申请审核通过",
        body=f"您的“{application.matter.name}”申请（编号 {application.number}）已审核通过，等待办结。",
        sms=True,
        decision=True,
    )
    return application


def _instant_complete(application: Application) -> None:
    """即办件: a matter answered at once (queries, prints, card loss reports). The system accepts,
    approves (running the handler's effect) and completes it in the submit transaction."""
    now = timezone.now()
    handler = handler_for(application)
    accept = workflow.BY_KEY["accept"]
    application.accepted_at = now
    application.due_date = timezone.localdate()
    application.due_provisional = False
    _move(application, accept, "accepted_at", "due_date", "due_provisional")
    _hook(application, accept, None, handler)
    _event(
        application,
        action=Action.ACCEPT,
        from_status=Status.SUBMITTED,
        actor=None,
        data={"instant": True},
        at=now,
    )
    approve = workflow.BY_KEY["approve"]
    application.decided_at = now
    _move(application, approve, "decided_at")
    effect = _hook(application, approve, None, handler)
    _event(
        application,
        action=Action.APPROVE,
        from_status=Status.ACCEPTED,
        actor=None,
        data={"instant": True, **({"effect": effect} if effect else {})},
        at=now,
    )
    _complete(application, actor=None, reason="即办件，提交后即时办结", at=now, sms=False)


def _complete(
    application: Application, *, actor: Actor | None, reason: str, at: Any, sms: bool = True
) -> None:
    row = workflow.BY_KEY["complete"]
    application.completed_at = at
    _move(application, row, "completed_at")
    _hook(application, row, actor)
    _event(
        application,
        action=Action.COMPLETE,
        from_status=Status.APPROVED,
        actor=actor,
        reason=reason,
        at=at,
    )
    _notify_applicant(
        application,
        title="申请已办结",
        body=f"您的“{application.matter.name}”申请（编号 {application.number}）已办结。"
        + (f"说明：{sentence(reason)}" if reason else ""),
        sms=sms,
        decision=True,
    )


@transaction.atomic
def application_complete(
    *, actor: Actor, application: Application, version: int | None, reason: str = ""
) -> Application:
    """办结: the approved case is finished (documents issued, results sent)."""
    application = _lock(actor=actor, application=application, role="reviewer")
    _check_version(application, version)
    row = _check_state(application, Action.COMPLETE)
    reason = _reason(reason, required=row.reason_required, what=row.reason_label)
    _complete(application, actor=actor, reason=reason, at=timezone.now())
    return application


DECISIONS = {
    "accept": application_accept,
    "return": application_return,
    "reject": application_reject,
    "approve": application_approve,
    "complete": application_complete,
}


def application_decide(
    *, actor: Actor, application: Application, action: str, version: int | None, reason: str = ""
) -> Application:
    """One staff decision by name (accept / return / reject / approve / complete)."""
    service = DECISIONS.get((action or "").strip())
    if service is None:
        raise InvalidInput(
            "请选择审核操作：受理、退回补正、不予办理、审核通过或办结",
            code="DECISION_UNKNOWN",
            field="action",
        )
    return service(actor=actor, application=application, version=version, reason=reason)


# --- 容缺 lapse (system) ---------------------------------------------------------------------


def applications_lapse_overdue_deferred(*, today: date | None = None) -> int:
    """Accepted 容缺 cases with a deferred material past its due date become ``lapsed``.

    Run daily (task ``lapse_overdue_deferred`` or ``manage.py applications_lapse_overdue``).
    Each case is handled in its own transaction under its row lock and re-checked there, so a
    rerun, or a run racing a late supply, changes nothing twice. Returns how many lapsed.
    """
    today = today or timezone.localdate()
    candidates = list(
        Application.objects.filter(
            status=Status.ACCEPTED,
            deferred__supplied_at__isnull=True,
            deferred__lapsed_at__isnull=True,
            deferred__cancelled_at__isnull=True,
            deferred__due_date__lt=today,
        )
        .values_list("pk", flat=True)
        .distinct()
    )
    lapsed = 0
    for pk in candidates:
        if _lapse_one(pk=pk, today=today):
            lapsed += 1
    return lapsed


@transaction.atomic
def _lapse_one(*, pk: int, today: date) -> bool:
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("matter", "applicant_user")
        .filter(pk=pk, status=Status.ACCEPTED)
        .first()
    )
    if application is None:
        return False
    overdue = list(
        application.deferred.select_for_update().filter(
            supplied_at__isnull=True,
            lapsed_at__isnull=True,
            cancelled_at__isnull=True,
            due_date__lt=today,
        )
    )
    if not overdue:
        return False
    now = timezone.now()
    for item in overdue:
        item.lapsed_at = now
        item.save(update_fields=["lapsed_at"])
    row = workflow.BY_KEY["lapse"]
    application.lapsed_at = now
    _move(application, row, "lapsed_at")
    _hook(application, row, None)
    names = "、".join(d.name for d in overdue)
    _event(
        application,
        action=Action.LAPSE,
        from_status=Status.ACCEPTED,
        actor=None,
        reason=f"容缺材料逾期未补交：{names}",
        data={
            "overdue": [
                {"code": d.code, "due_date": d.due_date.isoformat()} for d in overdue if d.due_date
            ]
        },
        at=now,
    )
    _notify_applicant(
        application,
        title="申请已失效",
        body=f"您的“{application.matter.name}”申请（编号 {application.number}）容缺材料（{names}）逾期未补交，申请已失效。如仍需办理，请重新申请。",
        sms=True,
        decision=True,
    )
    return True
