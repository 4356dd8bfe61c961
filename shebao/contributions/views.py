"""Pages: the unit's base declaration, its bills and each line's explanation; the staff page of
assessment runs. Thin: parse, call one selector or service, render."""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from shebao.accounts import actors
from shebao.accounts.decorators import actor_required
from shebao.applications.handlers import LinesInvalid
from shebao.applications.selectors import matter_for_applicant
from shebao.common.errors import Conflict, DomainError, InvalidInput
from shebao.common.money import from_fen
from shebao.common.pdf import pdf_response
from shebao.common.periods import YearMonth
from shebao.contributions import bases, documents, selectors
from shebao.contributions.models import Bill
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


def _declared_rows(request: HttpRequest) -> list[bases.DeclaredRow]:
    """The rows the unit entered: the uploaded sheet, else the on-screen table."""
    sheet = request.FILES.get("sheet")
    if sheet is not None:
        return bases.read_sheet(sheet)
    try:
        count = min(int(request.POST.get("rows", "0") or 0), bases.MAX_ROWS)
    except ValueError:
        count = 0
    return [
        bases.DeclaredRow(
            row=index,
            id_number=request.POST.get(f"id_{index}", ""),
            name=request.POST.get(f"name_{index}", ""),
            wage=request.POST.get(f"wage_{index}", ""),
        )
        for index in range(1, count + 1)
        if request.POST.get(f"wage_{index}", "").strip()
    ]


def _declaration_page(request: HttpRequest, kind: bases.Declaration) -> HttpResponse:
    """A base declaration page (the enterprise's or the institution's): the unit's staff in the
    effective month with the wage in force and the base it gives (clamped, the limit shown);
    the unit enters each one's wage (or uploads the sheet), previews the bases, and files it
    with the signed wage roster."""
    actor = request.actor  # type: ignore[attr-defined]
    matter = matter_for_applicant(actor=actor, code=kind.matter)
    unit = actor.unit
    bases.declaration_for(unit, kind)
    today = timezone.localdate()
    month = _month_param(request, "effective_month", YearMonth.of(today))
    try:
        year = int(request.POST.get("declare_year") or request.GET.get("declare_year") or 0)
    except ValueError:
        year = 0
    year = year or month.year
    staff = selectors.unit_staff_bases(actor=actor, unit=unit, month=month, schemes=kind.schemes)
    context: dict[str, Any] = {
        "kind": kind,
        "matter": matter,
        "unit": unit,
        "month": month,
        "year": year,
        "staff_total": len(staff),
        "screen_max": SCREEN_MAX,
        "client_key": request.POST.get("client_key", "")[:64] or uuid.uuid4().hex,
    }
    limits = None
    try:
        limits = bases.month_limits(region=unit.district_id, month=month)
        context["limits"] = limits
        context["wage_limit"] = bases.wage_limit(unit=unit, month=month)
    except DomainError as error:
        context["error"] = error.message
    context["staff"] = [
        (s, limits.clamp(s.wage_fen) if limits is not None and s.wage_fen is not None else None)
        for s in staff[:SCREEN_MAX]
    ]
    if request.method == "POST":
        material = request.FILES.get("material")
        try:
            rows = _declared_rows(request)
            if request.POST.get("action") == "preview":
                checks, problems = bases.declaration_preview(
                    actor=actor, unit=unit, effective_month=month, rows=rows, kind=kind
                )
                context["preview"] = checks
                if problems:
                    context["problems"] = [p.__dict__ for p in problems[:200]]
                    context["problem_count"] = len(problems)
                    context["error"] = (
                        f"申报有 {len(problems)} 处错误，修改后才能提交；下方为可识别各行的核定基数预览"
                    )
                return render(request, "contributions/bases.html", context)
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
                kind=kind,
            )
        except LinesInvalid as refused:
            context["problems"] = refused.details.get("rows", [])[:200]
            context["problem_count"] = len(refused.details.get("rows", []))
            context["error"] = refused.message
            with contextlib.suppress(DomainError):  # the preview is a help, not the refusal
                context["preview"], _ = bases.declaration_preview(
                    actor=actor, unit=unit, effective_month=month, rows=rows, kind=kind
                )
        except (DomainError, ValueError) as error:
            context["error"] = getattr(error, "message", "申报内容有误，请核对后重新提交")
        else:
            messages.success(
                request,
                f"{kind.title}已提交（申请编号 {application.number}），请等待经办机构受理审核。",
            )
            return redirect("applications:detail", number=application.number)
    return render(request, "contributions/bases.html", context)


def _declaration_sheet(request: HttpRequest, kind: bases.Declaration) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    matter_for_applicant(actor=actor, code=kind.matter)
    bases.declaration_for(actor.unit, kind)
    month = _month_param(request, "effective_month", YearMonth.of(timezone.localdate()))
    staff = selectors.unit_staff_bases(
        actor=actor, unit=actor.unit, month=month, schemes=kind.schemes
    )
    rows = [(s.id_number, s.name, f"{s.wage}" if s.wage is not None else "") for s in staff]
    return xlsx_response(bases.template_workbook(rows), f"{kind.title}表{month}.xlsx")


@actor_required(actors.UNIT)
@require_http_methods(["GET", "POST"])
def base_declaration(request: HttpRequest) -> HttpResponse:
    """缴费基数申报 (企业职工社会保险缴费基数申报)."""
    return _declaration_page(request, bases.ENTERPRISE)


@actor_required(actors.UNIT)
def base_sheet(request: HttpRequest) -> HttpResponse:
    """The declaration sheet (.xlsx) pre-filled with the unit's employees of the month and the
    wages declared in force."""
    return _declaration_sheet(request, bases.ENTERPRISE)


@actor_required(actors.UNIT)
@require_http_methods(["GET", "POST"])
def institution_wages(request: HttpRequest) -> HttpResponse:
    """机关事业单位缴费工资申报: the institution's staff in its pension scheme."""
    return _declaration_page(request, bases.INSTITUTION)


@actor_required(actors.UNIT)
def institution_wage_sheet(request: HttpRequest) -> HttpResponse:
    return _declaration_sheet(request, bases.INSTITUTION)


# --- the base-difference roster --------------------------------------------------------------


@actor_required(actors.UNIT)
@require_http_methods(["GET", "POST"])
def base_difference(request: HttpRequest) -> HttpResponse:
    """单位申报基数差补缴: the period, the roster — from the .xlsx sheet, else on screen — and the
    signed detail table; filed and submitted at once, nothing written on any refusal."""
    from shebao.contributions import base_difference as diff

    actor = request.actor  # type: ignore[attr-defined]
    matter = matter_for_applicant(actor=actor, code=diff.MATTER)
    post = request.POST
    context: dict[str, Any] = {
        "matter": matter,
        "unit": actor.unit,
        "max_rows": diff.MAX_ROWS,
        "form": {k: post.get(k, "") for k in ("start_month", "end_month", "reason", "roster")},
        "client_key": post.get("client_key", "")[:64] or uuid.uuid4().hex,
    }
    if request.method == "POST":
        try:
            start = YearMonth.parse(post.get("start_month", ""), field="start_month")
            end = YearMonth.parse(post.get("end_month", ""), field="end_month")
            sheet = request.FILES.get("sheet")
            rows = (
                diff.sheet_rows(sheet)
                if sheet is not None
                else diff.roster_rows(post.get("roster", ""))
            )
            material = request.FILES.get("material")
            if material is None:
                raise InvalidInput("请上传加盖单位公章的基数差补缴明细表", code="MATERIAL_REQUIRED")
            application, _created = diff.base_difference_submit(
                actor=actor,
                unit=actor.unit,
                start=start,
                end=end,
                rows=rows,
                material=material,
                reason=post.get("reason", ""),
                client_key=post.get("client_key", "")[:64],
            )
        except LinesInvalid as refused:
            context["problems"] = refused.details.get("rows", [])[:200]
            context["problem_count"] = len(refused.details.get("rows", []))
            context["error"] = refused.message
        except DomainError as error:
            context["error"] = error.message
        else:
            messages.success(
                request,
                f"基数差补缴已提交（申请编号 {application.number}），请等待经办机构审核。",
            )
            return redirect("applications:detail", number=application.number)
    return render(request, "contributions/base_difference.html", context)


@actor_required(actors.UNIT)
def base_difference_sheet(request: HttpRequest) -> HttpResponse:
    """The base-difference roster sheet (.xlsx) to fill in."""
    from shebao.contributions import base_difference as diff

    matter_for_applicant(actor=request.actor, code=diff.MATTER)  # type: ignore[attr-defined]
    return xlsx_response(diff.template_workbook(), "基数差补缴明细表.xlsx")


# --- bills ---------------------------------------------------------------------------------------

PAGE_SIZE = 20
LINES_PAGE = 100


class _Count:
    """A sized stand-in so Django's paginator can page a total counted elsewhere."""

    def __init__(self, total: int) -> None:
        self.total = total

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total


def _page_number(request: HttpRequest) -> int:
    try:
        return max(1, min(int(request.GET.get("page", "1")), 100_000))
    except ValueError:
        return 1


def _paged(request: HttpRequest, total: int, rows: list[Any], size: int) -> Any:
    from django.core.paginator import Page, Paginator

    paginator = Paginator(_Count(total), size)  # type: ignore[arg-type]
    return Page(rows, min(_page_number(request), paginator.num_pages), paginator)


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@actor_required(actors.UNIT, actors.INDIVIDUAL)
def bills(request: HttpRequest) -> HttpResponse:
    """The unit's bills (or a self-paying person's own), newest month first."""
    actor = request.actor  # type: ignore[attr-defined]
    if actor.is_unit:
        selectors.unit_for_reader(actor=actor, credit_code=actor.unit.credit_code)
    number = _page_number(request)
    status = request.GET.get("status", "").strip()[:8]
    status = status if status in Bill.Status.values else ""
    total, rows = selectors.bills_for(
        actor=actor, status=status or None, limit=PAGE_SIZE, offset=(number - 1) * PAGE_SIZE
    )
    return render(
        request,
        "contributions/bills.html",
        {
            "page": _paged(request, total, selectors.bills_standing(rows), PAGE_SIZE),
            "total": total,
            "status": status,
            "statuses": Bill.Status.choices,
            "query": f"status={status}" if status else "",
        },
    )


@actor_required(actors.INDIVIDUAL)
def arrears(request: HttpRequest) -> HttpResponse:
    """历史欠费补缴: the person's own bills in arrears today, each with its late fee to date and
    the amount due, paid through the online channel (the bill's pay button)."""
    actor = request.actor  # type: ignore[attr-defined]
    owed = selectors.own_arrears(actor=actor)
    return render(request, "contributions/arrears.html", {"owed": owed})


@actor_required(actors.UNIT, actors.INDIVIDUAL, actors.STAFF)
def bill_detail(request: HttpRequest, number: str) -> HttpResponse:
    """A bill with each employee's lines (base, shares) and a link to each line's explanation."""
    actor = request.actor  # type: ignore[attr-defined]
    bill = selectors.bill_for_reader(actor=actor, number=number)
    q = request.GET.get("q", "").strip()[:30]
    page_number = _page_number(request)
    total, lines = selectors.bill_lines(
        bill=bill, limit=LINES_PAGE, offset=(page_number - 1) * LINES_PAGE, q=q or None
    )
    from shebao.calculators.definitions import trace_out

    standing = selectors.bill_standing(bill)
    fee = standing.due.late_fee
    return render(
        request,
        "contributions/bill.html",
        {
            "bill": bill,
            "standing": standing,
            "late_fee_trace": trace_out(fee.trace) if fee is not None else None,
            "page": _paged(request, total, lines, LINES_PAGE),
            "total": total,
            "q": q,
            "query": _query_without_page(request),
            "adjustments": selectors.bill_adjustments(bill=bill) if bill.adjustment_count else [],
        },
    )


@actor_required(actors.UNIT, actors.INDIVIDUAL, actors.STAFF)
def bill_file(request: HttpRequest, number: str) -> HttpResponse:
    """The bill as a PDF file, every line included (for those who may read the bill)."""
    actor = request.actor  # type: ignore[attr-defined]
    bill = selectors.bill_for_reader(actor=actor, number=number)
    return pdf_response(documents.bill_pdf(bill=bill), f"征集单{bill.number}.pdf")


@actor_required(actors.UNIT, actors.INDIVIDUAL, actors.STAFF)
def bill_sheet(request: HttpRequest, number: str) -> HttpResponse:
    """The bill with every employee's lines as an .xlsx file."""
    from shebao.contributions.exports import bill_response

    bill = selectors.bill_for_reader(actor=request.actor, number=number)  # type: ignore[attr-defined]
    return bill_response(bill)


def _region_names(trace: dict[str, Any], names: dict[str, str]) -> None:
    """Give each parameter of the trace (and of nested traces) its region's name."""
    from shebao.registry.models import NATIONAL
    from shebao.registry.selectors import region_full_name

    for ref in trace["params"]:
        code = ref["region"]
        if code not in names:
            names[code] = "全国" if code == NATIONAL else region_full_name(code=code)
        ref["region_name"] = names[code]
    for child in trace["children"]:
        _region_names(child, names)


@actor_required(actors.UNIT, actors.INDIVIDUAL, actors.STAFF)
def line_trace(request: HttpRequest, number: str, line_id: int) -> HttpResponse:
    """One line's explanation, rebuilt from its snapshot and inputs by the calculator's rule."""
    from shebao.calculators.definitions import trace_out
    from shebao.contributions.explain import line_explain

    actor = request.actor  # type: ignore[attr-defined]
    line = selectors.line_for_reader(actor=actor, number=number, line_id=line_id)
    explanation = line_explain(line)
    trace = trace_out(explanation.trace)
    _region_names(trace, {})
    return render(
        request,
        "contributions/line.html",
        {"line": line, "bill": line.bill, "explanation": explanation, "trace": trace},
    )


@actor_required(actors.UNIT, actors.INDIVIDUAL, actors.STAFF)
def adjustment_trace(request: HttpRequest, number: str, adjustment_id: int) -> HttpResponse:
    """One adjustment explained: the line as assessed, the same rule on the new parameters or
    base, and the difference carried into the bill."""
    from shebao.calculators.definitions import trace_out
    from shebao.contributions.explain import adjustment_explain

    actor = request.actor  # type: ignore[attr-defined]
    adjustment = selectors.adjustment_for_reader(
        actor=actor, number=number, adjustment_id=adjustment_id
    )
    explanation = adjustment_explain(adjustment)
    names: dict[str, str] = {}
    old, new = trace_out(explanation.line.trace), trace_out(explanation.new.trace)
    _region_names(old, names)
    _region_names(new, names)
    return render(
        request,
        "contributions/adjustment.html",
        {
            "adjustment": adjustment,
            "bill": adjustment.bill,
            "explanation": explanation,
            "old_trace": old,
            "new_trace": new,
        },
    )


@actor_required(actors.UNIT)
@require_http_methods(["GET", "POST"])
def assess(request: HttpRequest) -> HttpResponse:
    """缴费核定: the unit's assessed bill of the month, to check and confirm (or word that the
    month is not assessed yet)."""
    from shebao.contributions import services

    actor = request.actor  # type: ignore[attr-defined]
    matter = matter_for_applicant(actor=actor, code=services.ASSESS_MATTER)
    month = _month_param(request, "period", YearMonth.of(timezone.localdate()))
    bill = selectors.unit_bill(actor=actor, unit=actor.unit, month=month)
    if request.method == "POST" and bill is not None:
        if request.POST.get("confirm"):
            services.bill_confirm(actor=actor, bill=bill)
            messages.success(
                request, f"已确认{month.label()}缴费核定结果（征集单 {bill.number}）。"
            )
            return redirect(f"{request.path}?period={month}")
        messages.error(request, "请勾选“已核对本月参保人员和缴费基数，确认无误”后再确认。")
    totals = None
    if bill is not None:
        totals = {
            "unit": from_fen(bill.unit_total_fen),
            "individual": from_fen(bill.individual_total_fen),
            "total": from_fen(bill.total_fen),
        }
    from shebao.catalogue.guide import regional_texts

    return render(
        request,
        "contributions/assess.html",
        {
            "matter": matter,
            "month": month,
            "bill": bill,
            "totals": totals,
            "deadline_notes": regional_texts(matter, actor.unit.district)["deadline_note"],
        },
    )


# --- staff: the assessment runs -----------------------------------------------------------------


@actor_required(actors.STAFF)
@require_http_methods(["GET", "POST"])
def runs(request: HttpRequest) -> HttpResponse:
    """The assessment runs of the regions the staff member may assess, with their progress;
    a run is started here (queued for the batch worker)."""
    from shebao.contributions.assessment import assessment_start
    from shebao.contributions.trueup import trueup_start
    from shebao.registry.selectors import region_get

    actor = request.actor  # type: ignore[attr-defined]
    if request.method == "POST":
        try:
            region = region_get(code=request.POST.get("region", "")[:6])
            month = YearMonth.parse(request.POST.get("month", ""), field="month")
            force = bool(request.POST.get("force"))
            if request.POST.get("action") == "trueup":
                last = YearMonth.parse(request.POST.get("last") or str(month), field="last")
                into = YearMonth.parse(request.POST.get("into", ""), field="into")
                if last < month or (last - month) > 24:
                    raise InvalidInput(
                        "调整月份的范围有误（截止年月不能早于起始年月，且一次最多24个月）",
                        code="TRUEUP_RANGE_INVALID",
                    )
                started = []
                current = month
                with transaction.atomic():
                    while current <= last:
                        run = trueup_start(
                            actor=actor, region=region, month=current, into=into, force=force
                        )
                        started.append(run.pk)
                        current = current + 1
                messages.success(
                    request,
                    f"已发起{region.name}{month.label()}至{last.label()}的多退少补，"
                    f"补退计入{into.label()}征集单（批次 {'、'.join(map(str, started))}）。",
                )
            else:
                run = assessment_start(actor=actor, region=region, month=month, force=force)
                messages.success(
                    request, f"已发起{region.name}{month.label()}缴费核定（批次 {run.pk}）。"
                )
        except (InvalidInput, Conflict) as error:
            messages.error(request, error.message)
        return redirect("contributions:runs")
    rows = selectors.runs_for(actor=actor)
    return render(
        request,
        "contributions/runs.html",
        {
            "runs": rows,
            "regions": selectors.regions_to_assess(actor=actor),
            "windows": selectors.assessment_windows(actor=actor),
            "month": YearMonth.of(timezone.localdate()),
            "next_month": YearMonth.of(timezone.localdate()) + 1,
            "active": any(r.status in ("queued", "running") for r in rows),
        },
    )
