"""Pages: the unit's base declaration, its bills and each line's explanation; the staff page of
assessment runs. Thin: parse, call one selector or service, render."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from shebao.accounts import actors
from shebao.accounts.decorators import actor_required
from shebao.applications.handlers import LinesInvalid
from shebao.applications.selectors import matter_for_applicant
from shebao.calculators.services import base_limits_for
from shebao.common.errors import DomainError
from shebao.common.periods import YearMonth
from shebao.contributions import bases, selectors
from shebao.insurance.exports import xlsx_response

# Employees the on-screen declaration lists; a larger unit declares with the sheet.
SCREEN_MAX = 300


def _month_param(request: HttpRequest, name: str, default: YearMonth) -> YearMonth:
    text = (request.POST.get(name) or request.GET.get(name) or "").strip()
    if not text:
        return default
    try:
        return YearMonth.parse(text, field=name)
    except DomainError:
        return default


@actor_required(actors.UNIT)
@require_http_methods(["GET", "POST"])
def base_declaration(request: HttpRequest) -> HttpResponse:
    """缴费基数申报: the unit's employees in the effective month with the wage declared in force;
    the unit enters each one's wage (or uploads the sheet) and the signed wage roster."""
    actor = request.actor  # type: ignore[attr-defined]
    matter = matter_for_applicant(actor=actor, code=bases.MATTER)
    unit = actor.unit
    today = timezone.localdate()
    month = _month_param(request, "effective_month", YearMonth.of(today))
    try:
        year = int(request.POST.get("declare_year") or request.GET.get("declare_year") or 0)
    except ValueError:
        year = 0
    year = year or month.year
    staff = selectors.unit_staff_bases(actor=actor, unit=unit, month=month)
    context: dict[str, Any] = {
        "matter": matter,
        "unit": unit,
        "month": month,
        "year": year,
        "staff": staff[:SCREEN_MAX],
        "staff_total": len(staff),
        "screen_max": SCREEN_MAX,
        "client_key": uuid.uuid4().hex,
    }
    try:
        context["limits"] = base_limits_for(region=unit.district_id, month=month)
        context["wage_limit"] = bases.wage_limit(unit=unit, month=month)
    except DomainError as error:
        context["error"] = error.message
    if request.method == "POST":
        material = request.FILES.get("material")
        sheet = request.FILES.get("sheet")
        try:
            if sheet is not None:
                rows = bases.read_sheet(sheet)
            else:
                rows = [
                    bases.DeclaredRow(
                        row=index,
                        id_number=request.POST.get(f"id_{index}", ""),
                        name=request.POST.get(f"name_{index}", ""),
                        wage=request.POST.get(f"wage_{index}", ""),
                    )
                    for index in range(1, min(int(request.POST.get("rows", "0") or 0), 20_000) + 1)
                    if request.POST.get(f"wage_{index}", "").strip()
                ]
            if material is None:
                raise DomainError(
                    "请上传加盖单位公章的职工上年度工资明细表", code="MATERIAL_REQUIRED"
                )
            application, _created = bases.base_declaration_submit(
                actor=actor,
                unit=unit,
                year=year,
                effective_month=month,
                rows=rows,
                material=material,
                remark=request.POST.get("remark", ""),
                client_key=request.POST.get("client_key", "")[:64],
            )
        except LinesInvalid as refused:
            context["problems"] = refused.details.get("rows", [])[:200]
            context["problem_count"] = len(refused.details.get("rows", []))
            context["error"] = refused.message
        except (DomainError, ValueError) as error:
            context["error"] = getattr(error, "message", "申报内容有误，请核对后重新提交")
        else:
            messages.success(
                request,
                f"缴费基数申报已提交（申请编号 {application.number}），请等待经办机构受理审核。",
            )
            return redirect("applications:detail", number=application.number)
    return render(request, "contributions/bases.html", context)


@actor_required(actors.UNIT)
def base_sheet(request: HttpRequest) -> HttpResponse:
    """The declaration sheet (.xlsx) pre-filled with the unit's employees of the month and the
    wages declared in force."""
    actor = request.actor  # type: ignore[attr-defined]
    matter_for_applicant(actor=actor, code=bases.MATTER)
    month = _month_param(request, "effective_month", YearMonth.of(timezone.localdate()))
    staff = selectors.unit_staff_bases(actor=actor, unit=actor.unit, month=month)
    rows = [(s.id_number, s.name, f"{s.wage}" if s.wage is not None else "") for s in staff]
    return xlsx_response(bases.template_workbook(rows), f"缴费基数申报表{month}.xlsx")
