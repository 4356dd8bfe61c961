"""Writes of training and assessment. Every step is a row of :mod:`shebao.training.workflow`;
each service checks the row fits the state, holds the row lock, applies the step's rule and
writes the event in one transaction. A refused step writes nothing."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from shebao.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from shebao.common.identifiers import normalize_id_number, normalize_mobile
from shebao.policy.selectors import param
from shebao.training import access
from shebao.training.models import (
    AssessmentFiling,
    AssessmentPlan,
    Candidate,
    Level,
    SkillCertificate,
    Trade,
    TrainingEvent,
    TrainingInstitution,
    TrainingRegistration,
)
from shebao.training.workflow import CENTRE, PERSON, TRAINER, Step, step_for

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor

PASS_MARK = 60  # 理论知识和操作技能考核均实行百分制，成绩皆达60分（含）以上者为合格


def _event(
    subject: str,
    pk: int,
    *,
    action: str,
    actor: Actor | None,
    before: str = "",
    after: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    TrainingEvent.objects.create(
        subject=subject,
        subject_id=pk,
        action=action,
        from_status=before,
        to_status=after,
        actor=actor.user if actor is not None else None,
        note=note[:500],
        data=data or {},
        at=timezone.now(),
    )


def _key(raw: str) -> str:
    key = (raw or "").strip()[:64]
    if not key:
        raise InvalidInput("页面已过期，请刷新后重新提交", code="SUBMISSION_KEY_REQUIRED")
    return key


def _step(subject: str, action: str, status: str, label: str) -> Step:
    step = step_for(subject, action, status)
    if step is None:
        raise Conflict(
            f"{label}当前状态不能办理该操作，请刷新后重试", code="TRAINING_STEP_NOT_ALLOWED"
        )
    return step


def _note(step: Step, note: str) -> str:
    note = (note or "").strip()
    if step.note == "required" and not note:
        raise InvalidInput(f"请填写{step.note_label}", code="TRAINING_NOTE_REQUIRED", field="note")
    if len(note) > 500:
        raise InvalidInput("说明不能超过500个字", code="TRAINING_NOTE_TOO_LONG", field="note")
    return note


# --- registrations (就业创业培训报名) --------------------------------------------------------------


@transaction.atomic
def registration_submit(
    *,
    actor: Actor,
    institution: TrainingInstitution,
    trade: Trade,
    employment_status: str,
    mobile: str,
    submission_key: str,
) -> tuple[TrainingRegistration, bool]:
    """A worker registers for a trade the institution teaches. One open registration per
    person, institution and trade; the same form again returns the first."""
    if not actor.is_individual or actor.person is None:
        raise PermissionDenied("请以个人身份登录后报名", code="FORBIDDEN")
    key = _key(submission_key)
    existing = TrainingRegistration.objects.filter(submission_key=key, person=actor.person).first()
    if existing is not None:
        return existing, False
    if not institution.active or not institution.trades.filter(pk=trade.pk).exists():
        raise InvalidInput(
            f"{institution.name}不培训“{trade.name}”，请选择该机构可培训的工种",
            code="TRAINING_TRADE_NOT_TAUGHT",
            field="trade",
        )
    if employment_status not in TrainingRegistration.Employment.values:
        raise InvalidInput(
            "请选择就业状态", code="TRAINING_FIELD_REQUIRED", field="employment_status"
        )
    number = normalize_mobile(mobile, field="mobile")
    open_one = TrainingRegistration.objects.filter(
        person=actor.person,
        institution=institution,
        trade=trade,
        status__in=[TrainingRegistration.Status.SUBMITTED, TrainingRegistration.Status.CONFIRMED],
    ).first()
    if open_one is not None:
        raise Conflict(
            f"您已报名该机构的“{trade.name}”培训（报名编号 {open_one.number}），请勿重复报名",
            code="TRAINING_ALREADY_REGISTERED",
        )
    now = timezone.now()
    try:
        with transaction.atomic():
            registration = TrainingRegistration.objects.create(
                number=f"TMP{key}"[:24],
                person=actor.person,
                institution=institution,
                trade=trade,
                employment_status=employment_status,
                mobile=number,
                status=TrainingRegistration.Status.SUBMITTED,
                submission_key=key,
                created_at=now,
            )
            registration.number = f"PX{timezone.localtime(now):%Y%m%d}{registration.pk:010d}"
            registration.save(update_fields=["number"])
    except IntegrityError:
        raise Conflict("请勿重复报名", code="TRAINING_ALREADY_REGISTERED") from None
    _event("registration", registration.pk, action="submit", actor=actor, after=registration.status)
    return registration, True


@transaction.atomic
def registration_act(
    *, actor: Actor, registration: TrainingRegistration, action: str, note: str = ""
) -> TrainingRegistration:
    locked = (
        TrainingRegistration.objects.select_for_update()
        .select_related("institution")
        .get(pk=registration.pk)
    )
    step = _step("registration", action, locked.status, "该报名")
    if step.who == PERSON:
        if not (
            actor.is_individual and actor.person is not None and actor.person.pk == locked.person_id
        ):
            raise NotFound("未找到该报名", code="REGISTRATION_NOT_FOUND")
    elif step.who == TRAINER:
        unit_id = locked.institution.unit_id
        if not (actor.is_unit and actor.unit.pk == unit_id and actor.is_unit_manager):
            raise PermissionDenied("只有培训机构的管理人员可以确认报名", code="TRAINER_ONLY")
    note = _note(step, note)
    before = locked.status
    locked.status = step.target
    locked.note = note[:200]
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "note", "decided_at"])
    _event(
        "registration",
        locked.pk,
        action=action,
        actor=actor,
        before=before,
        after=locked.status,
        note=note,
    )
    return locked


# --- the assessment institution's filing (评价机构备案) ----------------------------------------


@transaction.atomic
def filing_submit(
    *,
    actor: Actor,
    trades: Iterable[Trade],
    max_level: str,
    contact_name: str,
    contact_mobile: str,
) -> AssessmentFiling:
    """The unit files (or files again) as an assessment institution; the centre approves."""
    if not access.institution_may(actor):
        raise PermissionDenied("您没有获得办理职业技能等级认定的授权", code="MATTER_NOT_GRANTED")
    chosen = list(trades)
    if not chosen:
        raise InvalidInput("请至少选择一个认定工种", code="TRAINING_FIELD_REQUIRED", field="trades")
    if max_level not in Level.values:
        raise InvalidInput("请选择最高认定等级", code="TRAINING_FIELD_REQUIRED", field="max_level")
    name = (contact_name or "").strip()[:50]
    if not name:
        raise InvalidInput("请填写联系人", code="TRAINING_FIELD_REQUIRED", field="contact_name")
    mobile = normalize_mobile(contact_mobile, field="contact_mobile")
    now = timezone.now()
    filing = AssessmentFiling.objects.select_for_update().filter(unit=actor.unit).first()
    before = ""
    if filing is None:
        filing = AssessmentFiling(unit=actor.unit, created_at=now)
    else:
        before = filing.status
        if filing.status == AssessmentFiling.Status.SUBMITTED:
            raise Conflict("备案正在审核中，请等待鉴定中心审核", code="FILING_PENDING")
        _step("filing", "refile", filing.status, "备案")
    filing.max_level = max_level
    filing.contact_name, filing.contact_mobile = name, mobile
    filing.status = AssessmentFiling.Status.SUBMITTED
    filing.note = ""
    filing.updated_at = now
    filing.save()
    filing.trades.set(chosen)
    _event(
        "filing",
        filing.pk,
        action="file" if not before else "refile",
        actor=actor,
        before=before,
        after=filing.status,
        data={"trades": [t.code for t in chosen]},
    )
    return filing


@transaction.atomic
def filing_act(
    *, actor: Actor, filing: AssessmentFiling, action: str, note: str = ""
) -> AssessmentFiling:
    locked = AssessmentFiling.objects.select_for_update().select_related("unit").get(pk=filing.pk)
    step = _step("filing", action, locked.status, "该备案")
    if step.who != CENTRE:
        raise Conflict("请在备案页面重新申报", code="TRAINING_STEP_NOT_ALLOWED")
    access.centre_require(actor, district=locked.unit.district_id)
    note = _note(step, note)
    before = locked.status
    locked.status, locked.note, locked.updated_at = step.target, note[:200], timezone.now()
    locked.save(update_fields=["status", "note", "updated_at"])
    _event(
        "filing",
        locked.pk,
        action=action,
        actor=actor,
        before=before,
        after=locked.status,
        note=note,
    )
    return locked


# --- plans (认定计划) -----------------------------------------------------------------------------


def _lead_days(plan_district: str, on: date) -> int:
    return int(param(region=plan_district, key="skills.plan_lead_days", on=on).value)


def _latest_submission(district: str, exam_date: date, today: date) -> date:
    return exam_date - timedelta(days=_lead_days(district, today))


def _check_lead(district: str, exam_date: date, today: date) -> None:
    latest = _latest_submission(district, exam_date, today)
    if today > latest:
        days = _lead_days(district, today)
        raise InvalidInput(
            f"认定计划须不晚于开考前{days}天提交：开考日期 {exam_date:%Y-%m-%d} 的计划最迟应于 "
            f"{latest:%Y-%m-%d} 提交，请调整开考日期",
            code="PLAN_TOO_LATE",
            field="exam_date",
        )


def _own_filing(actor: Actor) -> AssessmentFiling:
    if not access.institution_may(actor):
        raise PermissionDenied("您没有获得办理职业技能等级认定的授权", code="MATTER_NOT_GRANTED")
    filing = AssessmentFiling.objects.filter(unit=actor.unit).select_related("unit").first()
    if filing is None or filing.status != AssessmentFiling.Status.APPROVED:
        raise Conflict(
            "评价机构备案通过后方可制定认定计划，请先完成职业技能等级认定机构备案",
            code="FILING_NOT_APPROVED",
        )
    return filing


def _lock_plan(plan: AssessmentPlan) -> AssessmentPlan:
    return (
        AssessmentPlan.objects.select_for_update(of=("self",))
        .select_related("filing__unit", "trade")
        .get(pk=plan.pk)
    )


def _institution_require(actor: Actor, plan: AssessmentPlan) -> None:
    if not (access.institution_may(actor) and actor.unit.pk == plan.filing.unit_id):
        raise NotFound("未找到该认定计划", code="PLAN_NOT_FOUND")


@transaction.atomic
def plan_create(
    *,
    actor: Actor,
    trade: Trade,
    level: str,
    exam_date: date,
    venue: str,
    submission_key: str,
) -> tuple[AssessmentPlan, bool]:
    """The institution drafts a plan for a trade of its filing. An exam date too close to
    meet the lead time is refused here already (PLAN_TOO_LATE), and again at submission."""
    key = _key(submission_key)
    existing = AssessmentPlan.objects.filter(submission_key=key).first()
    if existing is not None and actor.is_unit and existing.filing.unit_id == actor.unit.pk:
        return existing, False
    filing = _own_filing(actor)
    if not filing.trades.filter(pk=trade.pk).exists():
        raise InvalidInput(
            f"“{trade.name}”不在本机构备案的认定工种内", code="PLAN_TRADE_NOT_FILED", field="trade"
        )
    if level not in Level.values:
        raise InvalidInput("请选择认定等级", code="TRAINING_FIELD_REQUIRED", field="level")
    if int(level) < int(filing.max_level):  # "1" is the highest level
        raise InvalidInput(
            f"认定等级不能高于备案的最高等级（{filing.get_max_level_display()}）",
            code="PLAN_LEVEL_NOT_FILED",
            field="level",
        )
    today = timezone.localdate()
    district = filing.unit.district_id
    _check_lead(district, exam_date, today)
    place = (venue or "").strip()[:200]
    if not place:
        raise InvalidInput("请填写考核地点", code="TRAINING_FIELD_REQUIRED", field="venue")
    now = timezone.now()
    plan = AssessmentPlan.objects.create(
        number=f"TMP{key}"[:24],
        filing=filing,
        trade=trade,
        level=level,
        exam_date=exam_date,
        venue=place,
        status=AssessmentPlan.Status.DRAFT,
        district_id=district,
        created_at=now,
        updated_at=now,
        submission_key=key,
    )
    plan.number = f"RD{timezone.localtime(now):%Y%m%d}{plan.pk:010d}"
    plan.save(update_fields=["number"])
    _event("plan", plan.pk, action="create", actor=actor, after=plan.status)
    return plan, True


@transaction.atomic
def candidate_add(*, actor: Actor, plan: AssessmentPlan, id_number: str, name: str) -> Candidate:
    locked = _lock_plan(plan)
    _institution_require(actor, locked)
    _step("plan", "add_candidate", locked.status, "该认定计划")
    number = normalize_id_number(id_number, field="id_number")
    person_name = (name or "").strip()[:100]
    if not person_name:
        raise InvalidInput("请填写考生姓名", code="TRAINING_FIELD_REQUIRED", field="name")
    if locked.candidates.filter(id_number=number).exists():
        raise Conflict("该考生已在本计划中", code="CANDIDATE_EXISTS", field="id_number")
    candidate = Candidate.objects.create(plan=locked, id_number=number, name=person_name)
    _event("plan", locked.pk, action="add_candidate", actor=actor, data={"candidate": candidate.pk})
    return candidate


@transaction.atomic
def candidate_remove(*, actor: Actor, plan: AssessmentPlan, candidate_id: int) -> None:
    locked = _lock_plan(plan)
    _institution_require(actor, locked)
    _step("plan", "remove_candidate", locked.status, "该认定计划")
    deleted, _ = locked.candidates.filter(pk=candidate_id).delete()
    if not deleted:
        raise NotFound("该考生不在本计划中", code="CANDIDATE_NOT_IN_PLAN")
    _event(
        "plan", locked.pk, action="remove_candidate", actor=actor, data={"candidate": candidate_id}
    )


def _move(
    locked: AssessmentPlan, step: Step, actor: Actor, note: str = "", **data: Any
) -> AssessmentPlan:
    before = locked.status
    locked.status = step.target
    locked.updated_at = timezone.now()
    locked.save()
    _event(
        "plan",
        locked.pk,
        action=step.action,
        actor=actor,
        before=before,
        after=locked.status,
        note=note,
        data=data,
    )
    return locked


@transaction.atomic
def plan_submit(*, actor: Actor, plan: AssessmentPlan) -> AssessmentPlan:
    """提交: the lead time holds on the day of submission; each candidate gets a ticket."""
    locked = _lock_plan(plan)
    _institution_require(actor, locked)
    step = _step("plan", "submit", locked.status, "该认定计划")
    if locked.filing.status != AssessmentFiling.Status.APPROVED:
        raise Conflict("评价机构备案未通过，不能提交认定计划", code="FILING_NOT_APPROVED")
    _check_lead(locked.district_id, locked.exam_date, timezone.localdate())
    candidates = list(locked.candidates.order_by("pk"))
    if not candidates:
        raise InvalidInput("请先录入考生信息", code="PLAN_NO_CANDIDATES")
    for seq, candidate in enumerate(candidates, start=1):
        candidate.ticket_number = f"ZK{locked.pk:010d}{seq:04d}"
    Candidate.objects.bulk_update(candidates, ["ticket_number"])
    locked.submitted_at = timezone.now()
    return _move(locked, step, actor, candidates=len(candidates))


@transaction.atomic
def results_enter(
    *, actor: Actor, plan: AssessmentPlan, id_number: str, theory: int, skill: int
) -> Candidate:
    """录入成绩 for one candidate of the plan (refused for anyone not in it), on or after the
    exam day, while the plan is supervised."""
    locked = _lock_plan(plan)
    _institution_require(actor, locked)
    _step("plan", "enter_results", locked.status, "该认定计划")
    if timezone.localdate() < locked.exam_date:
        raise Conflict(
            f"开考日期 {locked.exam_date:%Y-%m-%d} 之前不能录入成绩", code="RESULTS_BEFORE_EXAM"
        )
    number = normalize_id_number(id_number, field="id_number")
    candidate = locked.candidates.filter(id_number=number).first()
    if candidate is None:
        raise InvalidInput(
            f"公民身份号码为 {number} 的人员不是本计划的考生，不能录入成绩",
            code="CANDIDATE_NOT_IN_PLAN",
            field="id_number",
        )
    for label, value in (("理论知识成绩", theory), ("操作技能成绩", skill)):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100:
            raise InvalidInput(
                f"{label}应为0–100的整数", code="RESULT_SCORE_INVALID", field="score"
            )
    candidate.theory_score, candidate.skill_score = theory, skill
    candidate.passed = theory >= PASS_MARK and skill >= PASS_MARK
    candidate.save(update_fields=["theory_score", "skill_score", "passed"])
    _event(
        "plan",
        locked.pk,
        action="enter_results",
        actor=actor,
        data={"candidate": candidate.pk, "theory": theory, "skill": skill},
    )
    return candidate


@transaction.atomic
def plan_confirm_results(*, actor: Actor, plan: AssessmentPlan) -> AssessmentPlan:
    locked = _lock_plan(plan)
    _institution_require(actor, locked)
    step = _step("plan", "confirm_results", locked.status, "该认定计划")
    missing = locked.candidates.filter(passed__isnull=True).count()
    if missing:
        raise InvalidInput(f"还有 {missing} 名考生未录入成绩", code="RESULTS_INCOMPLETE")
    return _move(locked, step, actor)


def certificate_digest(certificate: SkillCertificate) -> str:
    """The seal of an electronic certificate: HMAC-SHA256 over its facts."""
    facts = "|".join(
        [
            certificate.number,
            certificate.id_number,
            certificate.name,
            certificate.trade_name,
            certificate.level,
            certificate.institution_name,
            certificate.issued_on.isoformat(),
        ]
    )
    return hmac.new(settings.SECRET_KEY.encode(), facts.encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def plan_centre_act(
    *, actor: Actor, plan: AssessmentPlan, action: str, note: str = ""
) -> AssessmentPlan:
    """The centre's steps: return, assign supervision, record the supervisor's evaluation,
    approve the results (入库), issue the certificates."""
    locked = _lock_plan(plan)
    step = _step("plan", action, locked.status, "该认定计划")
    if step.who != CENTRE:
        raise Conflict("该操作由评价机构办理", code="TRAINING_STEP_NOT_ALLOWED")
    access.centre_require(actor, district=locked.district_id)
    note = _note(step, note)
    if action == "return":
        Candidate.objects.filter(plan=locked).update(ticket_number="")
    elif action == "assign":
        locked.supervisor = note[:100]
    elif action == "evaluate":
        locked.supervisor_opinion = note[:500]
    elif action == "issue":
        return _move(locked, step, actor, note, certificates=_issue(locked))
    return _move(locked, step, actor, note)


def _issue(plan: AssessmentPlan) -> int:
    """Number and seal a certificate for every passed candidate (证书编号: the institution's
    district, the year, the level and a sequence). Idempotent by the one-to-one candidate."""
    today = timezone.localdate()
    passed = list(plan.candidates.filter(passed=True, certificate__isnull=True).order_by("pk"))
    for candidate in passed:
        certificate = SkillCertificate(
            number=f"S{plan.district_id}{today:%Y}{plan.level}{candidate.pk:010d}",
            candidate=candidate,
            plan=plan,
            id_number=candidate.id_number,
            name=candidate.name,
            trade_name=plan.trade.name,
            level=plan.level,
            institution_name=plan.filing.unit.name,
            issued_on=today,
        )
        certificate.digest = certificate_digest(certificate)
        certificate.save()
    return len(passed)
