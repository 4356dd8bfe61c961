"""Pages of labour disputes: the parties' and staff's case lists, the online request and
application, the 12333 seat's entry, a case with its actions, the 仲裁申请书 to download.
Thin: parse, call one selector or service, render."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from shebao.accounts import actors
from shebao.accounts.decorators import actor_required
from shebao.accounts.forms import apply_error
from shebao.common.errors import Conflict, DomainError, InvalidInput, PermissionDenied
from shebao.disputes import access, documents, selectors, services
from shebao.disputes.forms import ActionForm, DisputeForm, HotlineForm
from shebao.disputes.models import DisputeCase

KIND_TITLES = {
    "mediation": "劳动人事争议调解申请",
    "arbitration": "劳动人事争议仲裁申请",
}


@actor_required(actors.INDIVIDUAL, actors.UNIT, actors.STAFF)
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The actor's cases (staff: their districts' cases, with the limits that run)."""
    actor = request.actor  # type: ignore[attr-defined]
    status = request.GET.get("status", "")
    today = timezone.localdate()
    rows = [
        (case, selectors.case_deadline(case=case, today=today))
        for case in selectors.cases_for(actor=actor, status=status)[:200]
    ]
    return render(
        request,
        "disputes/index.html",
        {
            "rows": rows,
            "status": status,
            "statuses": DisputeCase.Status.choices,
            "is_handler": bool(access.handler_districts(actor)),
            "may_apply": actor.is_individual
            or any(access.unit_may_apply(actor, kind) for kind in access.MATTERS),
        },
    )


@actor_required(actors.INDIVIDUAL, actors.UNIT)
@require_http_methods(["GET", "POST"])
def apply(request: HttpRequest, kind: str) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    if actor.is_unit and not access.unit_may_apply(actor, kind):
        raise PermissionDenied("您没有获得办理本事项的授权", code="MATTER_NOT_GRANTED")
    form = DisputeForm(request.POST or None, kind=kind, as_unit=actor.is_unit)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case, created = services.dispute_file(
                actor=actor,
                kind=kind,
                data=services.DisputeInput(
                    counterpart=data["counterpart"],
                    counterpart_name=data.get("counterpart_name", ""),
                    dispute_type=data["dispute_type"],
                    claims=data["claims"],
                    facts=data["facts"],
                    claim_amount=data.get("claim_amount") or None,
                    aware_date=data.get("aware_date"),
                    mobile=data.get("mobile", ""),
                ),
                submission_key=data.get("submission_key", ""),
            )
        except DomainError as refused:
            apply_error(form, refused)
        else:
            if created:
                messages.success(request, f"{KIND_TITLES[kind]}已提交，案件编号 {case.number}。")
            return redirect("disputes:case", case.number)
    return render(
        request,
        "disputes/apply.html",
        {"form": form, "kind": kind, "title": KIND_TITLES[kind]},
        status=422 if request.method == "POST" else 200,
    )


@actor_required(actors.STAFF)
@require_http_methods(["GET", "POST"])
def hotline(request: HttpRequest) -> HttpResponse:
    """12333 在线调解申请专席: a caller's mediation request, entered by the seat."""
    actor = request.actor  # type: ignore[attr-defined]
    access.hotline_require(actor, district=None)
    form = HotlineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case, created = services.dispute_hotline_enter(
                actor=actor,
                caller_name=data["caller_name"],
                caller_id_number=data["caller_id_number"],
                caller_mobile=data["caller_mobile"],
                data=services.DisputeInput(
                    counterpart=data["counterpart"],
                    dispute_type=data["dispute_type"],
                    claims=data["claims"],
                    facts=data["facts"],
                ),
                submission_key=data.get("submission_key", ""),
            )
        except DomainError as refused:
            apply_error(form, refused)
        else:
            if created:
                messages.success(
                    request, f"已为来电人录入调解申请，案件编号 {case.number}，请告知来电人。"
                )
            form = HotlineForm()
            return render(request, "disputes/hotline.html", {"form": form, "entered": case})
    return render(
        request,
        "disputes/hotline.html",
        {"form": form},
        status=422 if request.method == "POST" else 200,
    )


@actor_required(actors.INDIVIDUAL, actors.UNIT, actors.STAFF)
@require_http_methods(["GET", "POST"])
def case(request: HttpRequest, number: str) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    found = selectors.case_for(actor=actor, number=number)
    error = ""
    if request.method == "POST":
        form = ActionForm(request.POST)
        if not form.is_valid():
            error = next(iter(form.errors.values()))[0]
        else:
            data = form.cleaned_data
            try:
                found = services.dispute_act(
                    actor=actor,
                    case=found,
                    action=data["action"],
                    note=data["note"],
                    hearing_at=data["hearing_at"],
                    hearing_place=data["hearing_place"],
                )
            except (InvalidInput, Conflict) as refused:  # refusals of access propagate: 403/404
                error = refused.message
            else:
                messages.success(request, "已办理。")
                return redirect("disputes:case", found.number)
    today = timezone.localdate()
    return render(
        request,
        "disputes/case.html",
        {
            "case": found,
            "deadline": selectors.case_deadline(case=found, today=today),
            "actions": selectors.case_actions(actor=actor, case=found),
            "events": selectors.case_events(case=found),
            "may_arbitrate": access.is_applicant(actor, found)
            and selectors.may_arbitrate_after(case=found, today=today),
            "error": error,
            "earliest_hearing": today,
        },
        status=422 if error else 200,
    )


def _docx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=documents.CONTENT_TYPE)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


@require_GET
def form_blank(request: HttpRequest) -> HttpResponse:
    """The blank 仲裁申请书 anyone may download and fill in beforehand."""
    return _docx(
        documents.arbitration_application_docx(),
        "%E4%BB%B2%E8%A3%81%E7%94%B3%E8%AF%B7%E4%B9%A6.docx",  # 仲裁申请书.docx
    )


@actor_required(actors.INDIVIDUAL, actors.UNIT, actors.STAFF)
@require_GET
def case_form(request: HttpRequest, number: str) -> HttpResponse:
    """The case's 仲裁申请书, filled with its parties and claims, to print and sign."""
    found = selectors.case_for(actor=request.actor, number=number)  # type: ignore[attr-defined]
    return _docx(documents.arbitration_application_docx(case=found), f"{found.number}.docx")
