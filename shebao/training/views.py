"""Pages of training and skill-level assessment. Thin: parse, call one selector or service,
render."""

from __future__ import annotations

import io

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from shebao.accounts import actors
from shebao.accounts.decorators import actor_required
from shebao.accounts.forms import apply_error
from shebao.common.errors import Conflict, InvalidInput, PermissionDenied
from shebao.training import access, selectors, services
from shebao.training.forms import CandidateForm, FilingForm, PlanForm, RegistrationForm, ResultForm
from shebao.training.models import Trade
from shebao.training.workflow import plan_path

Refusal = (InvalidInput, Conflict)  # shown on the page; refusals of access propagate (403/404)


# --- the directory and registrations ----------------------------------------------------------


@require_GET
def institutions(request: HttpRequest) -> HttpResponse:
    """就业创业培训报名: search institutions by trade name, or by the institution's full name."""
    trade, q = request.GET.get("trade", "")[:50], request.GET.get("q", "")[:200]
    rows = list(selectors.institutions_search(trade=trade, q=q)[:100])
    return render(
        request,
        "training/institutions.html",
        {"rows": rows, "trade": trade, "q": q, "trades": selectors.trades_all()},
    )


@actor_required(actors.INDIVIDUAL)
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    institution = selectors.institution_get(pk=pk)
    form = RegistrationForm(
        request.POST or None,
        institution=institution,
        initial={"mobile": actor.person.mobile if actor.person else ""},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            registration, created = services.registration_submit(
                actor=actor,
                institution=institution,
                trade=data["trade"],
                employment_status=data["employment_status"],
                mobile=data["mobile"],
                submission_key=data.get("submission_key", ""),
            )
        except Refusal as refused:
            apply_error(form, refused)
        else:
            if created:
                messages.success(
                    request, f"报名已提交（报名编号 {registration.number}），请等待培训机构确认。"
                )
            return redirect("training:registration", registration.number)
    return render(
        request,
        "training/register.html",
        {"form": form, "institution": institution},
        status=422 if request.method == "POST" else 200,
    )


@actor_required(actors.INDIVIDUAL, actors.UNIT)
@require_GET
def registrations(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    return render(
        request,
        "training/registrations.html",
        {"rows": selectors.registrations_for(actor=actor)[:200]},
    )


@actor_required(actors.INDIVIDUAL, actors.UNIT)
@require_http_methods(["GET", "POST"])
def registration(request: HttpRequest, number: str) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    found = selectors.registration_for(actor=actor, number=number)
    error = ""
    if request.method == "POST":
        try:
            found = services.registration_act(
                actor=actor,
                registration=found,
                action=request.POST.get("action", "")[:24],
                note=request.POST.get("note", "")[:500],
            )
        except Refusal as refused:
            error = refused.message
        else:
            messages.success(request, "已办理。")
            return redirect("training:registration", found.number)
    return render(
        request,
        "training/registration.html",
        {
            "registration": found,
            "steps": selectors.registration_steps(actor=actor, registration=found),
            "events": selectors.events_of(subject="registration", pk=found.pk),
            "error": error,
        },
        status=422 if error else 200,
    )


# --- skill-level assessment --------------------------------------------------------------------


@actor_required(actors.UNIT, actors.STAFF)
@require_GET
def assessment(request: HttpRequest) -> HttpResponse:
    """职业技能等级认定: the institution's filing and plans; the centre's filings and plans."""
    actor = request.actor  # type: ignore[attr-defined]
    is_centre = bool(access.centre_districts(actor))
    if actor.is_unit and not access.institution_may(actor):
        raise PermissionDenied("您没有获得办理职业技能等级认定的授权", code="MATTER_NOT_GRANTED")
    return render(
        request,
        "training/assessment.html",
        {
            "is_centre": is_centre,
            "filing": selectors.own_filing(actor=actor),
            "filings": selectors.filings_for_centre(actor=actor) if is_centre else [],
            "plans": selectors.plans_for(actor=actor)[:200],
        },
    )


@actor_required(actors.UNIT)
@require_http_methods(["GET", "POST"])
def filing(request: HttpRequest) -> HttpResponse:
    """职业技能等级认定机构备案 (岗位技能提升培训企业维护)."""
    actor = request.actor  # type: ignore[attr-defined]
    if not access.institution_may(actor):
        raise PermissionDenied("您没有获得办理职业技能等级认定的授权", code="MATTER_NOT_GRANTED")
    current = selectors.own_filing(actor=actor)
    initial = {}
    if current is not None:
        initial = {
            "trades": list(current.trades.all()),
            "max_level": current.max_level,
            "contact_name": current.contact_name,
            "contact_mobile": current.contact_mobile,
        }
    form = FilingForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.filing_submit(
                actor=actor,
                trades=data["trades"],
                max_level=data["max_level"],
                contact_name=data["contact_name"],
                contact_mobile=data["contact_mobile"],
            )
        except Refusal as refused:
            apply_error(form, refused)
        else:
            messages.success(request, "备案已提交，请等待鉴定中心审核。")
            return redirect("training:assessment")
    return render(
        request,
        "training/filing.html",
        {"form": form, "filing": current},
        status=422 if request.method == "POST" else 200,
    )


@actor_required(actors.STAFF)
@require_http_methods(["GET", "POST"])
def filing_review(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    found = selectors.filing_for_centre(actor=actor, pk=pk)
    error = ""
    if request.method == "POST":
        try:
            services.filing_act(
                actor=actor,
                filing=found,
                action=request.POST.get("action", "")[:24],
                note=request.POST.get("note", "")[:500],
            )
        except Refusal as refused:
            error = refused.message
        else:
            messages.success(request, "已办理。")
            return redirect("training:filing_review", found.pk)
    from shebao.training.workflow import CENTRE, steps_open

    return render(
        request,
        "training/filing_review.html",
        {
            "filing": found,
            "steps": steps_open("filing", found.status, CENTRE),
            "events": selectors.events_of(subject="filing", pk=found.pk),
            "error": error,
        },
        status=422 if error else 200,
    )


@actor_required(actors.UNIT)
@require_http_methods(["GET", "POST"])
def plan_new(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    if not access.institution_may(actor):
        raise PermissionDenied("您没有获得办理职业技能等级认定的授权", code="MATTER_NOT_GRANTED")
    current = selectors.own_filing(actor=actor)
    trades = current.trades.order_by("code") if current is not None else Trade.objects.none()
    form = PlanForm(request.POST or None, trades=trades)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan, _ = services.plan_create(
                actor=actor,
                trade=data["trade"],
                level=data["level"],
                exam_date=data["exam_date"],
                venue=data["venue"],
                submission_key=data.get("submission_key", ""),
            )
        except Refusal as refused:
            apply_error(form, refused)
        else:
            messages.success(request, f"认定计划 {plan.number} 已制定，请录入考生信息后提交。")
            return redirect("training:plan", plan.number)
    return render(
        request,
        "training/plan_new.html",
        {"form": form, "filing": current},
        status=422 if request.method == "POST" else 200,
    )


def _plan_post(request: HttpRequest, actor: object, plan: object) -> tuple[str, object]:
    """Run the posted step; returns (error, form with errors or None)."""
    action = request.POST.get("action", "")[:24]
    if action == "add_candidate":
        form = CandidateForm(request.POST)
        if not form.is_valid():
            return "请按提示填写考生信息", form
        services.candidate_add(actor=actor, plan=plan, **form.cleaned_data)
    elif action == "remove_candidate":
        raw = request.POST.get("candidate", "")
        services.candidate_remove(
            actor=actor, plan=plan, candidate_id=int(raw) if raw.isdigit() else 0
        )
    elif action == "submit":
        services.plan_submit(actor=actor, plan=plan)
    elif action == "enter_results":
        form = ResultForm(request.POST)
        if not form.is_valid():
            return "请按提示填写成绩", form
        services.results_enter(actor=actor, plan=plan, **form.cleaned_data)
    elif action == "confirm_results":
        services.plan_confirm_results(actor=actor, plan=plan)
    else:
        services.plan_centre_act(
            actor=actor, plan=plan, action=action, note=request.POST.get("note", "")[:500]
        )
    return "", None


@actor_required(actors.UNIT, actors.STAFF)
@require_http_methods(["GET", "POST"])
def plan(request: HttpRequest, number: str) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    found = selectors.plan_for(actor=actor, number=number)
    error, bad_form = "", None
    if request.method == "POST":
        try:
            error, bad_form = _plan_post(request, actor, found)
        except Refusal as refused:
            error = refused.message
        if not error:
            messages.success(request, "已办理。")
            return redirect("training:plan", found.number)
        found = selectors.plan_for(actor=actor, number=number)
    today = timezone.localdate()
    return render(
        request,
        "training/plan.html",
        {
            "plan": found,
            "path": plan_path(),
            "candidates": list(found.candidates.all()),
            "certificates": {c.candidate_id: c for c in selectors.certificates_of_plan(plan=found)},
            "steps": selectors.plan_steps(actor=actor, plan=found),
            "events": selectors.events_of(subject="plan", pk=found.pk),
            "error": error,
            "bad_form": bad_form,
            "exam_reached": today >= found.exam_date,
        },
        status=422 if error else 200,
    )


@actor_required(actors.UNIT, actors.STAFF)
@require_GET
def tickets(request: HttpRequest, number: str) -> HttpResponse:
    """下载准考证: the plan's admission tickets as a spreadsheet (one row a candidate)."""
    from openpyxl import Workbook

    found = selectors.plan_for(actor=request.actor, number=number)  # type: ignore[attr-defined]
    if not found.submitted_at:
        raise InvalidInput("认定计划提交后方可下载准考证", code="TICKETS_NOT_READY")
    book = Workbook()
    sheet = book.active
    sheet.title = "准考证"
    sheet.append([f"职业技能等级认定准考证　计划编号 {found.number}"])
    sheet.append(
        ["准考证号", "姓名", "公民身份号码", "职业（工种）", "等级", "开考日期", "考核地点"]
    )
    for candidate in found.candidates.all():
        sheet.append(
            [
                candidate.ticket_number,
                candidate.name,
                candidate.id_number,
                found.trade.name,
                found.get_level_display(),
                found.exam_date.isoformat(),
                found.venue,
            ]
        )
    for column, width in zip("ABCDEFG", (20, 10, 22, 16, 16, 12, 30), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{found.number}-tickets.xlsx"'
    return response


@actor_required(actors.INDIVIDUAL, actors.UNIT, actors.STAFF)
@require_GET
def certificates(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    return render(
        request,
        "training/certificates.html",
        {"rows": selectors.certificates_for(actor=actor)[:200]},
    )


@actor_required(actors.INDIVIDUAL, actors.UNIT, actors.STAFF)
@require_GET
def certificate(request: HttpRequest, number: str) -> HttpResponse:
    """The electronic certificate (电子证书) with its seal, which still matches its facts."""
    found = selectors.certificate_for(actor=request.actor, number=number)  # type: ignore[attr-defined]
    return render(
        request,
        "training/certificate.html",
        {"certificate": found, "sealed": services.certificate_digest(found) == found.digest},
    )


@require_GET
def professional_exam(request: HttpRequest) -> HttpResponse:
    """专业技术人员资格考试网上报名: run by the national platform; the hall gives the guide."""
    return render(request, "training/professional_exam.html")
