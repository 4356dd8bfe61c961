"""Emergency pages: the measures in force (public) and the manual operations (staff)."""

from __future__ import annotations

import uuid
from datetime import date

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from shebao.accounts import actors
from shebao.accounts.decorators import actor_required
from shebao.accounts.selectors import visitor_region
from shebao.common.errors import DomainError, InvalidInput
from shebao.emergency import selectors, services
from shebao.emergency.models import ManualOperation, ManualOperationEvent
from shebao.registry.selectors import regions_pooling


def _day(text: str) -> tuple[date, str]:
    """The day asked for (``?on=``), or today with a message when it is not a date."""
    today = timezone.localdate()
    if not text:
        return today, ""
    try:
        return date.fromisoformat(text[:10]), ""
    except ValueError:
        return today, f"“{text[:10]}”不是有效的日期（应为 YYYY-MM-DD），已按今天显示"


def measures(request: HttpRequest) -> HttpResponse:
    """The emergency measures in force in the visitor's region on a day (today by default)."""
    region = visitor_region(
        actor=request.actor,  # type: ignore[attr-defined]
        chosen=request.GET.get("region", "")[:6],
    )
    on, problem = _day(request.GET.get("on", ""))
    return render(
        request,
        "emergency/measures.html",
        {
            "region": region,
            "region_choices": regions_pooling(),
            "on": on,
            "problem": problem,
            "measures": selectors.measures_shown(region=region, on=on) if region else [],
        },
    )


# --- manual and off-system operations (staff) ---------------------------------------------------


def _operation_form(request: HttpRequest) -> dict[str, str]:
    return {
        name: request.POST.get(name, "")[:limit]
        for name, limit in (
            ("district", 6),
            ("kind", 12),
            ("business", 60),
            ("subject", 100),
            ("description", 500),
            ("performed_on", 10),
            ("request_key", 40),
        )
    }


@actor_required(actors.STAFF)
@require_http_methods(["GET", "POST"])
def operations(request: HttpRequest) -> HttpResponse:
    """The manual operations the staff member may see (the review list first), and the form
    that records one."""
    actor = request.actor  # type: ignore[attr-defined]
    error = ""
    form = {"request_key": uuid.uuid4().hex, "kind": ManualOperation.Kind.OFF_SYSTEM}
    if request.method == "POST":
        form = _operation_form(request)
        try:
            performed_on = _form_date(form["performed_on"])
            operation = services.manual_operation_record(
                actor=actor,
                district=form["district"],
                kind=form["kind"],
                business=form["business"],
                subject=form["subject"],
                description=form["description"],
                performed_on=performed_on,
                request_key=form["request_key"],
            )
            messages.success(request, f"已登记并标识 {operation.number}，待应急措施解除后审核。")
            return redirect("emergency:operations")
        except DomainError as refused:
            error = refused.message
    status = request.GET.get("status", "flagged")
    return render(
        request,
        "emergency/operations.html",
        {
            "rows": selectors.manual_operations_for(actor=actor, status=status)[:200],
            "status": status,
            "statuses": ManualOperation.Status.choices,
            "kinds": ManualOperation.Kind.choices,
            "districts": selectors.recording_districts(actor=actor),
            "form": form,
            "error": error,
        },
        status=422 if error else 200,
    )


def _form_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            "请填写办理日期（YYYY-MM-DD）", code="MANUAL_DATE_INVALID", field="performed_on"
        ) from None


@actor_required(actors.STAFF)
@require_http_methods(["GET", "POST"])
def operation(request: HttpRequest, number: str) -> HttpResponse:
    """One manual operation: its record, its trail, and its next step."""
    actor = request.actor  # type: ignore[attr-defined]
    found = selectors.manual_operation_for(actor=actor, number=number)
    error = ""
    if request.method == "POST":
        try:
            services.manual_operation_advance(
                actor=actor,
                operation=found,
                action=request.POST.get("action", "")[:10],
                note=request.POST.get("note", "")[:500],
            )
            messages.success(request, "已记录。")
            return redirect("emergency:operation", found.number)
        except DomainError as refused:
            error = refused.message
    step = services.STEPS.get(ManualOperation.Status(found.status))
    return render(
        request,
        "emergency/operation.html",
        {
            "operation": found,
            "events": found.events.select_related("actor"),
            "step": ManualOperationEvent.Action(step[0]) if step else None,
            "may_advance": services.may_advance(actor, found),
            "error": error,
        },
        status=422 if error else 200,
    )
