"""Mail-in materials (邮寄材料, seed 000): an applicant records that paper materials went by
post — the carrier and its tracking number (format checked), the materials enclosed — and is
told where to send them (the receiving section's address from the region's directory,
:mod:`shebao.registry.directory`) and what the envelope's remark field must say. Staff who
review the case record the receipt; the 容缺 materials the envelope holds are supplied then, in
the same transaction, and a case not yet accepted counts them as present at acceptance.

The case keeps its state throughout: these are audit-trail events (``mail_sent``,
``mail_received``), not transitions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from shebao.applications import selectors
from shebao.applications.models import Application, ApplicationEvent, MailIn
from shebao.common.errors import Conflict, InvalidInput, NotFound
from shebao.notifications.services import notify
from shebao.registry.directory import MailAddress, directory_for

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor

Status = Application.Status
Carrier = MailIn.Carrier

# While the agency waits for or works on the case, materials may follow by post.
MAIL_STATES = (Status.SUBMITTED, Status.ACCEPTED)
CONTACT_MAX_LENGTH = 50

# The UPU S10 item identifier (EMS, registered letters and parcels of China Post: two letters,
# eight digits, a check digit, the country code, e.g. EA123456785CN), China Post's 13-digit
# domestic numbers, and SF Express's SF + 12 or 13 digits.
_S10 = re.compile(r"^[A-Z]{2}(\d{8})(\d)[A-Z]{2}$")
_DOMESTIC = re.compile(r"^\d{13}$")
_SF = re.compile(r"^SF\d{12,13}$")
_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
TRACKING_HINTS = {
    Carrier.EMS: "EMS运单号为13位：两个字母＋9位数字＋两个字母（如 EA123456785CN），或13位数字",
    Carrier.POST: "中国邮政运单号为13位：两个字母＋9位数字＋两个字母（如 XA123456785CN），或13位数字",
    Carrier.SF: "顺丰运单号为 SF 加12或13位数字（如 SF1234567890123）",
}


def s10_check_digit(serial: str) -> int:
    """The check digit of an S10 identifier's eight-digit serial number (UPU S10)."""
    total = sum(int(d) * w for d, w in zip(serial, _S10_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: 0, 11: 5}.get(check, check)


def tracking_number_normalize(*, carrier: str, raw: str) -> str:
    """The tracking number in its one spelling (upper case, no spaces), or InvalidInput
    ``TRACKING_NUMBER_INVALID`` with the carrier's format in Chinese."""
    if carrier not in Carrier.values:
        raise InvalidInput("请选择寄递企业", code="CARRIER_INVALID", field="carrier")
    text = re.sub(r"[\s-]", "", str(raw or "")).upper()
    hint = TRACKING_HINTS[Carrier(carrier)]
    if carrier == Carrier.SF:
        valid = bool(_SF.match(text))
    else:
        s10 = _S10.match(text)
        if s10 and s10_check_digit(s10.group(1)) != int(s10.group(2)):
            raise InvalidInput(
                f"运单号校验位不正确，请核对后重新输入（{hint}）",
                code="TRACKING_NUMBER_INVALID",
                field="tracking_number",
            )
        valid = bool(s10) or bool(_DOMESTIC.match(text))
    if not valid:
        raise InvalidInput(
            f"运单号格式不正确：{hint}", code="TRACKING_NUMBER_INVALID", field="tracking_number"
        )
    return text


@dataclass(frozen=True)
class Destination:
    recipient: str
    address: str
    postal_code: str
    note: str  # what the envelope's remark field must carry


def destination(application: Application) -> Destination | None:
    """Where the case's paper materials go, or None where the region publishes no address."""
    found = directory_for(application.district_id)
    mail: MailAddress | None = found.mail if found else None
    if found is None or mail is None:
        return None
    section = found.section_of(application.department_id) or application.department.name
    return Destination(
        recipient=mail.recipient_for(section),
        address=mail.address,
        postal_code=mail.postal_code,
        note=mail.note_for(application.matter.name),
    )


def _event(application: Application, *, action: str, actor: Actor, data: dict[str, Any]) -> None:
    ApplicationEvent.objects.create(
        application=application,
        action=action,
        from_status=application.status,
        to_status=application.status,
        actor=actor.user,
        actor_kind=actor.kind,
        actor_context=actor.context,
        data=data,
        at=timezone.now(),
    )


def _codes(application: Application, codes: list[str]) -> list[str]:
    known = {spec.get("code") for spec in application.matter.materials}
    chosen = list(dict.fromkeys(str(c).strip() for c in codes if str(c).strip()))
    if not chosen:
        raise InvalidInput("请勾选邮寄的材料", code="MAIL_CODES_REQUIRED", field="codes")
    if not set(chosen) <= known:
        raise InvalidInput("请选择本事项的材料", code="MATERIAL_CODE_UNKNOWN", field="codes")
    return chosen


def _names(application: Application, codes: list[str]) -> str:
    by_code = {
        spec.get("code"): spec.get("name", spec.get("code"))
        for spec in application.matter.materials
    }
    return "、".join(by_code.get(c, c) for c in codes)


@transaction.atomic
def mail_in_declare(
    *,
    actor: Actor,
    application: Application,
    carrier: str,
    tracking_number: str,
    codes: list[str],
    contact: str,
) -> tuple[MailIn, bool]:
    """The applicant records the post of paper materials. The same tracking number again on the
    same case returns the first record (``created`` False); on another case it is refused."""
    from shebao.applications.services import _lock

    locked = _lock(actor=actor, application=application, role="applicant")
    if locked.status not in MAIL_STATES:
        raise Conflict(
            f"申请当前状态为“{locked.status_label}”，不能登记邮寄材料",
            code="MAIL_NOT_ALLOWED",
        )
    number = tracking_number_normalize(carrier=carrier, raw=tracking_number)
    existing = MailIn.objects.filter(carrier=carrier, tracking_number=number).first()
    if existing is not None:
        if existing.application_id == locked.pk:
            return existing, False
        raise Conflict(
            "该运单号已被其他申请登记，请核对", code="TRACKING_NUMBER_USED", field="tracking_number"
        )
    chosen = _codes(locked, codes)
    contact = (contact or "").strip()
    if not contact:
        raise InvalidInput("请填写联系电话、QQ或微信号", code="CONTACT_REQUIRED", field="contact")
    if len(contact) > CONTACT_MAX_LENGTH:
        raise InvalidInput(
            f"联系方式不能超过{CONTACT_MAX_LENGTH}个字", code="CONTACT_TOO_LONG", field="contact"
        )
    target = destination(locked)
    if target is None:
        raise Conflict(
            "本地区未公布纸质材料的邮寄地址，请网上上传材料或到经办服务大厅提交",
            code="MAIL_NOT_OFFERED",
        )
    try:
        with transaction.atomic():
            mailing = MailIn.objects.create(
                application=locked,
                carrier=carrier,
                tracking_number=number,
                codes=chosen,
                contact=contact,
                recipient=target.recipient,
                address=target.address,
                postal_code=target.postal_code,
                note=f"申请办理“{locked.matter.name}”业务，申请编号 {locked.number}，联系方式 {contact}",
                sent_at=timezone.now(),
                sent_by=actor.user,
            )
    except IntegrityError as clash:
        raise Conflict(
            "该运单号已被登记，请核对", code="TRACKING_NUMBER_USED", field="tracking_number"
        ) from clash
    _event(
        locked,
        action=ApplicationEvent.Action.MAIL_SENT,
        actor=actor,
        data={
            "mailing": mailing.pk,
            "carrier": carrier,
            "tracking_number": number,
            "codes": chosen,
            "names": _names(locked, chosen),
        },
    )
    if locked.assigned_to_id is not None:
        notify(
            recipient=locked.assigned_to,  # type: ignore[arg-type]
            context="staff",
            title="申请人已邮寄纸质材料",
            body=(
                f"申请 {locked.number}（{locked.matter.name}）的申请人已邮寄{_names(locked, chosen)}，"
                f"运单号 {number}，收到后请登记签收。"
            ),
            link=f"/applications/{locked.number}/",
        )
    return mailing, True


@transaction.atomic
def mail_in_receive(*, actor: Actor, application: Application, mailing: int) -> MailIn:
    """Staff who review the case record that the envelope arrived. Outstanding 容缺 materials it
    holds are supplied now (and the reviewer hears when none remain); the applicant is told."""
    from shebao.applications.services import _lock, _notify_applicant

    locked = _lock(actor=actor, application=application, role="reviewer")
    found = MailIn.objects.select_for_update().filter(pk=mailing, application=locked).first()
    if found is None:
        raise NotFound("未找到该邮寄记录", code="MAILING_NOT_FOUND")
    if found.received_at is not None:
        raise Conflict(
            f"该邮件已于{timezone.localtime(found.received_at):%Y年%m月%d日}签收",
            code="MAILING_ALREADY_RECEIVED",
        )
    now = timezone.now()
    found.received_at = now
    found.received_by = actor.user
    found.save(update_fields=["received_at", "received_by"])
    supplied: list[str] = []
    if locked.status == Status.ACCEPTED:
        for deferred in locked.deferred.select_for_update().filter(
            code__in=found.codes,
            supplied_at__isnull=True,
            lapsed_at__isnull=True,
            cancelled_at__isnull=True,
        ):
            deferred.supplied_at = now
            deferred.supplied_by_mail = found
            deferred.save(update_fields=["supplied_at", "supplied_by_mail"])
            supplied.append(deferred.name)
    remaining = locked.deferred.filter(
        supplied_at__isnull=True, lapsed_at__isnull=True, cancelled_at__isnull=True
    ).count()
    _event(
        locked,
        action=ApplicationEvent.Action.MAIL_RECEIVED,
        actor=actor,
        data={
            "mailing": found.pk,
            "tracking_number": found.tracking_number,
            "supplied": supplied,
            "remaining": remaining,
        },
    )
    body = f"您为申请 {locked.number}（{locked.matter.name}）邮寄的材料（运单号 {found.tracking_number}）已签收。"
    if supplied:
        body += f"已补交：{'、'.join(supplied)}。"
    _notify_applicant(locked, title="邮寄材料已签收", body=body, sms=False)
    return found


def mail_overview(*, actor: Actor, application: Application) -> dict[str, Any]:
    """What the case page shows of mail-in: the records, where to send, who may do what."""
    mailings = list(application.mailings.order_by("sent_at", "id"))
    applicant = selectors.is_applicant_side(actor, application)
    target = destination(application)
    outstanding = {d.code for d in application.deferred.all() if d.outstanding}
    return {
        "mailings": mailings,
        "destination": target,
        "can_declare": applicant and application.status in MAIL_STATES and target is not None,
        "can_receive": selectors.is_reviewer(actor, application),
        # Nothing owed on paper and nothing sent yet: mailing is offered, not asked for.
        "optional": not outstanding and not mailings,
        "carriers": Carrier.choices,
        "materials": [
            {**spec, "checked": spec.get("code") in outstanding}
            for spec in application.matter.materials
        ],
    }
