"""Pages: the person's and the unit's certificates (print one at once), a certificate and its
file, staff printing at the counter, and the public verification page (by code or by file).
Thin: parse, call one selector or service, render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from shebao.accounts import actors
from shebao.accounts.decorators import actor_required
from shebao.certificates import selectors, services
from shebao.certificates.models import (
    HOLDER_ONLY_KINDS,
    PERSON_KINDS,
    UNIT_KINDS,
    Certificate,
    Kind,
)
from shebao.common.errors import DomainError
from shebao.common.pdf import pdf_response

LIST_SIZE = 50
KIND_HELP = {
    Kind.PARTICIPATION: "参保险种、缴费单位、起止年月和累计缴费月数",
    Kind.RIGHTS: "按年度的缴费月数、缴费基数和缴费金额，养老保险个人账户",
    Kind.PAYMENT_VOUCHER: "一笔缴费的凭证（默认最近一笔）",
    Kind.PENSION_VOUCHER: "转移养老保险关系时交新参保地",
    Kind.INSTITUTION_PENSION: "机关事业单位工作人员的养老保险缴费证明",
    Kind.UNIT_RIGHTS: "单位当月参保缴费人员和近一年的缴费情况",
    Kind.CARD_PROOF: "新发或补换社会保障卡制卡期间看病就医用，仅在新卡制作期间可开具",
}
# What staff print at the counter: every kind but those only the holder may have.
COUNTER_KINDS = tuple(k for k in Kind.values if k not in HOLDER_ONLY_KINDS)


def _kinds(allowed: tuple[str, ...]) -> list[dict[str, str]]:
    return [{"value": k, "label": Kind(k).label, "help": KIND_HELP[Kind(k)]} for k in allowed]


def _options(request: HttpRequest) -> dict[str, str]:
    return {
        key: request.POST.get(key, "").strip()[:30]
        for key in ("start_month", "end_month", "month", "receipt")
        if request.POST.get(key, "").strip()
    }


@actor_required(actors.INDIVIDUAL, actors.UNIT)
@require_http_methods(["GET", "POST"])
def mine(request: HttpRequest) -> HttpResponse:
    """我的证明: print a certificate at once from the records; the list with each one's
    status."""
    actor = request.actor  # type: ignore[attr-defined]
    allowed = PERSON_KINDS if actor.is_individual else UNIT_KINDS
    error = ""
    values: dict[str, str] = {}
    if request.method == "POST":
        values = {"kind": request.POST.get("kind", "")[:30], **_options(request)}
        try:
            services.kind_check(values["kind"], allowed=allowed)
            if actor.is_individual:
                holder: dict[str, Any] = {"person": selectors.person_holder(actor=actor)}
                channel = Certificate.Channel.SELF
            else:
                holder = {
                    "unit": selectors.unit_holder(actor=actor, credit_code=actor.unit.credit_code)
                }
                channel = Certificate.Channel.UNIT
            issued = services.certificate_issue(
                actor=actor,
                kind=values["kind"],
                options=_options(request),
                channel=channel,
                **holder,
            )
        except DomainError as refused:
            error = refused.message
        else:
            messages.success(
                request, f"{issued.certificate.get_kind_display()}已出具，可下载打印。"
            )
            return redirect("certificates:detail", issued.certificate.number)
    rows = list(selectors.certificates_for(actor=actor)[:LIST_SIZE])
    return render(
        request,
        "certificates/mine.html",
        {
            "certificates": rows,
            "kinds": _kinds(allowed),
            "values": values,
            "error": error,
            "selected": request.GET.get("kind", values.get("kind", "")),
        },
    )


@actor_required(actors.INDIVIDUAL, actors.UNIT, actors.STAFF)
def detail(request: HttpRequest, number: str) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    certificate = selectors.certificate_for_reader(actor=actor, number=number)
    return render(
        request,
        "certificates/detail.html",
        {"certificate": certificate, "verify_url": services.verify_url(certificate.verify_code)},
    )


@actor_required(actors.INDIVIDUAL, actors.UNIT, actors.STAFF)
def file(request: HttpRequest, number: str) -> HttpResponse:
    """The signed PDF, exactly as issued."""
    actor = request.actor  # type: ignore[attr-defined]
    certificate = selectors.certificate_for_reader(actor=actor, number=number, with_file=True)
    return pdf_response(bytes(certificate.file), f"{certificate.number}.pdf")


@actor_required(actors.STAFF)
@require_http_methods(["GET", "POST"])
def counter(request: HttpRequest) -> HttpResponse:
    """窗口打印: staff print a person's (by ID number) or a unit's (by credit code) certificate
    of their districts."""
    actor = request.actor  # type: ignore[attr-defined]
    error = ""
    values: dict[str, str] = {}
    if request.method == "POST":
        values = {
            "kind": request.POST.get("kind", "")[:30],
            "holder": request.POST.get("holder", "").strip()[:40],
            **_options(request),
        }
        try:
            kind = services.kind_check(values["kind"], allowed=COUNTER_KINDS)
            if kind == Kind.UNIT_RIGHTS:
                holder: dict[str, Any] = {
                    "unit": selectors.unit_holder(actor=actor, credit_code=values["holder"])
                }
            else:
                holder = {
                    "person": selectors.person_holder(actor=actor, id_number=values["holder"])
                }
            issued = services.certificate_issue(
                actor=actor,
                kind=kind,
                options=_options(request),
                channel=Certificate.Channel.COUNTER,
                **holder,
            )
        except DomainError as refused:
            error = refused.message
        else:
            messages.success(
                request, f"{issued.certificate.get_kind_display()}已出具，可打印交申请人。"
            )
            return redirect("certificates:detail", issued.certificate.number)
    return render(
        request,
        "certificates/counter.html",
        {"kinds": _kinds(COUNTER_KINDS), "values": values, "error": error},
    )


def verify_form(request: HttpRequest) -> HttpResponse:
    """The public page: type the code, or upload the file."""
    found = None
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = "请选择要核验的证明PDF文件"
        else:
            try:
                found = services.verify_file(data=upload.read(services.MAX_UPLOAD_BYTES + 1))
            except DomainError as refused:
                error = refused.message
    elif request.GET.get("code"):
        try:
            code = services.code_normalize(request.GET["code"])
        except DomainError as refused:
            error = refused.message
        else:
            return redirect("certificates:verify", code)
    return render(
        request,
        "certificates/verify.html",
        {"found": found, "error": error, "uploaded": request.method == "POST"},
    )


def verify(request: HttpRequest, code: str) -> HttpResponse:
    """What the QR code opens: the certificate the code names, masked, and its status."""
    found = None
    error = ""
    status = 200
    try:
        found = services.verify_by_code(raw_code=code)
    except DomainError as refused:
        error, status = refused.message, refused.status
    return render(
        request,
        "certificates/verify.html",
        {"found": found, "error": error, "code": code[:20]},
        status=status,
    )
