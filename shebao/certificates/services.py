"""Writes: issuing a certificate from the records, revoking it, reissuing on corrected records;
and the public verification (by code, or of an uploaded file).

Every issue and revocation writes a :class:`~shebao.certificates.models.CertificateEvent` and a
message to the holder's message centre, in its transaction.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from shebao.accounts import actors
from shebao.accounts.actors import Actor
from shebao.accounts.models import UnitMembership, User
from shebao.certificates import documents, signing
from shebao.certificates.models import (
    HOLDER_ONLY_KINDS,
    PERSON_KINDS,
    UNIT_KINDS,
    Certificate,
    CertificateEvent,
    Kind,
)
from shebao.common.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from shebao.common.periods import YearMonth
from shebao.notifications.services import notify
from shebao.registry.models import Person, Unit

# Verification codes: 12 characters without the look-alikes 0/O and 1/I (60 random bits).
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 12
_CODE = re.compile(rf"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")
MAX_UPLOAD_BYTES = 10 * 1024 * 1024  # a certificate is tens of KB; a 5,000-person 单位权益单 ~2 MB
CORRECTED_REASON = "所依据的社会保险记录已更正，已按更正后的记录重新出具"
NO_LONGER_REASON = "所依据的社会保险记录已更正，不再符合出具条件"


class FileTooLarge(DomainError):
    status = 413
    default_code = "CERT_FILE_TOO_LARGE"


def _this_month() -> YearMonth:
    return YearMonth.of(timezone.localdate())


def public_url(path: str) -> str:
    return settings.SHEBAO_PUBLIC_URL.rstrip("/") + path


def verify_url(code: str) -> str:
    return public_url(reverse("certificates:verify", args=[code]))


def kind_check(kind: str, *, allowed: tuple[str, ...]) -> str:
    if kind not in allowed:
        names = "、".join(f"{k}（{Kind(k).label}）" for k in allowed)
        raise InvalidInput(
            f"不支持的证明类型“{kind}”，可选：{names}", code="CERT_KIND_UNKNOWN", field="kind"
        )
    return kind


def _clean_options(options: dict[str, Any] | None) -> dict[str, str]:
    """Only the options a kind reads, as short strings."""
    known = ("start_month", "end_month", "month", "receipt", "purpose")
    cleaned: dict[str, str] = {}
    for key, value in (options or {}).items():
        if key not in known or value in (None, ""):
            continue
        text = str(value).strip()[:30]
        if key in ("start_month", "end_month", "month"):
            text = str(YearMonth.parse(text, field=key))
        cleaned[key] = text
    return cleaned


def _event(*, certificate: Certificate, kind: str, actor: Actor | None, note: str = "") -> None:
    CertificateEvent.objects.create(
        certificate=certificate,
        kind=kind,
        at=timezone.now(),
        actor=actor.user if actor else None,
        actor_context=actor.context if actor else "",
        note=note[:300],
    )


def _recipients(certificate: Certificate) -> list[tuple[User, str]]:
    """Who hears of a certificate: the person's own account; a unit's managers."""
    if certificate.person_id is not None:
        return [
            (user, actors.INDIVIDUAL)
            for user in User.objects.filter(person_id=certificate.person_id)
        ]
    memberships = UnitMembership.objects.select_related("user").filter(
        unit_id=certificate.unit_id, revoked_at__isnull=True, role__in=("legal_rep", "admin")
    )
    return [(m.user, f"{actors.UNIT}:{certificate.unit_id}") for m in memberships]


def _tell(certificate: Certificate, *, title: str, body: str) -> None:
    link = reverse("certificates:detail", args=[certificate.number])
    for user, context in _recipients(certificate):
        notify(
            recipient=user,
            context=context,
            title=title,
            body=body,
            link=link,
            category="certificate",
        )


def _new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _sign_and_store(
    *,
    content: documents.Content,
    person: Person | None,
    unit: Unit | None,
    channel: str,
    actor: Actor | None,
    as_of: YearMonth,
    digest: str = "",
) -> Certificate:
    now = timezone.now()
    options = {**content.options, "as_of": str(as_of)}
    # The active key, looked up once (one query: a CA rotated by another process is seen).
    current = signing.signer()
    certificate = Certificate.objects.create(
        number=f"T{uuid.uuid4().hex[:19]}",
        verify_code=_new_code(),
        kind=content.kind,
        person=person,
        unit=unit,
        holder_name=content.holder_name,
        holder_code=content.holder_code,
        holder_masked=content.holder_masked,
        options=options,
        period_start=content.period_start,
        period_end=content.period_end,
        summary=content.summary[:300],
        content_digest=digest or content.digest(),
        file_digest=uuid.uuid4().hex,
        file=b"",
        file_size=0,
        signing_certificate_id=current.record_id,
        channel=channel,
        issued_at=now,
        issued_by=actor.user if actor else None,
    )
    certificate.number = f"ZM{timezone.localtime(now):%Y%m%d}{certificate.pk:06d}"
    unsigned = documents.render(
        content,
        number=certificate.number,
        issued_at=now,
        verify_code=certificate.verify_code,
        verify_url=verify_url(certificate.verify_code),
    )
    signed, _ = signing.sign_pdf(
        unsigned, reason=f"{content.title} {certificate.number}", current=current
    )
    certificate.file = signed
    certificate.file_size = len(signed)
    certificate.file_digest = hashlib.sha256(signed).hexdigest()
    certificate.save(update_fields=["number", "file", "file_size", "file_digest"])
    return certificate


@dataclass(frozen=True)
class Issued:
    certificate: Certificate
    created: bool


@transaction.atomic
def certificate_issue(
    *,
    actor: Actor | None,
    kind: str,
    person: Person | None = None,
    unit: Unit | None = None,
    options: dict[str, Any] | None = None,
    channel: str = Certificate.Channel.SELF,
) -> Issued:
    """Issue a signed ``kind`` certificate of ``person`` (or ``unit``) from the records.

    The caller has checked that the actor may have it (see ``selectors.holder_for``); a kind
    only the holder may have (``HOLDER_ONLY_KINDS``) is refused to anyone else. The same
    certificate asked for again on the same day, on unchanged records, is the one already
    issued (``created`` false): a double click or a retry issues once.
    """
    if (person is None) == (unit is None):
        raise InvalidInput("须指定证明的持有人", code="CERT_HOLDER_REQUIRED")
    kind_check(kind, allowed=PERSON_KINDS if person is not None else UNIT_KINDS)
    if kind in HOLDER_ONLY_KINDS and not (
        actor is not None
        and actor.is_individual
        and actor.person is not None
        and person is not None
        and actor.person.pk == person.pk
    ):
        raise PermissionDenied(f"《{Kind(kind).label}》只能由本人开具", code="CERT_HOLDER_ONLY")
    holder_model = Person if person is not None else Unit
    holder = holder_model.objects.select_for_update().get(pk=(person or unit).pk)  # type: ignore[union-attr]
    as_of = _this_month()
    cleaned = _clean_options(options)
    content = documents.content_for(
        kind=kind,
        as_of=as_of,
        person=holder if person is not None else None,  # type: ignore[arg-type]
        unit=holder if unit is not None else None,  # type: ignore[arg-type]
        options=cleaned,
    )
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    digest = content.digest()
    same = (
        Certificate.objects.filter(
            kind=kind,
            person=person,
            unit=unit,
            status=Certificate.Status.VALID,
            content_digest=digest,
            issued_at__gte=today,
        )
        .defer("file")
        .first()
    )
    if same is not None:
        return Issued(same, False)
    certificate = _sign_and_store(
        content=content,
        person=person,
        unit=unit,
        channel=channel,
        actor=actor,
        as_of=as_of,
        digest=digest,
    )
    _event(
        certificate=certificate,
        kind=CertificateEvent.Kind.ISSUED,
        actor=actor,
        note=content.summary,
    )
    _tell(
        certificate,
        title=f"{certificate.get_kind_display()}已出具",
        body=(
            f"{certificate.get_kind_display()}（编号 {certificate.number}）已出具，"
            f"验证码 {certificate.verify_code_display}。可在“我的证明”中下载，"
            "收件单位可扫描证明上的二维码核验真伪。"
        ),
    )
    return Issued(certificate, True)


@transaction.atomic
def certificate_revoke(
    *,
    actor: Actor | None,
    certificate: Certificate,
    reason: str,
    replaced_by: Certificate | None = None,
) -> Certificate:
    """Revoke a valid certificate (pointing to its replacement, if any); the holder is told.
    Revoking a revoked certificate changes nothing."""
    locked = Certificate.objects.select_for_update().defer("file").get(pk=certificate.pk)
    if locked.status == Certificate.Status.REVOKED:
        return locked
    locked.status = Certificate.Status.REVOKED
    locked.revoked_at = timezone.now()
    locked.revocation_reason = reason[:200]
    locked.replaced_by = replaced_by
    locked.save(update_fields=["status", "revoked_at", "revocation_reason", "replaced_by"])
    note = reason + (f"；替代证明 {replaced_by.number}" if replaced_by else "")
    _event(certificate=locked, kind=CertificateEvent.Kind.REVOKED, actor=actor, note=note)
    _tell(
        locked,
        title=f"{locked.get_kind_display()}已作废",
        body=(
            f"{locked.get_kind_display()}（编号 {locked.number}）已作废：{reason}。"
            + (f"新的证明编号 {replaced_by.number}，请使用新证明。" if replaced_by else "")
        ),
    )
    return locked


RECHECK_SLICE = 2000


def certificates_recheck(
    *, person_ids: frozenset[int] = frozenset(), unit_ids: frozenset[int] = frozenset()
) -> int:
    """Read again the records of the holders' valid certificates; each whose content changed
    (its records were corrected) is revoked and reissued on the corrected records, for the same
    month and options. Returns how many were revoked."""
    revoked = 0
    candidates = Certificate.objects.filter(status=Certificate.Status.VALID)
    ids: list[int] = []
    for holders, field in ((sorted(person_ids), "person_id"), (sorted(unit_ids), "unit_id")):
        # A true-up may name a city's worth of holders: asked in slices, by the holder index.
        for at in range(0, len(holders), RECHECK_SLICE):
            slice_ = holders[at : at + RECHECK_SLICE]
            ids += candidates.filter(**{f"{field}__in": slice_}).values_list("pk", flat=True)
    for pk in ids:
        with transaction.atomic():
            certificate = (
                Certificate.objects.select_for_update()
                .defer("file")
                .filter(pk=pk, status=Certificate.Status.VALID)
                .first()
            )
            if certificate is None:
                continue
            options = dict(certificate.options)
            as_of = YearMonth.parse(
                options.pop("as_of", str(certificate.period_end or _this_month()))
            )
            try:
                content = documents.content_for(
                    kind=certificate.kind,
                    as_of=as_of,
                    person=certificate.person,
                    unit=certificate.unit,
                    options=options,
                )
            except DomainError:
                certificate_revoke(actor=None, certificate=certificate, reason=NO_LONGER_REASON)
                revoked += 1
                continue
            if content.digest() == certificate.content_digest:
                continue
            replacement = _sign_and_store(
                content=content,
                person=certificate.person,
                unit=certificate.unit,
                channel=certificate.channel,
                actor=None,
                as_of=as_of,
            )
            _event(
                certificate=replacement,
                kind=CertificateEvent.Kind.ISSUED,
                actor=None,
                note=f"替代 {certificate.number}：{content.summary}",
            )
            _tell(
                replacement,
                title=f"{replacement.get_kind_display()}已出具",
                body=(
                    f"您的社会保险记录已更正，已按更正后的记录重新出具"
                    f"{replacement.get_kind_display()}（编号 {replacement.number}），"
                    f"原证明 {certificate.number} 作废。"
                ),
            )
            certificate_revoke(
                actor=None,
                certificate=certificate,
                reason=CORRECTED_REASON,
                replaced_by=replacement,
            )
            revoked += 1
    return revoked


# ---------------------------------------------------------------------------------------------
# Verification (public)


def code_normalize(raw: str) -> str:
    """A verification code as typed (lower case, hyphens, spaces) in its stored form; a
    malformed one is refused."""
    text = re.sub(r"[\s\-－—]", "", str(raw or "")).upper()
    if not _CODE.match(text):
        raise InvalidInput(
            "验证码格式不正确：验证码为证明上印的 12 位字母和数字（如 7K3M-Q9XD-2HFT）",
            code="CERT_CODE_MALFORMED",
            field="verify_code",
        )
    return text


@dataclass(frozen=True)
class Verification:
    """What the public may know of a certificate."""

    genuine: bool
    kind: str
    kind_label: str
    number: str
    issued_at: datetime | None
    holder: str  # masked
    summary: str
    period: str
    revoked: bool
    revoked_at: datetime | None
    revocation_reason: str
    replaced_by: str | None  # the replacement's verification code
    intact: bool | None = None  # for an uploaded file
    code: str = "OK"
    message: str = ""


# What a verification reads of a certificate (and of its replacement).
PUBLIC_FIELDS = (
    "kind",
    "number",
    "issued_at",
    "holder_masked",
    "summary",
    "period_start",
    "period_end",
    "status",
    "revoked_at",
    "revocation_reason",
    "replaced_by__verify_code",
)


def _verification(certificate: Certificate, **extra: Any) -> Verification:
    revoked = certificate.status == Certificate.Status.REVOKED
    replacement = certificate.replaced_by
    values: dict[str, Any] = {
        "genuine": True,
        "kind": certificate.kind,
        "kind_label": certificate.get_kind_display(),
        "number": certificate.number,
        "issued_at": certificate.issued_at,
        "holder": certificate.holder_masked,
        "summary": certificate.summary,
        "period": certificate.period_label,
        "revoked": revoked,
        "revoked_at": certificate.revoked_at,
        "revocation_reason": certificate.revocation_reason,
        "replaced_by": replacement.verify_code if replacement is not None else None,
        "message": (
            f"本证明已于 {timezone.localtime(certificate.revoked_at):%Y年%m月%d日} 作废：{certificate.revocation_reason}"
            if revoked and certificate.revoked_at
            else "本证明由本经办机构出具，真实有效"
        ),
    }
    values.update(extra)
    return Verification(**values)


def verify_by_code(*, raw_code: str) -> Verification:
    """The certificate a verification code names, as the public sees it; NotFound if none."""
    code = code_normalize(raw_code)
    # One lookup on the unique code's index, only the columns shown, no ordering to compile:
    # this is the public page every QR code opens.
    certificate = next(
        iter(
            Certificate.objects.filter(verify_code=code)
            .select_related("replaced_by")
            .only(*PUBLIC_FIELDS)
            .order_by()[:1]
        ),
        None,
    )
    if certificate is None:
        raise NotFound(
            "未找到该验证码对应的证明，请核对验证码；如仍查不到，该证明可能不是本经办机构出具的",
            code="CERT_NOT_FOUND",
            field="verify_code",
        )
    return _verification(certificate)


def _not_genuine(code: str, message: str, *, intact: bool) -> Verification:
    return Verification(
        genuine=False,
        kind="",
        kind_label="",
        number="",
        issued_at=None,
        holder="",
        summary="",
        period="",
        revoked=False,
        revoked_at=None,
        revocation_reason="",
        replaced_by=None,
        intact=intact,
        code=code,
        message=message,
    )


def verify_file(*, data: bytes) -> Verification:
    """Check an uploaded PDF: a file of this hall, byte for byte as issued, with a valid
    signature of the agency's document-signing key. A file that is not a PDF, too large or
    unreadable is refused (``CERT_NOT_PDF``, ``CERT_FILE_TOO_LARGE``, ``CERT_PDF_CORRUPTED``);
    a readable PDF that is not genuine gets ``genuine`` false with the reason's code."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise FileTooLarge(
            f"文件过大：证明文件不超过 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB", field="file"
        )
    if not data.startswith(b"%PDF-"):
        raise InvalidInput(
            "上传的不是PDF文件：请上传本系统出具的证明PDF文件", code="CERT_NOT_PDF", field="file"
        )
    try:
        check = signing.signature_check(data)
    except ValueError:
        raise InvalidInput(
            "PDF文件已损坏或无法读取，请上传原始的证明文件", code="CERT_PDF_CORRUPTED", field="file"
        ) from None
    if not check.signed:
        return _not_genuine(
            "CERT_PDF_UNSIGNED", "该文件没有电子签名，不是本经办机构出具的电子证明", intact=False
        )
    if not check.intact:
        return _not_genuine(
            "CERT_SIGNATURE_INVALID",
            "电子签名验证未通过：文件在签名后被修改过，或签名已损坏",
            intact=False,
        )
    if not check.trusted:
        return _not_genuine(
            "CERT_SIGNER_UNTRUSTED",
            "该文件的电子签名不是本经办机构的签名证书所签，不能作为本机构出具的证明",
            intact=True,
        )
    certificate = (
        Certificate.objects.filter(file_digest=hashlib.sha256(data).hexdigest())
        .select_related("replaced_by")
        .only(*PUBLIC_FIELDS)
        .order_by()
        .first()
    )
    if certificate is None:
        return _not_genuine(
            "CERT_FILE_UNKNOWN", "签名有效，但本系统没有出具过与该文件完全一致的证明", intact=False
        )
    return _verification(certificate, intact=True)
