"""Writes of audit cases (稽核, seed 003). Each transition is one service with a guard, a row
lock and an event row; staff steps need the audit department's REVIEW capability in the case's
district (:mod:`shebao.accounts.capabilities`).

- :func:`report_file` — an individual files a complaint or report (投诉举报). While emergency
  measures that suspend audit work (``suspend_audit_cases``) last in the district, it is
  registered and deferred (暂缓立案), the materials kept; otherwise registered to be opened.
- :func:`case_open` — 立案: the time limit (``audit.case_time_limit_days`` working days, policy)
  runs from the day of opening. A deferred report is opened once the emergency is over.
- :func:`case_suspend` / :func:`case_resume` — 中止 from a date, 恢复 on a date: the working days
  in between are added to the time limit (稽核期限顺延).
- :func:`case_close` — 结案 with an outcome; a report never opened closes as 不予立案.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from shebao.accounts import actors
from shebao.accounts.actors import Actor
from shebao.accounts.capabilities import Capability, staff_may
from shebao.audit.models import AuditCase, AuditCaseEvent, AuditSuspension
from shebao.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from shebao.common.identifiers import normalize_credit_code
from shebao.common.text import text_check
from shebao.common.workcalendar import add_working_days, working_days_between
from shebao.policy.emergency import Measure, measure_in_force

AUDIT_DEPARTMENT = "audit"
S = AuditCase.Status


def _label(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _clean(value: str, *, limit: int) -> str:
    return " ".join((value or "").split())[:limit]


def suspending_measure(*, district: str, on: date) -> Measure | None:
    """The emergency measure that suspends audit work in ``district`` on ``on``, or None."""
    measure = measure_in_force(region=district, on=on)
    if measure is None or not measure.value["suspend_audit_cases"] or not measure.ongoing(on):
        return None
    return measure


def may_handle(actor: Actor, case: AuditCase) -> bool:
    return staff_may(actor, Capability.REVIEW, region=case.district_id, department=AUDIT_DEPARTMENT)


def _event(case: AuditCase, action: str, actor: Actor, on: date, public: str, note: str = ""):
    AuditCaseEvent.objects.create(
        case=case,
        action=action,
        actor=actor.user,
        at=timezone.now(),
        on=on,
        public_text=public[:300],
        note=note[:500],
    )


@transaction.atomic
def report_file(
    *,
    actor: Actor,
    kind: str,
    respondent_name: str,
    respondent_credit_code: str = "",
    content: str,
    materials: str = "",
    request_key: str,
) -> AuditCase:
    """File a complaint or report as the individual ``actor``; the same request key twice
    returns the first one."""
    actor.require(actors.INDIVIDUAL)
    person = actor.person
    assert person is not None
    text_check({"respondent_name": respondent_name, "content": content, "materials": materials})
    key = (request_key or "").strip()[:40]
    if not key:
        raise InvalidInput("提交标识缺失，请刷新页面后重新填写", code="REQUEST_KEY_REQUIRED")
    existing = AuditCase.objects.filter(request_key=key, complainant=person).first()
    if existing is not None:
        return existing
    if kind not in AuditCase.Kind.values:
        raise InvalidInput("请选择投诉或举报", code="AUDIT_KIND_INVALID", field="kind")
    text = (content or "").strip()
    if not text:
        raise InvalidInput(
            "请填写投诉举报内容：被投诉单位的什么行为、发生的时间和涉及的人员",
            code="AUDIT_CONTENT_REQUIRED",
            field="content",
        )
    if len(text) > 2000:
        raise InvalidInput(
            "投诉举报内容不能超过 2000 个字", code="AUDIT_CONTENT_TOO_LONG", field="content"
        )
    name = _clean(respondent_name, limit=201)
    if not name:
        raise InvalidInput(
            "请填写被投诉举报单位的名称", code="AUDIT_RESPONDENT_REQUIRED", field="respondent_name"
        )
    if len(name) > 200:
        raise InvalidInput(
            "单位名称不能超过 200 个字", code="AUDIT_RESPONDENT_TOO_LONG", field="respondent_name"
        )
    code = (
        normalize_credit_code(respondent_credit_code, field="respondent_credit_code")
        if (respondent_credit_code or "").strip()
        else ""
    )
    from shebao.registry.models import Unit

    unit = Unit.objects.filter(credit_code=code).only("district_id").first() if code else None
    district = unit.district_id if unit is not None else person.district_id
    if not district:
        raise InvalidInput(
            "您的参保地区未登记，请到经办窗口或拨打12333投诉举报",
            code="AUDIT_DISTRICT_UNKNOWN",
        )
    now = timezone.now()
    today = timezone.localdate()
    measure = suspending_measure(district=district, on=today)
    try:
        with transaction.atomic():
            case = AuditCase.objects.create(
                number=f"JB{now:%Y%m%d%H%M%S%f}",
                request_key=key,
                kind=kind,
                complainant=person,
                district_id=district,
                respondent_name=name,
                respondent_credit_code=code,
                content=text,
                materials=_clean(materials, limit=500),
                status=S.DEFERRED if measure is not None else S.REGISTERED,
                filed_at=now,
                updated_at=now,
            )
    except IntegrityError:
        return AuditCase.objects.get(request_key=key, complainant=person)
    case.number = f"JB{now:%Y%m%d}{case.pk:08d}"
    case.save(update_fields=["number"])
    _event(case, AuditCaseEvent.Action.FILE, actor, today, "投诉举报已登记")
    if measure is not None:
        _event(
            case,
            AuditCaseEvent.Action.DEFER,
            actor,
            today,
            f"按{measure.title}，应急措施期间暂缓立案，已登记并留存材料，恢复办理后立案",
        )
    return case


def _lock(actor: Actor, case: AuditCase) -> AuditCase:
    actor.require(actors.STAFF)
    locked = AuditCase.objects.select_for_update().get(pk=case.pk)
    if not may_handle(actor, locked):
        raise PermissionDenied(
            "只有稽核部门在该区县具有审核权限的经办人员可以办理稽核案件",
            code="CAPABILITY_REQUIRED",
        )
    return locked


def _state(case: AuditCase, *allowed: str, doing: str) -> None:
    if case.status not in allowed:
        raise Conflict(
            f"该案件当前为“{case.get_status_display()}”，不能{doing}",
            code="AUDIT_STATE_CONFLICT",
        )


def _due(case: AuditCase) -> date:
    assert case.opened_on is not None and case.time_limit_days is not None
    return add_working_days(case.opened_on, case.time_limit_days + case.suspended_days)


def _day(value: date | None, *, field: str, label: str, earliest: date, today: date) -> date:
    if value is None:
        raise InvalidInput(f"请填写{label}", code="AUDIT_DATE_REQUIRED", field=field)
    if value > today:
        raise InvalidInput(f"{label}不能晚于今天", code="AUDIT_DATE_INVALID", field=field)
    if value < earliest:
        raise InvalidInput(
            f"{label}不能早于{_label(earliest)}", code="AUDIT_DATE_INVALID", field=field
        )
    return value


@transaction.atomic
def case_open(*, actor: Actor, case: AuditCase, note: str = "") -> AuditCase:
    """立案: the time limit runs from today, in working days (policy)."""
    from shebao.policy.selectors import param

    locked = _lock(actor, case)
    _state(locked, S.REGISTERED, S.DEFERRED, doing="立案")
    today = timezone.localdate()
    measure = suspending_measure(district=locked.district_id, on=today)
    if measure is not None:
        raise Conflict(
            f"{measure.title}期间暂缓立案：已登记并留存材料，恢复办理后立案",
            code="AUDIT_OPENING_DEFERRED",
        )
    limit = param(region=locked.district_id, key="audit.case_time_limit_days", on=today).value
    locked.status = S.OPEN
    locked.opened_on = today
    locked.time_limit_days = limit
    locked.due_on = _due(locked)
    locked.updated_at = timezone.now()
    locked.save(update_fields=["status", "opened_on", "time_limit_days", "due_on", "updated_at"])
    _event(
        locked,
        AuditCaseEvent.Action.OPEN,
        actor,
        today,
        f"已立案稽核，办理时限 {limit} 个工作日，应于{_label(locked.due_on)}前办结",
        _clean(note, limit=500),
    )
    return locked


@transaction.atomic
def case_suspend(*, actor: Actor, case: AuditCase, start: date | None, reason: str) -> AuditCase:
    """中止 from ``start`` (that day suspended), with the reason."""
    locked = _lock(actor, case)
    _state(locked, S.OPEN, doing="中止")
    today = timezone.localdate()
    last = locked.suspensions.exclude(end=None).order_by("-end").first()
    earliest = max(locked.opened_on, last.end) if last else locked.opened_on  # type: ignore[type-var]
    day = _day(start, field="start", label="中止日期", earliest=earliest, today=today)  # type: ignore[arg-type]
    why = _clean(reason, limit=200)
    if not why:
        raise InvalidInput("请填写中止原因", code="AUDIT_REASON_REQUIRED", field="reason")
    AuditSuspension.objects.create(case=locked, start=day, reason=why)
    locked.status = S.SUSPENDED
    locked.updated_at = timezone.now()
    locked.save(update_fields=["status", "updated_at"])
    _event(
        locked,
        AuditCaseEvent.Action.SUSPEND,
        actor,
        day,
        f"自{_label(day)}起稽核中止（{why}），恢复后办理期限顺延",
    )
    return locked


@transaction.atomic
def case_resume(*, actor: Actor, case: AuditCase, on: date | None) -> AuditCase:
    """恢复 on ``on``: the working days suspended (from the suspension's first day up to the day
    before ``on``) are added to the time limit."""
    locked = _lock(actor, case)
    _state(locked, S.SUSPENDED, doing="恢复")
    suspension = locked.suspensions.select_for_update().get(end=None)
    today = timezone.localdate()
    day = _day(on, field="on", label="恢复日期", earliest=suspension.start, today=today)
    days = working_days_between(suspension.start - timedelta(days=1), day - timedelta(days=1))
    suspension.end = day
    suspension.working_days = days
    suspension.save(update_fields=["end", "working_days"])
    locked.suspended_days += days
    locked.status = S.OPEN
    locked.due_on = _due(locked)
    locked.updated_at = timezone.now()
    locked.save(update_fields=["suspended_days", "status", "due_on", "updated_at"])
    _event(
        locked,
        AuditCaseEvent.Action.RESUME,
        actor,
        day,
        f"自{_label(day)}起恢复稽核，中止 {days} 个工作日，办结期限顺延至{_label(locked.due_on)}"
        if days
        else f"自{_label(day)}起恢复稽核，中止期间无工作日，办结期限仍为{_label(locked.due_on)}",
    )
    return locked


@transaction.atomic
def case_close(*, actor: Actor, case: AuditCase, outcome: str, note: str) -> AuditCase:
    """结案 with ``outcome``: an opened case as found or unfounded; a report never opened as
    不予立案. The note is told to the complainant."""
    locked = _lock(actor, case)
    outcomes = AuditCase.Outcome
    if outcome not in outcomes.values:
        raise InvalidInput("请选择处理结果", code="AUDIT_OUTCOME_INVALID", field="outcome")
    if outcome == outcomes.NOT_OPENED:
        _state(locked, S.REGISTERED, S.DEFERRED, doing="作不予立案处理")
    else:
        _state(locked, S.OPEN, doing="结案")
    text = _clean(note, limit=500)
    if not text:
        raise InvalidInput("请填写处理结果说明", code="AUDIT_NOTE_REQUIRED", field="note")
    today = timezone.localdate()
    locked.status = S.CLOSED
    locked.closed_on = today
    locked.outcome = outcome
    locked.outcome_note = text
    locked.updated_at = timezone.now()
    locked.save(update_fields=["status", "closed_on", "outcome", "outcome_note", "updated_at"])
    _event(
        locked,
        AuditCaseEvent.Action.CLOSE,
        actor,
        today,
        f"已结案：{outcomes(outcome).label}。{text}",
    )
    return locked


def case_for_update(*, actor: Actor, number: str) -> AuditCase:
    """The case a staff step applies to (NotFound outside the actor's scope)."""
    from shebao.audit.selectors import case_for

    found = case_for(actor=actor, number=number)
    if found is None:
        raise NotFound("未找到该稽核案件，或您无权查看", code="AUDIT_NOT_FOUND")
    return found
