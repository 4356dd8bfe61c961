"""Pages: certificate sign-in, the unit's CA certificates, and the staff's CA desk."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shebao.accounts import actors
from shebao.accounts.decorators import actor_required
from shebao.accounts.sessions import session_sign_in
from shebao.common.errors import DomainError, RateLimited
from shebao.common.identifiers import credit_code_spelling, id_number_spelling
from shebao.common.limits import client_ip
from shebao.pki import ca, selectors, services
from shebao.pki.models import CaChallenge, CertificateRequest

SESSION_CHALLENGES = "pki_challenges"  # the page challenges this browser session was given
SESSION_CHALLENGES_KEPT = 5  # a few, so a second open tab does not void the first
TOOL_PATH = Path(settings.BASE_DIR) / "tools" / "shebao-ukey"
CHALLENGE_ERRORS = {"CA_CHALLENGE_UNKNOWN", "CA_CHALLENGE_USED", "CA_CHALLENGE_EXPIRED"}


def _url_or(*names: str) -> str:
    for name in names:
        try:
            return reverse(name)
        except NoReverseMatch:
            continue
    return "/"


def _client_ip(request: HttpRequest) -> str | None:
    return client_ip(request)


def _pem_input(request: HttpRequest, *, file_field: str, text_field: str) -> bytes:
    """A PEM (or DER) object from an uploaded file, else from the pasted text."""
    upload: UploadedFile | None = request.FILES.get(file_field)
    if upload is not None:
        return upload.read(ca.MAX_PEM_BYTES + 1)
    return request.POST.get(text_field, "").encode()


def _as_text(data: bytes) -> str:
    """Uploaded PEM shown back in the paste box, so a retry does not need the file again."""
    try:
        text = data.decode("ascii").strip()
    except UnicodeDecodeError:
        return ""
    return text if text.startswith("-----BEGIN") else ""


# ---------------------------------------------------------------------------------------------
# Sign-in


def _page_challenge(request: HttpRequest, *, fresh: bool = False) -> CaChallenge:
    """The live challenge of this browser session, or a new one."""
    values: list[str] = list(request.session.get(SESSION_CHALLENGES, []))
    if values and not fresh:
        live = selectors.challenge_live(value=values[-1], channel=CaChallenge.Channel.PAGE)
        if live is not None:
            return live
    # Limited per client address: each new challenge is a row, and a session for a visitor.
    challenge = services.challenge_issue(channel=CaChallenge.Channel.PAGE, ip=_client_ip(request))
    request.session[SESSION_CHALLENGES] = [*values, challenge.value][-SESSION_CHALLENGES_KEPT:]
    return challenge


def _after_sign_in(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return _url_or("hall:unit_center", "hall:home")


@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    error: DomainError | None = None
    certificate_text = ""
    signature = ""
    if request.method == "POST" and request.POST.get("action") == "refresh":
        _page_challenge(request, fresh=True)
        return redirect(f"{reverse('pki:login')}?{request.GET.urlencode()}")
    if request.method == "POST":
        certificate = _pem_input(request, file_field="certificate_file", text_field="certificate")
        certificate_text = _as_text(certificate)
        signature = request.POST.get("signature", "").strip()
        try:
            result = services.ca_authenticate(
                certificate_pem=certificate,
                challenge=request.POST.get("challenge", ""),
                signature=signature,
                session_challenges=request.session.get(SESSION_CHALLENGES, []),
                ip=_client_ip(request),
                user_agent=request.headers.get("User-Agent", ""),
            )
        except RateLimited:
            raise  # the hall's 429 page, with Retry-After
        except DomainError as exc:
            error = exc
        else:
            session_sign_in(request, user=result.user, context=result.context)
            messages.success(request, f"已使用CA证书登录：{result.user.name} · {result.unit.name}")
            return redirect(_after_sign_in(request))
    fresh = error is not None and error.code in CHALLENGE_ERRORS
    if fresh:
        signature = ""  # a signature over a spent challenge is of no further use
    challenge = _page_challenge(request, fresh=fresh)
    return render(
        request,
        "pki/login.html",
        {
            "challenge": challenge,
            "seconds_left": max(0, int((challenge.expires_at - timezone.now()).total_seconds())),
            "error": error,
            "certificate_text": certificate_text,
            "signature": signature,
            "next": request.POST.get("next") or request.GET.get("next") or "",
            "password_login_url": _url_or("accounts:login"),
        },
        status=error.status if error else 200,
    )


@require_GET
def ca_certificate(request: HttpRequest) -> HttpResponse:
    """The agency's root certificate, for anyone who wants to check a unit certificate."""
    authority = ca.ca_ensure()
    response = HttpResponse(authority.certificate_pem, content_type="application/x-pem-file")
    response["Content-Disposition"] = 'attachment; filename="shebao-ca.pem"'
    return response


@require_GET
def tool(request: HttpRequest) -> HttpResponse:
    """The client command (证书助手), served from this installation: no outside download."""
    return FileResponse(
        TOOL_PATH.open("rb"),
        as_attachment=True,
        filename="shebao-ukey",
        content_type="text/x-python; charset=utf-8",
    )


# ---------------------------------------------------------------------------------------------
# The unit's certificates


def _csr_command(actor: actors.Actor) -> str:
    person = actor.user.person if actor.user else None
    unit = actor.unit
    if person is None or unit is None:
        return ""
    return (
        f'python shebao-ukey csr --key mykey.pem --name "{person.name}" '
        f"--id-number {person.id_number} --credit-code {unit.credit_code} "
        f'--unit-name "{unit.name}" --out my.csr'
    )


@require_http_methods(["GET", "POST"])
@actor_required(actors.UNIT)
def unit(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    error: DomainError | None = None
    csr_text = ""
    if request.method == "POST":
        csr = _pem_input(request, file_field="csr_file", text_field="csr")
        csr_text = _as_text(csr)
        try:
            submitted = services.certificate_request_submit(actor=actor, csr_pem=csr)
        except DomainError as exc:
            error = exc
        else:
            messages.success(
                request,
                f"证书申请已提交（{timezone.localtime(submitted.submitted_at):%Y-%m-%d %H:%M}），"
                "请等待经办机构审核。签发后会通过站内消息通知您。",
            )
            return redirect("pki:unit")
    mine = selectors.certificates_for(actor=actor, holder_only=True)
    context = {
        "my_certificates": mine,
        "has_valid": any(c.effective_status == "active" for c in mine),
        "validity": ca.validity_label(),
        "my_requests": selectors.requests_for(actor=actor, holder_only=True)[:10],
        "unit_certificates": (
            selectors.certificates_for(actor=actor) if actor.is_unit_manager else None
        ),
        "csr_command": _csr_command(actor),
        "error": error,
        "csr_text": csr_text,
        "home_url": _url_or("hall:unit_center", "hall:home"),
    }
    return render(request, "pki/unit.html", context, status=error.status if error else 200)


@require_POST
@actor_required(actors.UNIT)
def request_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    services.certificate_request_withdraw(actor=request.actor, request_id=pk)  # type: ignore[attr-defined]
    messages.success(request, "证书申请已撤回")
    return redirect("pki:unit")


@require_GET
@actor_required(actors.UNIT, actors.STAFF)
def certificate(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    cert = selectors.certificate_get(actor=actor, certificate_id=pk)
    return render(
        request,
        "pki/certificate.html",
        {
            "certificate": cert,
            "attempts": selectors.sign_in_attempts_for(actor=actor, certificate=cert),
            "may_revoke": cert.status == cert.Status.ACTIVE
            and services.may_revoke(actor=actor, certificate=cert),
            "back_url": reverse("pki:staff" if actor.is_staff else "pki:unit"),
            "back_label": "CA证书管理" if actor.is_staff else "CA证书",
        },
    )


@require_GET
@actor_required(actors.UNIT, actors.STAFF)
def certificate_download(request: HttpRequest, pk: int) -> HttpResponse:
    cert = selectors.certificate_get(actor=request.actor, certificate_id=pk)  # type: ignore[attr-defined]
    response = HttpResponse(cert.certificate_pem, content_type="application/x-pem-file")
    response["Content-Disposition"] = (
        f'attachment; filename="cert-{cert.credit_code}-{cert.serial[:8]}.pem"'
    )
    return response


@require_POST
@actor_required(actors.UNIT, actors.STAFF)
def certificate_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.certificate_revoke(
            actor=request.actor,  # type: ignore[attr-defined]
            certificate_id=pk,
            reason=request.POST.get("reason", ""),
        )
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, "证书已注销，今后不能再用于登录")
    return redirect("pki:certificate", pk=pk)


# ---------------------------------------------------------------------------------------------
# Staff


@require_GET
@actor_required(actors.STAFF)
def staff(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    tab = request.GET.get("tab", "requests")
    context: dict = {"tab": tab, "home_url": _url_or("hall:staff_center", "hall:home")}
    pending = selectors.requests_for(actor=actor, status=CertificateRequest.Status.PENDING)
    context["pending_count"] = pending.count()
    if tab == "certificates":
        q = request.GET.get("q", "")
        status = request.GET.get("status", "")
        qs = selectors.certificates_for(actor=actor, q=q, status=status)
        context.update(
            page=Paginator(qs, 20).get_page(request.GET.get("page")),
            q=q,
            status=status,
            status_filters=selectors.STATUS_FILTERS,
        )
    else:
        context["tab"] = "requests"
        context["requests"] = pending.order_by("submitted_at", "id")
    return render(request, "pki/staff.html", context)


@require_POST
@actor_required(actors.STAFF)
def request_decide(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    action = request.POST.get("action")
    try:
        if action == "approve":
            cert = services.certificate_request_approve(actor=actor, request_id=pk)
            messages.success(
                request,
                f"已签发：{cert.holder_name} · {cert.unit_name}（序列号 {cert.serial[:16]}…）",
            )
        elif action == "reject":
            services.certificate_request_reject(
                actor=actor, request_id=pk, reason=request.POST.get("reason", "")
            )
            messages.success(request, "申请已退回，申请人会收到站内消息")
        else:
            messages.error(request, "请选择签发或退回")
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.message)
    return redirect("pki:staff")


@require_http_methods(["GET", "POST"])
@actor_required(actors.STAFF)
def staff_issue(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    error: DomainError | None = None
    values = {"credit_code": "", "id_number": "", "csr": ""}
    if request.method == "POST":
        csr = _pem_input(request, file_field="csr_file", text_field="csr")
        values = {
            "credit_code": credit_code_spelling(request.POST.get("credit_code", "")),
            "id_number": id_number_spelling(request.POST.get("id_number", "")),
            "csr": _as_text(csr),
        }
        try:
            cert = services.certificate_issue_at_counter(
                actor=actor,
                credit_code=values["credit_code"],
                id_number=values["id_number"],
                csr_pem=csr,
            )
        except DomainError as exc:
            error = exc
        else:
            messages.success(
                request, "证书已签发。请下载证书文件交给持证人，或告知其在单位“CA证书”页面下载。"
            )
            return redirect("pki:certificate", pk=cert.pk)
    return render(
        request,
        "pki/staff_issue.html",
        {"error": error, "values": values, "home_url": _url_or("hall:staff_center", "hall:home")},
        status=error.status if error else 200,
    )
