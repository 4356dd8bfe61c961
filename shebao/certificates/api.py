"""REST API v1: certificates issued from the records, their signed files, and the public
verification.

- ``POST /me/certificates`` ``{"kind", "start_month"?, "end_month"?, "receipt"?}`` → 201
  ``{"number", "kind", "verify_code", "verify_url", "pdf_url"}`` (the signed-in person's own);
- ``POST /units/{credit_code}/certificates`` ``{"kind": "unit_rights", "month"?}`` (the unit's
  readers; ``payment_voucher`` with ``receipt`` too);
- ``GET /certificates/{number}.pdf`` — the file (the holder, and staff in scope);
- ``GET /verify/{verify_code}`` and ``POST /verify`` (multipart ``file``) — public.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile

from shebao.accounts import actors
from shebao.accounts.api_auth import api_actor, token_auth
from shebao.certificates import selectors, services
from shebao.certificates.models import PERSON_KINDS, UNIT_KINDS, Certificate, Kind
from shebao.common.pdf import pdf_response
from shebao.common.schemas import CreditCodeStr, ErrorOut

router = Router(tags=["证明与核验"])

KINDS = ", ".join(f"{k.value}（{k.label}）" for k in Kind)


class PersonCertificateIn(Schema):
    kind: str = Field(max_length=30, description=KINDS)
    start_month: str | None = Field(None, max_length=7, description="权益单起始年月 YYYY-MM")
    end_month: str | None = Field(None, max_length=7, description="权益单截止年月 YYYY-MM")
    receipt: str | None = Field(
        None, max_length=24, description="缴费凭证号（缴费凭证；默认最近一笔）"
    )


class UnitCertificateIn(Schema):
    kind: str = Field(max_length=30, description="unit_rights（单位权益单）或 payment_voucher")
    month: str | None = Field(None, max_length=7, description="证明年月 YYYY-MM（默认最近核定月）")
    receipt: str | None = Field(None, max_length=24, description="缴费凭证号（缴费凭证）")


class CertificateOut(Schema):
    number: str = Field(description="证明编号")
    kind: str
    verify_code: str = Field(description="验证码（12位，不含连字符）")
    verify_url: str = Field(description="公开核验页面（证明上的二维码即此地址）")
    pdf_url: str = Field(description="签名PDF文件（持有人和辖区经办人员可下载）")


class VerificationOut(Schema):
    genuine: bool = Field(description="是否本经办机构出具的证明")
    kind: str
    issued_at: datetime | None
    holder: str = Field(description="持有人（隐去部分姓名和证件号码）")
    summary: str
    revoked: bool
    replaced_by: str | None = Field(description="已作废时替代证明的验证码")
    code: str = Field(description="OK，或不是真实证明的原因代码")
    message: str


class FileVerificationOut(VerificationOut):
    intact: bool = Field(description="文件自签名后未被修改")


def _out(request: HttpRequest, certificate: Certificate) -> dict[str, Any]:
    return {
        "number": certificate.number,
        "kind": certificate.kind,
        "verify_code": certificate.verify_code,
        "verify_url": services.verify_url(certificate.verify_code),
        "pdf_url": request.build_absolute_uri(f"/api/v1/certificates/{certificate.number}.pdf"),
    }


def _verification_out(found: services.Verification) -> dict[str, Any]:
    return {
        "genuine": found.genuine,
        "kind": found.kind,
        "issued_at": found.issued_at,
        "holder": found.holder,
        "summary": found.summary,
        "revoked": found.revoked,
        "replaced_by": found.replaced_by,
        "code": found.code,
        "message": found.message,
        "intact": found.intact,
    }


@router.post(
    "/me/certificates",
    auth=token_auth,
    response={
        201: CertificateOut,
        200: CertificateOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
    summary="出具本人的证明",
    description=(
        "按本人的社会保险记录出具加盖电子签名的证明。同一天记录未变时重复请求返回已出具的证明"
        "（200）。错误码：CERT_KIND_UNKNOWN（不支持的证明类型）、CERT_NO_RECORD（没有可证明的"
        "记录）、CERT_PERIOD_INVALID、CERT_RECEIPT_NOT_FOUND；card_proof（领卡证明）仅在本人有"
        "社会保障卡正在制作时出具，否则 409 CARD_PROOF_NOT_IN_PRODUCTION。"
    ),
)
def issue_mine(request: HttpRequest, payload: PersonCertificateIn) -> Status:
    actor = api_actor(request)
    actor.require(actors.INDIVIDUAL)
    services.kind_check(payload.kind, allowed=PERSON_KINDS)
    person = selectors.person_holder(actor=actor)
    issued = services.certificate_issue(
        actor=actor,
        kind=payload.kind,
        person=person,
        options=payload.dict(exclude={"kind"}),
        channel=Certificate.Channel.SELF,
    )
    return Status(201 if issued.created else 200, _out(request, issued.certificate))


@router.post(
    "/units/{credit_code}/certificates",
    auth=token_auth,
    response={
        201: CertificateOut,
        200: CertificateOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        422: ErrorOut,
    },
    summary="出具单位的证明",
    description=(
        "按单位的社会保险记录出具单位权益单（可指定证明年月 month）或缴费凭证。单位法定代表人、"
        "管理员和获授权的经办人可出具。错误码：UNIT_NOT_FOUND（404）、CERT_KIND_UNKNOWN、"
        "CERT_NO_RECORD、CERT_PERIOD_INVALID。"
    ),
)
def issue_unit(
    request: HttpRequest, credit_code: CreditCodeStr, payload: UnitCertificateIn
) -> Status:
    actor = api_actor(request)
    actor.require(actors.UNIT)
    unit = selectors.unit_holder(actor=actor, credit_code=credit_code)
    services.kind_check(payload.kind, allowed=UNIT_KINDS)
    issued = services.certificate_issue(
        actor=actor,
        kind=payload.kind,
        unit=unit,
        options=payload.dict(exclude={"kind"}),
        channel=Certificate.Channel.UNIT,
    )
    return Status(201 if issued.created else 200, _out(request, issued.certificate))


@router.get(
    "/certificates/{number}.pdf",
    auth=token_auth,
    response={200: None, 401: ErrorOut, 404: ErrorOut},
    summary="下载证明的签名PDF文件",
    description="持有人（本人、单位）和证明持有人所在区县的经办人员可下载；其他人 404 CERT_NOT_FOUND。",
)
def download(request: HttpRequest, number: str) -> HttpResponse:
    actor = api_actor(request)
    certificate = selectors.certificate_for_reader(actor=actor, number=number, with_file=True)
    return pdf_response(bytes(certificate.file), f"{certificate.number}.pdf")


@router.get(
    "/verify/{verify_code}",
    auth=None,
    response={200: VerificationOut, 404: ErrorOut, 422: ErrorOut},
    summary="按验证码核验证明（公开）",
    description=(
        "返回证明的类型、出具时间、隐去部分信息的持有人、摘要，以及是否已作废和替代证明。"
        "错误码：CERT_CODE_MALFORMED（422）、CERT_NOT_FOUND（404）。"
    ),
)
def verify(request: HttpRequest, verify_code: str) -> dict[str, Any]:
    return _verification_out(services.verify_by_code(raw_code=verify_code))


@router.post(
    "/verify",
    auth=None,
    response={200: FileVerificationOut, 400: ErrorOut, 413: ErrorOut, 422: ErrorOut},
    summary="上传证明文件核验电子签名（公开）",
    description=(
        "multipart 字段 file：证明PDF文件。签名有效、文件未改动且为本系统出具时 genuine 为 true；"
        "否则 genuine 为 false，code 说明原因：CERT_PDF_UNSIGNED、CERT_SIGNATURE_INVALID（文件被"
        "修改）、CERT_SIGNER_UNTRUSTED（他人密钥签名）、CERT_FILE_UNKNOWN。不是PDF、文件损坏或过"
        "大：CERT_NOT_PDF、CERT_PDF_CORRUPTED（422）、CERT_FILE_TOO_LARGE（413）。"
    ),
)
def verify_upload(request: HttpRequest, file: File[UploadedFile]) -> dict[str, Any]:
    data = file.read(services.MAX_UPLOAD_BYTES + 1)
    return _verification_out(services.verify_file(data=data))
