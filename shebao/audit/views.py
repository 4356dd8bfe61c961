"""Audit pages: an individual's complaints and reports, and the audit department's cases."""

from __future__ import annotations

import uuid
from datetime import date

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from shebao.accounts import actors
from shebao.accounts.decorators import actor_required
from shebao.audit import selectors, services
from shebao.audit.models import AuditCase
from shebao.common.errors import DomainError, InvalidInput

FORM_FIELDS = (
    ("kind", 10),
    ("respondent_name", 200),
    ("respondent_credit_code", 30),
    ("content", 2000),
    ("materials", 500),
    ("request_key", 40),
)


@actor_required(actors.INDIVIDUAL)
@require_http_methods(["GET", "POST"])
def reports(request: HttpRequest) -> HttpResponse:
    """The individual's own complaints and reports, and the form to file one."""
    actor = request.actor  # type: ignore[attr-defined]
    error = ""
    form = {"request_key": uuid.uuid4().hex, "kind": AuditCase.Kind.COMPLAINT}
    if request.method == "POST":
        form = {name: request.POST.get(name, "")[:limit] for name, limit in FORM_FIELDS}
        try:
            case = services.report_file(actor=actor, **form)
            messages.success(request, f"投诉举报已登记，编号 {case.number}。")
            return redirect("audit:report", case.number)
        except DomainError as refused:
            error = refused.message
    return render(
        request,
        "audit/reports.html",
        {
            "rows": selectors.reports_for(actor=actor)[:100],
            "form": form,
            "kinds": AuditCase.Kind.choices,
            "error": error,
        },
        status=422 if error else 200,
    )


@actor_required(actors.INDIVIDUAL)
def report(request: HttpRequest, number: str) -> HttpResponse:
    """The progress of the individual's own report."""
    case = selectors.case_for(actor=request.actor, number=number)  # type: ignore[attr-defined]
    if case is None:
        raise Http404
    return render(request, "audit/report.html", {"case": case, "steps": selectors.progress(case)})


@actor_required(actors.STAFF)
def cases(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    return render(
        request,
        "audit/cases.html",
        {
            "rows": selectors.cases_for(actor=request.actor, status=status)[:200],  # type: ignore[attr-defined]
            "status": status,
            "statuses": AuditCase.Status.choices,
        },
    )


def _date(text: str, field: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise InvalidInput("日期应为 YYYY-MM-DD", code="AUDIT_DATE_INVALID", field=field) from None


@actor_required(actors.STAFF)
@require_http_methods(["GET", "POST"])
def case(request: HttpRequest, number: str) -> HttpResponse:
    """One case for the audit department: its report, its steps and the next actions."""
    actor = request.actor  # type: ignore[attr-defined]
    found = selectors.case_for(actor=actor, number=number)
    if found is None:
        raise Http404
    error = ""
    if request.method == "POST":
        action = request.POST.get("action", "")
        note = request.POST.get("note", "")[:500]
        try:
            if action == "open":
                services.case_open(actor=actor, case=found, note=note)
            elif action == "suspend":
                services.case_suspend(
                    actor=actor,
                    case=found,
                    start=_date(request.POST.get("start", ""), "start"),
                    reason=request.POST.get("reason", "")[:200],
                )
            elif action == "resume":
                services.case_resume(
                    actor=actor, case=found, on=_date(request.POST.get("on", ""), "on")
                )
            elif action == "close":
                services.case_close(
                    actor=actor,
                    case=found,
                    outcome=request.POST.get("outcome", "")[:12],
                    note=note,
                )
            else:
                raise InvalidInput("未知的操作", code="AUDIT_ACTION_UNKNOWN")
            messages.success(request, "已办理。")
            return redirect("audit:case", found.number)
        except DomainError as refused:
            error = refused.message
            found.refresh_from_db()
    return render(
        request,
        "audit/case.html",
        {
            "case": found,
            "events": found.events.select_related("actor"),
            "suspensions": found.suspensions.all(),
            "may_handle": services.may_handle(actor, found),
            "outcomes": AuditCase.Outcome.choices,
            "error": error,
        },
        status=422 if error else 200,
    )
