"""Pages: a person's bookings and the booking form, the consultation directory, and the desk's
day list where staff mark arrivals and enter telephone appointments. Thin: parse, call one
selector or service, render."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from shebao.accounts import actors
from shebao.accounts.decorators import actor_required
from shebao.accounts.selectors import actor_region, visitor_region
from shebao.appointments import selectors, services
from shebao.appointments.access import unit_may_book
from shebao.common.errors import DomainError, PermissionDenied
from shebao.common.identifiers import id_number_spelling, mobile_spelling
from shebao.policy.selectors import param
from shebao.registry.directory import Office, directory_for, office_get, offices
from shebao.registry.selectors import regions_pooling


def _back(request: HttpRequest) -> str:
    """Where a desk form returns: the desk page it was sent from (never another site)."""
    target = request.POST.get("back", "")
    desk = reverse("appointments:desk")
    return target if target.startswith(f"{desk}?") or target == desk else desk


def _day(raw: str, default: date | None = None) -> date | None:
    try:
        return date.fromisoformat((raw or "")[:10])
    except ValueError:
        return default


def _offices_for(actor: Any) -> list[Office]:
    region = actor_region(actor=actor)
    found = directory_for(region.code if region else None)
    return list(found.offices) if found and found.offices else offices()


def _unit_may_book(actor: Any) -> None:
    if actor.is_unit and not unit_may_book(actor):
        raise PermissionDenied(
            "您没有获得“业务预约（约办）”的授权，请联系本单位管理员", code="MATTER_NOT_GRANTED"
        )


@actor_required(actors.INDIVIDUAL, actors.UNIT)
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    """我的预约 (a unit's: the unit's) and the booking form: department → day → slot."""
    actor = request.actor  # type: ignore[attr-defined]
    _unit_may_book(actor)
    places = _offices_for(actor)
    office = office_get(request.GET.get("office", "")[:40]) or (places[0] if places else None)
    departments = [
        d for d in selectors.bookable_departments() if office and d.code in office.departments
    ]
    chosen = request.GET.get("department", "")[:40]
    department = next((d for d in departments if d.code == chosen), None) or (
        departments[0] if departments else None
    )
    days = selectors.booking_days(region=office.region) if office else []
    day = _day(request.GET.get("date", ""))
    if day not in days:
        day = days[0] if days else None
    slots: list[selectors.SlotView] = []
    if office and department and day:
        slots = selectors.slots_for(department=department.code, day=day, office=office.code)
    return render(
        request,
        "appointments/mine.html",
        {
            "appointments": selectors.appointments_of(actor=actor)[:20],
            "now": timezone.now(),
            "places": places,
            "office": office,
            "departments": departments,
            "department": department,
            "days": days,
            "day": day,
            "slots": slots,
            "directory": directory_for(office.region) if office else None,
        },
    )


@actor_required(actors.INDIVIDUAL, actors.UNIT)
@require_POST
def book(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    _unit_may_book(actor)
    try:
        appointment = services.appointment_book(
            actor=actor,
            slot=request.POST.get("slot", ""),
            matter=request.POST.get("matter", "")[:200],
        )
    except DomainError as refused:
        messages.error(request, refused.message)
        back = {k: request.POST.get(k, "")[:40] for k in ("office", "department", "date")}
        return redirect(f"{reverse('appointments:mine')}?{urlencode(back)}")
    messages.success(request, f"预约成功，预约号 {appointment.pk}。前一天会有短信提醒。")
    return redirect("appointments:mine")


@actor_required(actors.INDIVIDUAL, actors.UNIT, actors.STAFF)
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    try:
        appointment = services.appointment_cancel(actor=actor, appointment=pk)
    except DomainError as refused:
        if refused.status == 404:
            raise
        messages.error(request, refused.message)
    else:
        messages.success(request, f"预约 {appointment.pk} 已取消。")
    if actor.is_staff:
        return redirect(_back(request))
    return redirect("appointments:mine")


@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    """咨询与约办: the region's consultation directory (public)."""
    region = visitor_region(
        actor=request.actor,  # type: ignore[attr-defined]
        chosen=request.GET.get("region", "")[:6],
    )
    found = directory_for(region.code if region else None)
    hours = None
    if region is not None:
        hours = param(region=region.code, key="calendar.office_hours", on=timezone.localdate())
    return render(
        request,
        "appointments/directory.html",
        {
            "region": region,
            "region_choices": regions_pooling(),
            "directory": found,
            "hours": hours,
            "mail_recipient": found.mail.recipient_for("相关业务处室")
            if found and found.mail
            else "",
            "mail_note": found.mail.note_for("所办业务名称") if found and found.mail else "",
        },
    )


def _desk_choice(request: HttpRequest, actor: Any) -> tuple[list, Office | None, Any]:
    desks = selectors.desks(actor=actor)
    key = request.GET.get("desk", "")[:80]
    chosen = next((d for d in desks if f"{d[0].code}:{d[1].code}" == key), None)
    if chosen is None and desks:
        chosen = desks[0]
    return desks, (chosen[0] if chosen else None), (chosen[1] if chosen else None)


def _desk_url(office: Office | None, department: Any, day: date | None) -> str:
    query = {}
    if office and department:
        query["desk"] = f"{office.code}:{department.code}"
    if day:
        query["date"] = day.isoformat()
    return f"{reverse('appointments:desk')}?{urlencode(query)}"


@actor_required(actors.STAFF)
@require_GET
def desk(request: HttpRequest) -> HttpResponse:
    """约办台账: a desk's bookings of one day; arrivals, no-shows and telephone appointments."""
    actor = request.actor  # type: ignore[attr-defined]
    desks, office, department = _desk_choice(request, actor)
    day = _day(request.GET.get("date", ""), timezone.localdate())
    rows: Any = []
    slots: list[selectors.SlotView] = []
    if office and department:
        rows = selectors.day_list(actor=actor, office=office, department=department.code, day=day)
        slots = selectors.day_slots(actor=actor, office=office, department=department.code, day=day)
    return render(
        request,
        "appointments/desk.html",
        {
            "desks": desks,
            "office": office,
            "department": department,
            "desk_key": f"{office.code}:{department.code}" if office and department else "",
            "day": day,
            "closed": selectors.closed_reason(day),
            "rows": rows,
            "slots": slots,
            "open_slots": [s for s in slots if s.left],
            "today": timezone.localdate(),
            "back": _desk_url(office, department, day),
            "previous_url": _desk_url(office, department, day - timedelta(days=1)),
            "next_url": _desk_url(office, department, day + timedelta(days=1)),
        },
    )


@actor_required(actors.STAFF)
@require_POST
def phone(request: HttpRequest) -> HttpResponse:
    """电话约办: staff book a slot for a caller."""
    actor = request.actor  # type: ignore[attr-defined]
    try:
        appointment = services.appointment_book(
            actor=actor,
            slot=request.POST.get("slot", ""),
            id_number=id_number_spelling(request.POST.get("id_number", "")[:40]),
            mobile=mobile_spelling(request.POST.get("mobile", "")[:40]),
            matter=request.POST.get("matter", "")[:200],
        )
    except DomainError as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            f"已为{appointment.person.name}登记电话约办，预约号 {appointment.pk}，已短信告知。",
        )
    return redirect(_back(request))


@actor_required(actors.STAFF)
@require_POST
def mark(request: HttpRequest, pk: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    try:
        appointment = services.appointment_mark(
            actor=actor, appointment=pk, arrived=request.POST.get("outcome") == "arrived"
        )
    except DomainError as refused:
        if refused.status == 404:
            raise
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            f"预约 {appointment.pk}（{appointment.person.name}）：{appointment.get_status_display()}",
        )
    return redirect(_back(request))
