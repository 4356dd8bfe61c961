"""Writes of dispute cases: filing a mediation request or an arbitration application (online,
or a mediation request entered by the 12333 line's seat), and every action of the one
transitions table (:mod:`shebao.disputes.workflow`).

Each write runs in one transaction with its event row; a refused write leaves nothing behind.
The form's one-time key makes a double submission create one case.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from shebao.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from shebao.common.identifiers import normalize_credit_code, normalize_id_number, normalize_mobile
from shebao.common.money import to_decimal, to_fen
from shebao.disputes import access
from shebao.disputes.models import DisputeCase, DisputeEvent, DisputeType
from shebao.disputes.workflow import APPLICANT, STAFF, transition_for
from shebao.policy.selectors import param
from shebao.registry.models import Unit

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor


@dataclass(frozen=True)
class DisputeInput:
    """What a mediation request or an arbitration application says.

    ``counterpart``: for a worker's case, the unit's credit code; for a unit's case, the
    worker's ID number (with ``counterpart_name``)."""

    counterpart: str
    dispute_type: str
    claims: str
    facts: str
    counterpart_name: str = ""
    mobile: str = ""
    claim_amount: str | Decimal | None = None
    aware_date: date | None = None


def _number(kind: str, pk: int, day: datetime) -> str:
    prefix = "TJ" if kind == DisputeCase.Kind.MEDIATION else "ZC"
    return f"{prefix}{timezone.localtime(day):%Y%m%d}{pk:010d}"


def _days(key: str, *, district: str, on: date) -> int:
    return int(param(region=district, key=key, on=on).value)


def _unit_by_code(raw: str) -> Unit:
    code = normalize_credit_code(raw, field="counterpart")
    unit = Unit.objects.filter(credit_code=code).first()
    if unit is None:
        raise InvalidInput(
            f"统一社会信用代码为 {code} 的单位未在本系统登记，请核对对方单位的统一社会信用代码",
            code="DISPUTE_UNIT_NOT_FOUND",
            field="counterpart",
        )
    return unit


def _text(value: str, *, field: str, label: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput(f"请填写{label}", code="DISPUTE_FIELD_REQUIRED", field=field)
    if len(text) > limit:
        raise InvalidInput(
            f"{label}不能超过{limit}个字", code="DISPUTE_FIELD_TOO_LONG", field=field
        )
    return text


def _checked(kind: str, data: DisputeInput, today: date) -> dict[str, Any]:
    if kind not in DisputeCase.Kind.values:
        raise InvalidInput("争议申请类别无效", code="DISPUTE_KIND_INVALID")
    if data.dispute_type not in DisputeType.values:
        raise InvalidInput("请选择争议类型", code="DISPUTE_TYPE_INVALID", field="dispute_type")
    fields: dict[str, Any] = {
        "dispute_type": data.dispute_type,
        "claims": _text(data.claims, field="claims", label="请求事项", limit=1000),
        "facts": _text(data.facts, field="facts", label="事实和理由", limit=2000),
        "claim_amount_fen": None,
        "aware_date": None,
    }
    if data.claim_amount not in (None, ""):
        amount = to_decimal(data.claim_amount, field="claim_amount")
        if amount < 0 or amount != amount.quantize(Decimal("0.01")):
            raise InvalidInput(
                "请求金额应为不小于零、最多两位小数的金额",
                code="DISPUTE_AMOUNT_INVALID",
                field="claim_amount",
            )
        fields["claim_amount_fen"] = to_fen(amount)
    if kind == DisputeCase.Kind.ARBITRATION:
        if data.aware_date is None:
            raise InvalidInput(
                "请填写知道或应当知道权利被侵害的日期",
                code="DISPUTE_FIELD_REQUIRED",
                field="aware_date",
            )
        if data.aware_date > today:
            raise InvalidInput(
                "知道或应当知道权利被侵害的日期不能晚于今天",
                code="DISPUTE_AWARE_DATE_FUTURE",
                field="aware_date",
            )
        fields["aware_date"] = data.aware_date
    return fields


def _parties(actor: Actor, kind: str, data: DisputeInput) -> dict[str, Any]:
    """The worker and the unit of the case, by who files it."""
    mobile = normalize_mobile(data.mobile, field="mobile") if data.mobile else ""
    if actor.is_individual and actor.person is not None:
        unit = _unit_by_code(data.counterpart)
        return {
            "applicant_role": DisputeCase.Role.WORKER,
            "worker_name": actor.person.name,
            "worker_id_number": actor.person.id_number,
            "worker_mobile": mobile or actor.person.mobile or "",
            "unit": unit,
        }
    if actor.is_unit:
        if not access.unit_may_apply(actor, kind):
            raise PermissionDenied("您没有获得办理本事项的授权", code="MATTER_NOT_GRANTED")
        worker_id = normalize_id_number(data.counterpart, field="counterpart")
        name = _text(data.counterpart_name, field="counterpart_name", label="劳动者姓名", limit=100)
        return {
            "applicant_role": DisputeCase.Role.EMPLOYER,
            "worker_name": name,
            "worker_id_number": worker_id,
            "worker_mobile": "",
            "unit": actor.unit,
        }
    raise PermissionDenied("请以个人或单位身份登录后申请", code="FORBIDDEN")


def _event(
    case: DisputeCase,
    *,
    action: str,
    actor: Actor | None,
    before: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
) -> None:
    DisputeEvent.objects.create(
        case=case,
        action=action,
        from_status=before,
        to_status=case.status,
        actor=actor.user if actor is not None else None,
        note=note,
        data=data or {},
        at=timezone.now(),
    )


def _create(
    *,
    actor: Actor,
    kind: str,
    channel: str,
    parties: dict[str, Any],
    fields: dict[str, Any],
    submission_key: str,
) -> tuple[DisputeCase, bool]:
    key = (submission_key or "").strip()[:64]
    if not key:
        raise InvalidInput("页面已过期，请刷新后重新提交", code="SUBMISSION_KEY_REQUIRED")
    existing = DisputeCase.objects.filter(submission_key=key, created_by=actor.user).first()
    if existing is not None:
        return existing, False
    now = timezone.now()
    today = timezone.localdate(now)
    unit: Unit = parties["unit"]
    limit_key = (
        "dispute.mediation_days"
        if kind == DisputeCase.Kind.MEDIATION
        else "dispute.arbitration_accept_days"
    )
    try:
        with transaction.atomic():
            case = DisputeCase.objects.create(
                number=f"TMP{uuid.uuid4().hex[:21]}",  # replaced below, once the id is known
                kind=kind,
                status=DisputeCase.Status.SUBMITTED,
                channel=channel,
                district_id=unit.district_id,
                received_on=today,
                due_on=today
                + timedelta(days=_days(limit_key, district=unit.district_id, on=today)),
                created_by=actor.user,
                submission_key=key,
                created_at=now,
                updated_at=now,
                **parties,
                **fields,
            )
            case.number = _number(kind, case.pk, now)
            case.save(update_fields=["number"])
            _event(case, action="file", actor=actor, data={"channel": channel})
    except IntegrityError:
        existing = DisputeCase.objects.filter(submission_key=key).first()
        if existing is None or existing.created_by_id != actor.user.pk:
            raise Conflict("请勿重复提交", code="DISPUTE_DUPLICATE") from None
        return existing, False
    return case, True


@transaction.atomic
def dispute_file(
    *, actor: Actor, kind: str, data: DisputeInput, submission_key: str
) -> tuple[DisputeCase, bool]:
    """A worker or a unit files a mediation request or an arbitration application online.
    Returns ``(case, created)``; the same ``submission_key`` again returns the first case."""
    today = timezone.localdate()
    fields = _checked(kind, data, today)
    parties = _parties(actor, kind, data)
    return _create(
        actor=actor,
        kind=kind,
        channel=DisputeCase.Channel.ONLINE,
        parties=parties,
        fields=fields,
        submission_key=submission_key,
    )


@transaction.atomic
def dispute_hotline_enter(
    *,
    actor: Actor,
    caller_name: str,
    caller_id_number: str,
    caller_mobile: str,
    data: DisputeInput,
    submission_key: str,
) -> tuple[DisputeCase, bool]:
    """The 12333 line's seat (在线调解申请专席) enters a caller's mediation request against a
    unit of the registry; the case is the caller's, as if filed online."""
    if not actor.is_staff:
        raise PermissionDenied("只有经办人员可以代为录入调解申请", code="FORBIDDEN")
    access.hotline_require(actor, district=None)
    today = timezone.localdate()
    fields = _checked(DisputeCase.Kind.MEDIATION, data, today)
    unit = _unit_by_code(data.counterpart)
    access.hotline_require(actor, district=unit.district_id)
    parties = {
        "applicant_role": DisputeCase.Role.WORKER,
        "worker_name": _text(caller_name, field="caller_name", label="来电人姓名", limit=100),
        "worker_id_number": normalize_id_number(caller_id_number, field="caller_id_number"),
        "worker_mobile": normalize_mobile(caller_mobile, field="caller_mobile"),
        "unit": unit,
    }
    return _create(
        actor=actor,
        kind=DisputeCase.Kind.MEDIATION,
        channel=DisputeCase.Channel.HOTLINE,
        parties=parties,
        fields=fields,
        submission_key=submission_key,
    )


@transaction.atomic
def dispute_act(
    *,
    actor: Actor,
    case: DisputeCase,
    action: str,
    note: str = "",
    hearing_at: datetime | None = None,
    hearing_place: str = "",
) -> DisputeCase:
    """Take ``action`` (a row of the transitions table) on the case, under its row lock."""
    locked = DisputeCase.objects.select_for_update().get(pk=case.pk)
    row = transition_for(locked, action)
    if row is None:
        raise Conflict(
            f"案件当前状态为“{locked.get_status_display()}”，不能办理该操作，请刷新后重试",
            code="DISPUTE_ACTION_NOT_ALLOWED",
        )
    if row.who == STAFF:
        access.handler_require(actor, district=locked.district_id)
    elif row.who == APPLICANT and not access.is_applicant(actor, locked):
        if access.is_handler(actor, locked) or access.is_respondent(actor, locked):
            raise PermissionDenied("只有申请人可以撤回申请", code="DISPUTE_APPLICANT_ONLY")
        raise NotFound("未找到该争议案件", code="DISPUTE_NOT_FOUND")
    note = (note or "").strip()
    if row.note == "required" and not note:
        raise InvalidInput(f"请填写{row.note_label}", code="DISPUTE_NOTE_REQUIRED", field="note")
    if len(note) > 2000:
        raise InvalidInput("说明不能超过2000个字", code="DISPUTE_FIELD_TOO_LONG", field="note")
    now = timezone.now()
    today = timezone.localdate(now)
    data: dict[str, Any] = {}
    before = locked.status
    if row.hearing:
        if hearing_at is None:
            raise InvalidInput(
                "请填写开庭时间", code="DISPUTE_HEARING_REQUIRED", field="hearing_at"
            )
        notice = _days("dispute.hearing_notice_days", district=locked.district_id, on=today)
        earliest = today + timedelta(days=notice)
        if timezone.localdate(hearing_at) < earliest:
            raise InvalidInput(
                f"开庭日期须在书面通知双方当事人{notice}日之后，最早为 {earliest:%Y-%m-%d}",
                code="DISPUTE_HEARING_TOO_SOON",
                field="hearing_at",
            )
        place = _text(hearing_place, field="hearing_place", label="开庭地点", limit=200)
        locked.hearing_at, locked.hearing_place = hearing_at, place
        data = {"hearing_at": timezone.localtime(hearing_at).isoformat(), "place": place}
    if action in ("accept",):
        locked.accepted_on = today
        award = _days("dispute.award_days", district=locked.district_id, on=today)
        locked.award_due_on = today + timedelta(days=award)
    locked.status = row.target
    if row.outcome:
        locked.outcome, locked.outcome_text, locked.closed_on = row.outcome, note, today
    locked.updated_at = now
    locked.save()
    _event(locked, action=action, actor=actor, before=before, note=note, data=data)
    return locked
