"""Writes of manual and off-system operations (系统外经办和手工应急操作, seed 003).

- Recording (登记): staff who review their department's matters in the district, for a day on
  which an emergency measure that flags such work (``flag_manual_operations``) lasted there.
  The operation is flagged: it stays on the review list until reviewed.
- Review (审核) and settlement (结算): staff who review the operation's department in its
  district, once the emergency has been lifted (seed 003: 疫情稳定后及时进行审核、结算).
- Audit (稽核内审): staff of the audit department in its district, after settlement.

Each step is one service with a row lock, a guard and an event row; a repeated recording with
the same request key returns the first record.
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from shebao.accounts import actors
from shebao.accounts.actors import Actor
from shebao.accounts.capabilities import Capability, staff_may
from shebao.common.errors import Conflict, InvalidInput, PermissionDenied
from shebao.common.text import text_check
from shebao.emergency.models import ManualOperation, ManualOperationEvent
from shebao.policy.emergency import Measure, measure_in_force
from shebao.registry.models import Region

AUDIT_DEPARTMENT = "audit"

# The step each status waits for: (action, the next status, who: "department" or "audit").
STEPS = {
    ManualOperation.Status.FLAGGED: (
        ManualOperationEvent.Action.REVIEW,
        ManualOperation.Status.REVIEWED,
        "department",
    ),
    ManualOperation.Status.REVIEWED: (
        ManualOperationEvent.Action.SETTLE,
        ManualOperation.Status.SETTLED,
        "department",
    ),
    ManualOperation.Status.SETTLED: (
        ManualOperationEvent.Action.AUDIT,
        ManualOperation.Status.AUDITED,
        "audit",
    ),
}


def _text(value: str, *, field: str, label: str, limit: int) -> str:
    cleaned = " ".join((value or "").split())
    if not cleaned:
        raise InvalidInput(f"请填写{label}", code="MANUAL_FIELD_REQUIRED", field=field)
    if len(cleaned) > limit:
        raise InvalidInput(
            f"{label}不能超过 {limit} 个字", code="MANUAL_FIELD_TOO_LONG", field=field
        )
    return cleaned


def flagging_measure(*, district: str, on: date) -> Measure | None:
    """The emergency measure under which work done by hand in ``district`` on ``on`` is
    flagged, or None."""
    measure = measure_in_force(region=district, on=on)
    if measure is None or not measure.value["flag_manual_operations"] or not measure.ongoing(on):
        return None
    return measure


def may_record(actor: Actor, *, district: str) -> bool:
    return staff_may(actor, Capability.REVIEW, region=district, department=actor.department_code)


@transaction.atomic
def manual_operation_record(
    *,
    actor: Actor,
    district: str,
    kind: str,
    business: str,
    subject: str,
    description: str,
    performed_on: date,
    request_key: str,
) -> ManualOperation:
    """Record (and flag) one operation done off the system or by hand."""
    actor.require(actors.STAFF)
    text_check({"business": business, "subject": subject, "description": description})
    key = (request_key or "").strip()[:40]
    if not key:
        raise InvalidInput("提交标识缺失，请刷新页面后重新填写", code="REQUEST_KEY_REQUIRED")
    existing = ManualOperation.objects.filter(request_key=key).first()
    if existing is not None:
        return existing  # the same form submitted twice
    region = Region.objects.filter(code=district, level=Region.Level.DISTRICT).first()
    if region is None:
        raise InvalidInput("请选择办理业务的区县", code="DISTRICT_INVALID", field="district")
    if not may_record(actor, district=district):
        raise PermissionDenied(
            "您没有该区县本部门业务的经办权限，不能登记手工应急操作", code="CAPABILITY_REQUIRED"
        )
    if kind not in ManualOperation.Kind.values:
        raise InvalidInput(
            "请选择“系统外经办”或“手工应急操作”", code="MANUAL_KIND_INVALID", field="kind"
        )
    today = timezone.localdate()
    if performed_on > today:
        raise InvalidInput("办理日期不能晚于今天", code="MANUAL_DATE_INVALID", field="performed_on")
    measure = flagging_measure(district=district, on=performed_on)
    if measure is None:
        raise InvalidInput(
            f"{region.name}在{performed_on:%Y年%m月%d日}没有要求标识系统外经办和手工应急操作的"
            "应急措施，请按正常业务在系统中办理",
            code="EMERGENCY_MEASURE_NOT_IN_FORCE",
            field="performed_on",
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            operation = ManualOperation.objects.create(
                number=f"YJ{now:%Y%m%d%H%M%S%f}",
                request_key=key,
                kind=kind,
                district=region,
                department_id=actor.department_code,
                business=_text(business, field="business", label="业务名称", limit=60),
                subject=_text(subject, field="subject", label="办理对象", limit=100),
                description=_text(description, field="description", label="办理情况", limit=500),
                performed_on=performed_on,
                measure_code=measure.code,
                measure_title=measure.title[:120],
                recorded_by=actor.user,
                recorded_at=now,
                updated_at=now,
            )
    except IntegrityError:
        return ManualOperation.objects.get(request_key=key)  # a concurrent double submission
    operation.number = f"YJ{now:%Y%m%d}{operation.pk:08d}"
    operation.save(update_fields=["number"])
    ManualOperationEvent.objects.create(
        operation=operation,
        action=ManualOperationEvent.Action.RECORD,
        actor=actor.user,
        at=now,
        note=f"按{measure.title}标识，待应急措施解除后审核",
    )
    return operation


def may_advance(actor: Actor, operation: ManualOperation) -> bool:
    """Whether the actor may take the operation's next step."""
    step = STEPS.get(ManualOperation.Status(operation.status))
    if step is None:
        return False
    department = operation.department_id if step[2] == "department" else AUDIT_DEPARTMENT
    return staff_may(actor, Capability.REVIEW, region=operation.district_id, department=department)


@transaction.atomic
def manual_operation_advance(
    *, actor: Actor, operation: ManualOperation, action: str, note: str
) -> ManualOperation:
    """Take the next step: review, settle or audit (``action``), with what was found."""
    actor.require(actors.STAFF)
    text_check({"note": note})
    locked = ManualOperation.objects.select_for_update().get(pk=operation.pk)
    step = STEPS.get(ManualOperation.Status(locked.status))
    if step is None or step[0] != action:
        raise Conflict(
            f"该手工应急操作当前为“{locked.get_status_display()}”，不能进行此操作",
            code="MANUAL_STATE_CONFLICT",
        )
    if not may_advance(actor, locked):
        who = "稽核部门" if step[2] == "audit" else "本业务部门"
        raise PermissionDenied(
            f"只有{who}在该区县具有审核权限的经办人员可以{ManualOperationEvent.Action(action).label}",
            code="CAPABILITY_REQUIRED",
        )
    measure = measure_in_force(region=locked.district_id, on=locked.performed_on)
    today = timezone.localdate()
    if measure is not None and (measure.end is None or today <= measure.end):
        raise Conflict(
            f"{measure.title}尚未解除，系统外经办和手工应急操作在应急措施解除后审核、结算",
            code="EMERGENCY_NOT_LIFTED",
        )
    cleaned = _text(note, field="note", label="审核（结算、稽核）意见", limit=500)
    now = timezone.now()
    locked.status = step[1]
    locked.updated_at = now
    locked.save(update_fields=["status", "updated_at"])
    ManualOperationEvent.objects.create(
        operation=locked, action=action, actor=actor.user, at=now, note=cleaned
    )
    return locked
