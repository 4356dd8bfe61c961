"""Writes: certificate requests, issuing, revocation, sign-in challenges and certificate sign-in.

Every change writes a :class:`~shebao.pki.models.PkiEvent` in its transaction; every sign-in
attempt, refused or not, writes a :class:`~shebao.pki.models.CaSignInAttempt`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from shebao.accounts import actors
from shebao.accounts.actors import Actor
from shebao.accounts.capabilities import Capability, districts_for, staff_may
from shebao.accounts.models import UnitMembership, User
from shebao.accounts.tokens import token_issue
from shebao.common import limits
from shebao.common.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    Unauthenticated,
)
from shebao.common.identifiers import mask_id_number, normalize_credit_code, normalize_id_number
from shebao.common.text import sentence
from shebao.notifications.services import notify
from shebao.pki import ca
from shebao.pki.models import (
    CaChallenge,
    CaSignInAttempt,
    CertificateRequest,
    PkiEvent,
    UnitCertificate,
)
from shebao.registry.models import Person, Unit

DEFAULT_CHALLENGE_SECONDS = 300  # long enough to run the client by hand, short for replay
CHALLENGE_PURGE_AFTER = timedelta(hours=1)  # expired challenges are kept this long, then deleted
REASON_MAX = 200
SUPERSEDED_REASON = "已换发新证书"
MEMBERSHIP_ENDED_REASON = "持证人的单位用户授权已取消"

R = TypeVar("R")


def challenge_seconds() -> int:
    return int(getattr(settings, "SHEBAO_CA_CHALLENGE_SECONDS", DEFAULT_CHALLENGE_SECONDS))


def _event(
    *,
    kind: str,
    actor: Actor | None,
    unit: Unit | None = None,
    request: CertificateRequest | None = None,
    certificate: UnitCertificate | None = None,
    note: str = "",
) -> PkiEvent:
    return PkiEvent.objects.create(
        kind=kind,
        actor=actor.user if actor else None,
        actor_context=actor.context if actor else "",
        unit=unit,
        request=request,
        certificate=certificate,
        note=note[:300],
    )


def _unit_context(unit: Unit) -> str:
    return f"{actors.UNIT}:{unit.pk}"


def _clean_reason(reason: str) -> str:
    text = " ".join((reason or "").split())
    if not text:
        raise InvalidInput("请填写原因", code="REASON_REQUIRED", field="reason")
    if len(text) > REASON_MAX:
        raise InvalidInput(
            f"原因不能超过 {REASON_MAX} 个字", code="REASON_TOO_LONG", field="reason"
        )
    return text


# ---------------------------------------------------------------------------------------------
# Requests and issuing


def _holder_subject(*, user: User, unit: Unit) -> ca.HolderSubject:
    """What a certificate for ``user`` acting for ``unit`` must name, from the registry."""
    person = user.person
    if person is None:
        raise InvalidInput(
            "持证人尚未完成实名登记（没有公民身份号码），不能办理CA证书",
            code="CA_HOLDER_NO_ID",
        )
    return ca.HolderSubject(
        name=person.name,
        id_number=person.id_number,
        unit_name=unit.name,
        credit_code=unit.credit_code,
    )


def _check_subject(found: ca.HolderSubject, expected: ca.HolderSubject, *, field: str) -> None:
    """The CSR must name the holder and the unit it is meant for. The unit *name* in the CSR is
    not compared: the certificate always carries the registered name."""
    if found.id_number != expected.id_number:
        raise InvalidInput(
            f"证书请求中的公民身份号码（{found.id_number or '空'}）与持证人的实名信息"
            f"（{mask_id_number(expected.id_number)}）不一致，请核对后重新生成证书请求",
            code="CA_CSR_ID_MISMATCH",
            field=field,
        )
    if found.credit_code != expected.credit_code:
        raise InvalidInput(
            f"证书请求中的统一社会信用代码（{found.credit_code or '空'}）与本单位"
            f"（{expected.credit_code}）不一致，请核对后重新生成证书请求",
            code="CA_CSR_UNIT_MISMATCH",
            field=field,
        )
    if found.name != expected.name:
        raise InvalidInput(
            f"证书请求中的姓名（{found.name or '空'}）与持证人的实名信息（{expected.name}）不一致，"
            "请核对后重新生成证书请求",
            code="CA_CSR_NAME_MISMATCH",
            field=field,
        )


def _check_key_reusable(*, public_key_fingerprint: str, field: str) -> None:
    """A key whose certificate was revoked may have been lost or stolen: never certify it again.
    A key already in a valid certificate is not certified twice either."""
    used = UnitCertificate.objects.filter(public_key_fingerprint=public_key_fingerprint)
    if used.filter(status=UnitCertificate.Status.REVOKED).exists():
        raise InvalidInput(
            "该密钥对应的证书已被注销，不能再次使用。请用“证书助手”重新生成密钥和证书请求",
            code="CA_KEY_REVOKED",
            field=field,
        )
    if used.filter(status=UnitCertificate.Status.ACTIVE, not_after__gt=timezone.now()).exists():
        raise Conflict(
            "该密钥已签发过有效证书，请直接在“CA证书”页面下载使用",
            code="CA_KEY_ALREADY_CERTIFIED",
            field=field,
        )


def _locked_membership(*, user: User, unit: Unit) -> UnitMembership | None:
    return (
        UnitMembership.objects.select_for_update()
        .filter(user=user, unit=unit, revoked_at__isnull=True)
        .first()
    )


@transaction.atomic
def certificate_request_submit(*, actor: Actor, csr_pem: str | bytes) -> CertificateRequest:
    """A unit user (any role) asks for a certificate for themselves, for the unit they act for.

    The same CSR submitted twice gives the one pending request.
    """
    actor.require(actors.UNIT)
    assert actor.user is not None and actor.unit is not None
    # Locking the holder's membership serialises their submissions (a double click).
    membership = _locked_membership(user=actor.user, unit=actor.unit)
    if membership is None:
        raise PermissionDenied("您已不是本单位的用户", code="FORBIDDEN")
    facts = ca.csr_parse(csr_pem)
    _check_subject(facts.subject, _holder_subject(user=actor.user, unit=actor.unit), field="csr")
    pending = CertificateRequest.objects.filter(
        user=actor.user, unit=actor.unit, status=CertificateRequest.Status.PENDING
    ).first()
    if pending is not None:
        if pending.public_key_fingerprint == facts.public_key_fingerprint:
            return pending
        raise Conflict(
            "您已有一份待审核的证书申请。如需更换密钥，请先撤回原申请再提交",
            code="CA_REQUEST_PENDING",
            field="csr",
        )
    _check_key_reusable(public_key_fingerprint=facts.public_key_fingerprint, field="csr")
    request = CertificateRequest.objects.create(
        unit=actor.unit,
        user=actor.user,
        membership=membership,
        csr_pem=facts.pem,
        public_key_fingerprint=facts.public_key_fingerprint,
        channel=CertificateRequest.Channel.ONLINE,
        submitted_by=actor.user,
    )
    _event(kind=PkiEvent.Kind.REQUEST_SUBMITTED, actor=actor, unit=actor.unit, request=request)
    return request


@transaction.atomic
def certificate_request_withdraw(*, actor: Actor, request_id: int) -> CertificateRequest:
    """The holder withdraws their own pending request."""
    actor.require(actors.UNIT)
    request = (
        CertificateRequest.objects.select_for_update()
        .filter(pk=request_id, user=actor.user, unit=actor.unit)
        .first()
    )
    if request is None:
        raise NotFound("未找到该证书申请", code="CA_REQUEST_NOT_FOUND")
    if request.status == CertificateRequest.Status.WITHDRAWN:
        return request
    if request.status != CertificateRequest.Status.PENDING:
        raise Conflict(
            f"该申请{request.get_status_display()}，不能撤回", code="CA_REQUEST_NOT_PENDING"
        )
    request.status = CertificateRequest.Status.WITHDRAWN
    request.decided_by = actor.user
    request.decided_at = timezone.now()
    request.save(update_fields=["status", "decided_by", "decided_at"])
    _event(kind=PkiEvent.Kind.REQUEST_WITHDRAWN, actor=actor, unit=request.unit, request=request)
    return request


def _staff_request(*, actor: Actor, request_id: int) -> CertificateRequest:
    actor.require(actors.STAFF)
    request = (
        CertificateRequest.objects.select_for_update()
        .select_related("unit", "user")
        .filter(pk=request_id, unit__district_id__in=districts_for(actor, Capability.MANAGE_CA))
        .first()
    )
    if request is None:
        raise NotFound("未找到该证书申请，或不属于您负责的区县", code="CA_REQUEST_NOT_FOUND")
    return request


def _issue(
    *, actor: Actor, request: CertificateRequest, public_key: object, subject: ca.HolderSubject
) -> UnitCertificate:
    """Sign and record the certificate; earlier valid certificates of the same holder for the
    same unit are revoked (a renewal replaces, never adds)."""
    authority = ca.ca_ensure()
    cert = ca.certificate_build(authority=authority, public_key=public_key, subject=subject)
    now = timezone.now()
    for old in UnitCertificate.objects.select_for_update().filter(
        user=request.user, unit=request.unit, status=UnitCertificate.Status.ACTIVE
    ):
        _revoke(actor=actor, certificate=old, reason=SUPERSEDED_REASON, now=now)
    certificate = UnitCertificate.objects.create(
        authority=authority,
        request=request,
        user=request.user,
        unit=request.unit,
        holder_name=subject.name,
        holder_id_number=subject.id_number,
        unit_name=subject.unit_name,
        credit_code=subject.credit_code,
        serial=ca.serial_hex(cert.serial_number),
        fingerprint=ca.certificate_fingerprint(cert),
        public_key_fingerprint=ca.public_key_fingerprint(public_key),
        certificate_pem=ca.certificate_pem(cert),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        issued_by=actor.user,
        issued_at=now,
    )
    request.status = CertificateRequest.Status.ISSUED
    request.decided_by = actor.user
    request.decided_at = now
    request.save(update_fields=["status", "decided_by", "decided_at"])
    _event(
        kind=PkiEvent.Kind.CERTIFICATE_ISSUED,
        actor=actor,
        unit=request.unit,
        request=request,
        certificate=certificate,
        note=f"序列号 {certificate.serial}，有效期至 {timezone.localtime(certificate.not_after):%Y-%m-%d}",
    )
    notify(
        recipient=request.user,
        context=_unit_context(request.unit),
        title="CA证书已签发",
        body=(
            f"您为“{request.unit.name}”申请的CA证书已签发，有效期至 "
            f"{timezone.localtime(certificate.not_after):%Y年%m月%d日}。"
            "请在“CA证书”页面下载证书文件，与私钥放在一起用于登录。"
        ),
        link=reverse("pki:certificate", args=[certificate.pk]),
        category="account",
    )
    return certificate


@transaction.atomic
def certificate_request_approve(*, actor: Actor, request_id: int) -> UnitCertificate:
    """Staff of the unit's district issue the certificate a pending request asks for.

    Approving an already issued request returns its certificate (a double click issues once).
    """
    request = _staff_request(actor=actor, request_id=request_id)
    if request.status == CertificateRequest.Status.ISSUED:
        return request.certificate
    if request.status != CertificateRequest.Status.PENDING:
        raise Conflict(
            f"该申请{request.get_status_display()}，不能签发", code="CA_REQUEST_NOT_PENDING"
        )
    if _locked_membership(user=request.user, unit=request.unit) is None:
        raise Conflict(
            "申请人已不是该单位的用户，不能签发；请退回该申请", code="CA_HOLDER_NOT_MEMBER"
        )
    facts = ca.csr_parse(request.csr_pem)
    # The registry may have changed since the request: check again against today's records.
    subject = _holder_subject(user=request.user, unit=request.unit)
    _check_subject(facts.subject, subject, field="csr")
    _check_key_reusable(public_key_fingerprint=facts.public_key_fingerprint, field="csr")
    return _issue(actor=actor, request=request, public_key=facts.public_key, subject=subject)


@transaction.atomic
def certificate_request_reject(*, actor: Actor, request_id: int, reason: str) -> CertificateRequest:
    """Staff return a pending request with a reason; the holder is told."""
    text = _clean_reason(reason)
    request = _staff_request(actor=actor, request_id=request_id)
    if request.status != CertificateRequest.Status.PENDING:
        raise Conflict(
            f"该申请{request.get_status_display()}，不能退回", code="CA_REQUEST_NOT_PENDING"
        )
    request.status = CertificateRequest.Status.REJECTED
    request.decided_by = actor.user
    request.decided_at = timezone.now()
    request.decision_note = text
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    _event(
        kind=PkiEvent.Kind.REQUEST_REJECTED,
        actor=actor,
        unit=request.unit,
        request=request,
        note=text,
    )
    notify(
        recipient=request.user,
        context=_unit_context(request.unit),
        title="CA证书申请被退回",
        body=f"您为“{request.unit.name}”提交的CA证书申请被退回，原因：{sentence(text)}",
        link=reverse("pki:unit"),
        category="account",
    )
    return request


@transaction.atomic
def certificate_issue_at_counter(
    *, actor: Actor, credit_code: str, id_number: str, csr_pem: str | bytes
) -> UnitCertificate:
    """Staff issue a certificate at the counter from the holder's CSR (brought on a USB disk).

    The holder must be a current user of the unit. Submitting the same CSR twice gives the one
    certificate. A pending online request of the holder is closed: the counter replaces it.
    """
    actor.require(actors.STAFF)
    code = normalize_credit_code(credit_code)
    number = normalize_id_number(id_number)
    unit = Unit.objects.filter(
        credit_code=code, district_id__in=districts_for(actor, Capability.MANAGE_CA)
    ).first()
    if unit is None:
        raise NotFound(
            "您负责的区县中没有该统一社会信用代码的单位",
            code="CA_UNIT_NOT_FOUND",
            field="credit_code",
        )
    person = Person.objects.filter(id_number=number).first()
    user = User.objects.filter(person=person).first() if person else None
    membership = _locked_membership(user=user, unit=unit) if user else None
    if user is None or membership is None:
        raise InvalidInput(
            "该人员不是本单位的在册用户（法定代表人、管理员或经办人），请先办理单位用户授权",
            code="CA_HOLDER_NOT_MEMBER",
            field="id_number",
        )
    facts = ca.csr_parse(csr_pem)
    subject = _holder_subject(user=user, unit=unit)
    _check_subject(facts.subject, subject, field="csr")
    existing = UnitCertificate.objects.filter(
        user=user,
        unit=unit,
        public_key_fingerprint=facts.public_key_fingerprint,
        status=UnitCertificate.Status.ACTIVE,
        not_after__gt=timezone.now(),
    ).first()
    if existing is not None:
        return existing
    _check_key_reusable(public_key_fingerprint=facts.public_key_fingerprint, field="csr")
    now = timezone.now()
    for pending in CertificateRequest.objects.select_for_update().filter(
        user=user, unit=unit, status=CertificateRequest.Status.PENDING
    ):
        pending.status = CertificateRequest.Status.REJECTED
        pending.decided_by = actor.user
        pending.decided_at = now
        pending.decision_note = "已在柜台另行办理"
        pending.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        _event(
            kind=PkiEvent.Kind.REQUEST_REJECTED,
            actor=actor,
            unit=unit,
            request=pending,
            note=pending.decision_note,
        )
    request = CertificateRequest.objects.create(
        unit=unit,
        user=user,
        membership=membership,
        csr_pem=facts.pem,
        public_key_fingerprint=facts.public_key_fingerprint,
        channel=CertificateRequest.Channel.COUNTER,
        submitted_by=actor.user,
        submitted_at=now,
    )
    _event(kind=PkiEvent.Kind.REQUEST_SUBMITTED, actor=actor, unit=unit, request=request)
    return _issue(actor=actor, request=request, public_key=facts.public_key, subject=subject)


# ---------------------------------------------------------------------------------------------
# Revocation


def _revoke(
    *, actor: Actor | None, certificate: UnitCertificate, reason: str, now: datetime
) -> None:
    certificate.status = UnitCertificate.Status.REVOKED
    certificate.revoked_at = now
    certificate.revoked_by = actor.user if actor else None
    certificate.revocation_reason = reason
    certificate.save(update_fields=["status", "revoked_at", "revoked_by", "revocation_reason"])
    _event(
        kind=PkiEvent.Kind.CERTIFICATE_REVOKED,
        actor=actor,
        unit=certificate.unit,
        certificate=certificate,
        note=reason,
    )


def may_revoke(*, actor: Actor, certificate: UnitCertificate) -> bool:
    """Staff with MANAGE_CA in the unit's district; the unit's legal representative or
    administrator; the holder (a lost key)."""
    if actor.is_staff:
        return staff_may(actor, Capability.MANAGE_CA, region=certificate.unit.district_id)
    if actor.is_unit and actor.unit is not None and certificate.unit_id == actor.unit.pk:
        return actor.is_unit_manager or certificate.user_id == actor.user.pk  # type: ignore[union-attr]
    return False


@transaction.atomic
def certificate_revoke(*, actor: Actor, certificate_id: int, reason: str) -> UnitCertificate:
    """Revoke a certificate for good: it can never sign in again."""
    actor.require(actors.STAFF, actors.UNIT)
    text = _clean_reason(reason)
    certificate = (
        UnitCertificate.objects.select_for_update()
        .select_related("unit", "user")
        .filter(pk=certificate_id)
        .first()
    )
    if certificate is None or not may_revoke(actor=actor, certificate=certificate):
        raise NotFound("未找到该证书，或您无权注销", code="CA_CERT_NOT_FOUND")
    if certificate.status == UnitCertificate.Status.REVOKED:
        raise Conflict("该证书已注销", code="CA_CERT_ALREADY_REVOKED")
    _revoke(actor=actor, certificate=certificate, reason=text, now=timezone.now())
    if certificate.user_id != actor.user.pk:  # type: ignore[union-attr]
        notify(
            recipient=certificate.user,
            context=_unit_context(certificate.unit),
            title="CA证书已注销",
            body=(
                f"您在“{certificate.unit_name}”的CA证书（序列号 {certificate.serial[:16]}…）"
                f"已被注销，原因：{sentence(text)}该证书不能再用于登录。"
            ),
            link=reverse("pki:unit"),
            category="account",
        )
    return certificate


@transaction.atomic
def certificates_revoke_for_membership(*, membership: UnitMembership) -> int:
    """Revoke the valid certificates a revoked unit role still held; returns how many.

    Called at certificate sign-in; the accounts app may also call it when it revokes a role.
    Does nothing while the membership is active.
    """
    if membership.revoked_at is None:
        return 0
    now = timezone.now()
    certificates = UnitCertificate.objects.select_for_update().filter(
        user_id=membership.user_id,
        unit_id=membership.unit_id,
        status=UnitCertificate.Status.ACTIVE,
    )
    # Another active membership of the same user in the same unit keeps the certificates.
    if UnitMembership.objects.filter(
        user_id=membership.user_id, unit_id=membership.unit_id, revoked_at__isnull=True
    ).exists():
        return 0
    count = 0
    for certificate in certificates.select_related("unit"):
        _revoke(actor=None, certificate=certificate, reason=MEMBERSHIP_ENDED_REASON, now=now)
        count += 1
    return count


@transaction.atomic
def certificates_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Housekeeping (``manage.py pki_sweep``): revoke certificates whose holder's unit role
    has ended and delete long-expired challenges."""
    now = now or timezone.now()
    active_role = UnitMembership.objects.filter(
        user_id=OuterRef("user_id"), unit_id=OuterRef("unit_id"), revoked_at__isnull=True
    )
    orphaned = (
        UnitCertificate.objects.select_for_update()
        .filter(status=UnitCertificate.Status.ACTIVE)
        .exclude(Exists(active_role))
    )
    revoked = 0
    for certificate in orphaned:
        _revoke(actor=None, certificate=certificate, reason=MEMBERSHIP_ENDED_REASON, now=now)
        revoked += 1
    purged, _ = CaChallenge.objects.filter(expires_at__lt=now - CHALLENGE_PURGE_AFTER).delete()
    return {"revoked": revoked, "challenges_purged": purged}


# ---------------------------------------------------------------------------------------------
# Sign-in


@transaction.atomic
def challenge_issue(*, channel: str, ip: str | None = None) -> CaChallenge:
    """A fresh single-use challenge, valid for ``SHEBAO_CA_CHALLENGE_SECONDS``. Anyone may ask,
    so each client address gets a limited number (``ca_challenges``: ``RATE_LIMITED``)."""
    limits.limit_take("ca_challenges", ip)
    now = timezone.now()
    CaChallenge.objects.filter(expires_at__lt=now - CHALLENGE_PURGE_AFTER).delete()
    return CaChallenge.objects.create(
        value=secrets.token_hex(16),  # 128 random bits; hex so it is safe on any command line
        channel=channel,
        created_at=now,
        expires_at=now + timedelta(seconds=challenge_seconds()),
    )


@dataclass(frozen=True)
class SignIn:
    """A successful certificate sign-in: who, for which unit, with which certificate."""

    certificate: UnitCertificate
    user: User
    unit: Unit
    context: str


@dataclass(frozen=True)
class IssuedToken:
    token: str
    context: str
    expires_at: datetime


@dataclass
class _Attempt:
    """What is known about an attempt so far, for its audit row."""

    channel: str
    challenge: str
    ip: str | None
    user_agent: str
    certificate: UnitCertificate | None = None
    fingerprint: str = ""
    serial: str = ""
    membership_ended: UnitMembership | None = field(default=None)

    def record(self, *, outcome: str, code: str, message: str = "") -> CaSignInAttempt:
        return CaSignInAttempt.objects.create(
            channel=self.channel,
            outcome=outcome,
            code=code,
            message=message[:200],
            certificate=self.certificate,
            fingerprint=self.fingerprint,
            serial=self.serial,
            user=self.certificate.user if self.certificate else None,
            unit=self.certificate.unit if self.certificate else None,
            challenge=self.challenge[:64],
            ip=self.ip,
            user_agent=self.user_agent[:200],
        )


def _refuse(code: str, message: str, *, field: str | None = None) -> Unauthenticated:
    return Unauthenticated(message, code=code, field=field)


def _verify(
    attempt: _Attempt,
    *,
    certificate_pem: str | bytes,
    signature: str,
    session_challenges: Collection[str] | None,
) -> SignIn:
    now = timezone.now()
    cert = ca.certificate_parse(certificate_pem)
    attempt.fingerprint = ca.certificate_fingerprint(cert)
    attempt.serial = ca.serial_hex(cert.serial_number)[:40]
    ca.certificate_authority_of(cert)
    certificate = (
        UnitCertificate.objects.select_for_update(of=("self",))
        .select_related("user", "unit")
        .filter(fingerprint=attempt.fingerprint)
        .first()
    )
    if certificate is None:
        raise _refuse("CA_CERT_UNKNOWN", "系统中没有该证书的签发记录，无法用于登录")
    attempt.certificate = certificate

    value = attempt.challenge
    challenge = (
        CaChallenge.objects.select_for_update().filter(value=value, channel=attempt.channel).first()
        if value and (session_challenges is None or value in session_challenges)
        else None
    )
    if challenge is None:
        raise _refuse(
            "CA_CHALLENGE_UNKNOWN",
            "挑战码无效，请使用页面上显示的最新挑战码重新签名",
            field="challenge",
        )
    if challenge.used_at is not None:
        raise _refuse(
            "CA_CHALLENGE_USED", "该挑战码已使用过，请获取新的挑战码后重新签名", field="challenge"
        )
    if challenge.expires_at <= now:
        raise _refuse(
            "CA_CHALLENGE_EXPIRED", "挑战码已过期，请获取新的挑战码后重新签名", field="challenge"
        )

    if not ca.signature_valid(
        cert.public_key(), challenge=value, signature=ca.signature_decode(signature)
    ):
        raise _refuse(
            "CA_SIGNATURE_INVALID",
            "签名验证未通过：请确认使用与该证书配对的私钥，对页面上当前的挑战码签名",
            field="signature",
        )
    if certificate.status == UnitCertificate.Status.REVOKED:
        raise _refuse("CA_CERT_REVOKED", "该证书已注销，不能用于登录")
    if now < cert.not_valid_before_utc:
        raise _refuse("CA_CERT_NOT_YET_VALID", "该证书尚未生效，不能用于登录")
    if now >= cert.not_valid_after_utc:
        raise _refuse(
            "CA_CERT_EXPIRED",
            f"该证书已于 {timezone.localtime(cert.not_valid_after_utc):%Y年%m月%d日} 过期，"
            "请重新申请证书",
        )
    named = ca.subject_of(cert.subject)
    unit = certificate.unit
    if named.credit_code != unit.credit_code:
        raise _refuse("CA_CERT_UNIT_MISMATCH", "证书中的单位与登记信息不一致，不能用于登录")
    user = certificate.user
    if not user.is_active:
        raise _refuse("CA_USER_INACTIVE", "该账户已停用，不能登录")
    membership = UnitMembership.objects.filter(
        user=user, unit=unit, revoked_at__isnull=True
    ).first()
    if membership is None:
        attempt.membership_ended = (
            UnitMembership.objects.filter(user=user, unit=unit).order_by("-revoked_at").first()
        )
        raise _refuse("CA_MEMBERSHIP_REVOKED", "持证人已不是该单位的用户，证书已失效，不能登录")

    used = CaChallenge.objects.filter(pk=challenge.pk, used_at__isnull=True).update(
        used_at=now, used_by_certificate=certificate
    )
    if used != 1:
        raise _refuse(
            "CA_CHALLENGE_USED", "该挑战码已使用过，请获取新的挑战码后重新签名", field="challenge"
        )
    certificate.last_used_at = now
    certificate.save(update_fields=["last_used_at"])
    return SignIn(certificate=certificate, user=user, unit=unit, context=_unit_context(unit))


def _sign_in(
    *,
    channel: str,
    certificate_pem: str | bytes,
    challenge: str,
    signature: str,
    session_challenges: Collection[str] | None,
    ip: str | None,
    user_agent: str,
    then: Callable[[SignIn], R],
) -> R:
    # Failed certificate sign-ins count with failed password sign-ins from the same address.
    limits.limit_check("signin_failures", ip)
    attempt = _Attempt(
        channel=channel, challenge=(challenge or "").strip(), ip=ip, user_agent=user_agent or ""
    )
    try:
        with transaction.atomic():
            result = _verify(
                attempt,
                certificate_pem=certificate_pem,
                signature=signature,
                session_challenges=session_challenges,
            )
            outcome = then(result)
            attempt.record(outcome=CaSignInAttempt.Outcome.SUCCESS, code="OK")
            return outcome
    except DomainError as error:
        # The checks rolled back; the refusal is recorded on its own.
        with transaction.atomic():
            if attempt.membership_ended is not None:
                certificates_revoke_for_membership(membership=attempt.membership_ended)
                if attempt.certificate is not None:
                    attempt.certificate.refresh_from_db()
            attempt.record(
                outcome=CaSignInAttempt.Outcome.FAILURE, code=error.code, message=error.message
            )
        limits.limit_count("signin_failures", ip)
        raise


def ca_authenticate(
    *,
    certificate_pem: str | bytes,
    challenge: str,
    signature: str,
    session_challenges: Collection[str],
    ip: str | None = None,
    user_agent: str = "",
) -> SignIn:
    """Check a page sign-in (the challenge must be one this browser session was given) and
    consume the challenge. The caller then starts the session with ``session_sign_in``."""
    return _sign_in(
        channel=CaChallenge.Channel.PAGE,
        certificate_pem=certificate_pem,
        challenge=challenge,
        signature=signature,
        session_challenges=session_challenges,
        ip=ip,
        user_agent=user_agent,
        then=lambda result: result,
    )


def ca_token_issue(
    *,
    certificate_pem: str | bytes,
    challenge: str,
    signature: str,
    ip: str | None = None,
    user_agent: str = "",
) -> IssuedToken:
    """Check an API sign-in and issue a bearer token for the unit context, in one transaction."""
    ttl = timedelta(seconds=settings.SESSION_COOKIE_AGE)

    def issue(result: SignIn) -> IssuedToken:
        expires_at = timezone.now() + ttl
        token = token_issue(
            user=result.user,
            context=result.context,
            name=f"CA证书登录 {result.certificate.serial[:16]}",
            ttl=ttl,
        )
        return IssuedToken(token=token, context=result.context, expires_at=expires_at)

    return _sign_in(
        channel=CaChallenge.Channel.API,
        certificate_pem=certificate_pem,
        challenge=challenge,
        signature=signature,
        session_challenges=None,
        ip=ip,
        user_agent=user_agent,
        then=issue,
    )
