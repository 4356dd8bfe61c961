"""Pages of the workflow engine: the applicant's list, form, detail and edit pages, and the
agency's queue and case page. Views parse input, call one selector or service, and render;
every read and write is scoped by the actor in selectors and services."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from shebao.accounts import actors
from shebao.accounts.decorators import actor_required
from shebao.applications import mailing, selectors, services
from shebao.applications.formschema import ApplicationDataInvalid, form_fields
from shebao.applications.handlers import handler_for_key
from shebao.applications.models import Application
from shebao.common.errors import DomainError, NotFound
from shebao.common.identifiers import tracking_number_spelling

PAGE_SIZE = 20
APPLICANTS = (actors.INDIVIDUAL, actors.UNIT)
EVERYONE = (actors.INDIVIDUAL, actors.UNIT, actors.STAFF)

# Filters on the applicant's list, in the order shown.
LIST_FILTERS = [
    ("", "全部"),
    ("draft", "草稿"),
    ("submitted", "待受理"),
    ("accepted", "审核中"),
    ("returned", "退回补正"),
    ("approved", "审核通过"),
    ("completed", "已办结"),
    ("rejected", "不予办理"),
    ("withdrawn", "已撤回"),
    ("lapsed", "已失效"),
]


def _version(request: HttpRequest) -> int | None:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return None


def _form_values(request: HttpRequest, fields: list[Any]) -> dict[str, Any]:
    """The posted answers of the matter's form (unchecked boxes are False, blanks omitted)."""
    values: dict[str, Any] = {}
    for spec in fields:
        if spec.type == "bool":
            values[spec.name] = request.POST.get(spec.name) == "on"
        else:
            raw = request.POST.get(spec.name, "")
            if raw.strip():
                values[spec.name] = raw
    return values


def _query_without_page(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _field_rows(fields: list[Any], values: dict[str, Any], errors: dict[str, str]) -> list[dict]:
    return [
        {"spec": spec, "value": values.get(spec.name, ""), "error": errors.get(spec.name, "")}
        for spec in fields
    ]


# --- applicant ------------------------------------------------------------------------------


@require_GET
@actor_required(*EVERYONE)
def application_list(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    if actor.is_staff:
        return redirect("applications:queue")
    status = request.GET.get("status", "")
    q = request.GET.get("q", "").strip()
    rows = selectors.applications_for(actor=actor, status=status or None, q=q)
    counts = selectors.status_counts(actor=actor)
    known = None if q else selectors.status_count_of(counts, status)
    page = _page(rows, request.GET.get("page"), count=known)
    filters = [
        (value, label, counts.get(value, 0) if value else sum(counts.values()))
        for value, label in LIST_FILTERS
    ]
    return render(
        request,
        "applications/list.html",
        {
            "page": page,
            "status": status,
            "q": q,
            "filters": filters,
            "query": _query_without_page(request),
        },
    )


def _page(rows: Any, number: Any, *, count: int | None) -> Any:
    """A page of ``rows``; ``count`` is the total when the tab counts already counted it (the
    paginator would otherwise count the same rows again)."""
    paginator = Paginator(rows, PAGE_SIZE)
    if count is not None:
        paginator.count = count  # type: ignore[misc]  # a cached_property, set ahead
    return paginator.get_page(number)


def _today() -> Any:
    return timezone.localdate()


@require_http_methods(["GET", "POST"])
@actor_required(*APPLICANTS)
def application_new(request: HttpRequest, code: str) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    matter = selectors.matter_for_applicant(actor=actor, code=code)
    page = handler_for_key(matter.handler).page_url()
    if page:  # the matter is done on its own page (a query shows the record at once)
        return redirect(page)
    fields = form_fields(matter.fields)
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    error = ""
    client_key = uuid.uuid4().hex
    if request.method == "POST":
        values = _form_values(request, fields)
        client_key = request.POST.get("client_key", "")[:64] or client_key
        try:
            application, _created = services.application_create(
                actor=actor, matter=matter, data=values, client_key=client_key
            )
        except ApplicationDataInvalid as exc:
            errors = exc.errors
            error = "申请表有填写错误，请按提示修改"
        except DomainError as exc:
            error = exc.message
        else:
            then = "请上传材料后提交" if matter.materials else "请核对后提交"
            messages.success(request, f"申请已保存为草稿（编号 {application.number}）。{then}。")
            return redirect("applications:detail", number=application.number)
    return render(
        request,
        "applications/new.html",
        {
            "matter": matter,
            "rows": _field_rows(fields, values, errors),
            "error": error,
            "client_key": client_key,
            "mode": matter.acceptance_mode,
            "max_upload_mb": settings.SHEBAO_UPLOAD_MAX_BYTES // (1024 * 1024),
            "commitment_text": selectors.commitment_text(matter)
            if matter.acceptance_mode == matter.AcceptanceMode.COMMITMENT
            else "",
        },
        status=422 if request.method == "POST" else 200,
    )


def _detail(
    request: HttpRequest,
    application: Application,
    *,
    error: str = "",
    decision_errors: dict[str, str] | None = None,
    posted: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    context = selectors.application_overview(actor=actor, application=application)
    context.update(
        {
            "error": error,
            "decision_errors": decision_errors or {},
            "posted": posted or {},
            "max_upload_mb": settings.SHEBAO_UPLOAD_MAX_BYTES // (1024 * 1024),
        }
    )
    context["mail"] = mailing.mail_overview(actor=actor, application=application)
    template = (
        "applications/staff_detail.html" if context["is_reviewer"] else "applications/detail.html"
    )
    return render(request, template, context, status=status)


def _fresh(request: HttpRequest, number: str) -> Application:
    return selectors.application_get(actor=request.actor, number=number)  # type: ignore[attr-defined]


@require_GET
@actor_required(*EVERYONE)
def application_detail(request: HttpRequest, number: str) -> HttpResponse:
    return _detail(request, _fresh(request, number))


@require_http_methods(["GET", "POST"])
@actor_required(*APPLICANTS)
def application_edit(request: HttpRequest, number: str) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    application = _fresh(request, number)
    if "edit" not in selectors.allowed_actions(actor=actor, application=application):
        messages.error(request, f"申请当前状态为“{application.status_label}”，不能修改")
        return redirect("applications:detail", number=application.number)
    fields = form_fields(application.matter.fields)
    values: dict[str, Any] = dict(application.data)
    errors: dict[str, str] = {}
    error = ""
    version = application.version
    if request.method == "POST":
        values = _form_values(request, fields)
        try:
            services.application_update(
                actor=actor, application=application, data=values, version=_version(request)
            )
        except ApplicationDataInvalid as exc:
            errors = exc.errors
            error = "申请表有填写错误，请按提示修改"
            version = _version(request) or version
        except DomainError as exc:
            # A stale form keeps what was typed; saving again applies it to the current version.
            error = exc.message
            if exc.code == "APPLICATION_STALE":
                error += "（申请已在别处被修改，请核对下方内容后再次保存）"
        else:
            messages.success(request, "申请表已保存")
            return redirect("applications:detail", number=application.number)
    return render(
        request,
        "applications/edit.html",
        {
            "application": application,
            "rows": _field_rows(fields, values, errors),
            "error": error,
            "version": version,
        },
        status=422 if request.method == "POST" else 200,
    )


def _act(request: HttpRequest, number: str, run: Any, success: str | Any) -> HttpResponse:
    """Run one state-changing service; on refusal show the case again with the message.

    ``success`` is the message, or a function of the application the service returned."""
    application = _fresh(request, number)
    try:
        result = run(request.actor, application)  # type: ignore[attr-defined]
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        return _detail(request, _fresh(request, number), error=exc.message, status=exc.status)
    messages.success(request, success(result) if callable(success) else success)
    return redirect("applications:detail", number=application.number)


@require_POST
@actor_required(*APPLICANTS)
def application_submit(request: HttpRequest, number: str) -> HttpResponse:
    return _act(
        request,
        number,
        lambda actor, app: services.application_submit(
            actor=actor,
            application=app,
            version=_version(request),
            commitment_accepted=request.POST.get("commitment_accepted") == "on",
        ),
        _submitted_message,
    )


def _submitted_message(application: Any) -> str:
    if application.status == Application.Status.COMPLETED:
        return "申请已提交，已即时办结。"
    return "申请已提交，请等待经办机构受理。"


@require_POST
@actor_required(*APPLICANTS)
def application_recall(request: HttpRequest, number: str) -> HttpResponse:
    return _act(
        request,
        number,
        lambda actor, app: services.application_recall(
            actor=actor, application=app, version=_version(request)
        ),
        "申请已回退为草稿，修改后请重新提交。",
    )


@require_POST
@actor_required(*APPLICANTS)
def application_withdraw(request: HttpRequest, number: str) -> HttpResponse:
    return _act(
        request,
        number,
        lambda actor, app: services.application_withdraw(
            actor=actor,
            application=app,
            version=_version(request),
            reason=request.POST.get("reason", ""),
        ),
        "申请已撤回。",
    )


@require_POST
@actor_required(*APPLICANTS)
def material_upload(request: HttpRequest, number: str) -> HttpResponse:
    return _act(
        request,
        number,
        lambda actor, app: services.material_upload(
            actor=actor,
            application=app,
            code=request.POST.get("code", ""),
            file=request.FILES.get("file"),  # type: ignore[arg-type]
        ),
        "材料已上传。",
    )


@require_POST
@actor_required(*APPLICANTS)
def material_remove(request: HttpRequest, number: str, material_id: int) -> HttpResponse:
    return _act(
        request,
        number,
        lambda actor, app: services.material_remove(
            actor=actor, application=app, material_id=material_id
        ),
        "材料已删除。",
    )


@require_GET
@actor_required(*EVERYONE)
def material_download(request: HttpRequest, number: str, material_id: int) -> FileResponse:
    actor = request.actor  # type: ignore[attr-defined]
    application = _fresh(request, number)
    material = selectors.material_get(actor=actor, application=application, material_id=material_id)
    return FileResponse(
        material.file.open("rb"),
        as_attachment=True,
        filename=material.original_name,
        content_type=material.content_type,
    )


# --- staff ----------------------------------------------------------------------------------

DECISION_SUCCESS = {
    "accept": "已受理，办结时限开始计算。",
    "return": "已退回申请人补正。",
    "reject": "已作出不予办理决定。",
    "approve": "已审核通过。",
    "complete": "已办结。",
}


@require_POST
@actor_required(actors.STAFF)
def application_decide(request: HttpRequest, number: str) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    application = _fresh(request, number)
    action = request.POST.get("action", "")
    reason = request.POST.get("reason", "")
    try:
        services.application_decide(
            actor=actor,
            application=application,
            action=action,
            version=_version(request),
            reason=reason,
        )
    except DomainError as exc:
        if isinstance(exc, NotFound):
            raise
        return _detail(
            request,
            _fresh(request, number),
            error=exc.message,
            decision_errors={action: exc.message},
            posted={"action": action, "reason": reason},
            status=exc.status,
        )
    messages.success(request, DECISION_SUCCESS.get(action, "已处理。"))
    return redirect("applications:detail", number=application.number)


@require_GET
@actor_required(actors.STAFF)
def queue(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    status = request.GET.get("status") or "submitted"
    overdue = request.GET.get("overdue") == "1"
    district = request.GET.get("district", "")
    q = request.GET.get("q", "").strip()
    rows = selectors.review_queue(
        actor=actor, status=status, overdue=overdue, q=q, district=district or None
    )
    counts = selectors.queue_counts(actor=actor, district=district or None)
    known = None if q else counts.of_tab(status, overdue=overdue)
    page = _page(rows, request.GET.get("page"), count=known)
    return render(
        request,
        "applications/queue.html",
        {
            "page": page,
            "status": status,
            "overdue": overdue,
            "district": district,
            "q": q,
            "tabs": selectors.QUEUE_TABS,
            "counts": counts,
            "districts": selectors.staff_districts(actor=actor),
            "query": _query_without_page(request),
        },
    )


@require_POST
@actor_required(*APPLICANTS)
def mail_declare(request: HttpRequest, number: str) -> HttpResponse:
    """邮寄材料: the applicant records the post's tracking number and what it holds."""
    return _act(
        request,
        number,
        lambda actor, app: mailing.mail_in_declare(
            actor=actor,
            application=app,
            carrier=request.POST.get("carrier", "")[:8],
            tracking_number=tracking_number_spelling(request.POST.get("tracking_number", ""))[:40],
            codes=[c[:64] for c in request.POST.getlist("codes")[:50]],
            contact=request.POST.get("contact", "")[:100],
        ),
        "已登记邮寄信息。请按页面所示地址寄送，并在邮寄单备注栏写明所办业务与联系方式。",
    )


@require_POST
@actor_required(actors.STAFF)
def mail_receive(request: HttpRequest, number: str, mailing_id: int) -> HttpResponse:
    """签收: staff record that the post arrived (容缺 materials in it are supplied)."""
    return _act(
        request,
        number,
        lambda actor, app: mailing.mail_in_receive(
            actor=actor, application=app, mailing=mailing_id
        ),
        "已登记签收邮寄材料。",
    )
