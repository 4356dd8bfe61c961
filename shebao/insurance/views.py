"""Pages: the person's 参保信息, the unit's 参保人员名册 (and its export), and the same records for
agency staff at the counter."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from shebao.accounts import actors
from shebao.accounts.decorators import actor_required
from shebao.accounts.forms import apply_error
from shebao.applications.selectors import application_get, matter_for_applicant
from shebao.catalogue.guide import regional_texts
from shebao.common.errors import DomainError, NotFound
from shebao.common.identifiers import normalize_id_number
from shebao.common.periods import YearMonth
from shebao.insurance import changes, dispatch, exports, roster, selectors
from shebao.insurance.forms import DispatchLicenceForm
from shebao.insurance.models import Insurance
from shebao.registry import selectors as registry_selectors

PAGE_SIZE = 20


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


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@actor_required(actors.INDIVIDUAL)
def my_insurance(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    person = selectors.person_for_reader(actor=actor)
    return render(request, "insurance/person.html", _person_context(actor, person))


def _person_context(actor: Any, person: Any) -> dict[str, Any]:
    info = registry_selectors.person_info_current(person=person)
    record = selectors.person_record(actor=actor, person=person)
    try:
        flexible = selectors.flexible_base(
            person=person, relations=record.relations, month=YearMonth.of(timezone.localdate())
        )
    except DomainError as error:  # the month's grade parameters are not published
        flexible = None
        flexible_error = error.message
    else:
        flexible_error = ""
    return {
        "flexible": flexible,
        "flexible_error": flexible_error,
        "person": person,
        "district_name": registry_selectors.region_full_name(code=person.district_id),
        "cover": record.cover,
        "relations": record.relations,
        "history": record.history,
        # The person reads their own number masked; staff at the counter read it whole.
        "info_rows": registry_selectors.person_info_rows(info=info, mask=actor.is_individual),
        "info_history": registry_selectors.person_info_history(
            person=person, mask=actor.is_individual
        ),
        "info_matters": selectors.own_info_matters(actor=actor, person=person),
    }


def _roster_context(request: HttpRequest, actor: Any, unit: Any) -> dict[str, Any]:
    insurance = request.GET.get("insurance", "")
    status = request.GET.get("status", "")
    q = request.GET.get("q", "").strip()[:30]
    number = _page_number(request)
    counts = selectors.unit_roster_counts(actor=actor, unit=unit)
    # The tab counts are the total when the page neither searches nor filters by insurance.
    known = counts.get(status or "all") if not (q or insurance) else None
    total, rows = selectors.unit_roster(
        actor=actor,
        unit=unit,
        insurance=insurance or None,
        status=status or None,
        q=q or None,
        limit=PAGE_SIZE,
        offset=(number - 1) * PAGE_SIZE,
        total=known,
    )
    paginator = Paginator(_Count(total), PAGE_SIZE)  # type: ignore[arg-type]
    page = Page(rows, min(number, paginator.num_pages), paginator)
    return {
        "unit": unit,
        "page": page,
        "total": total,
        "insurance": insurance,
        "status": status,
        "q": q,
        "insurances": Insurance.choices,
        # A column for the client unit or project, on the rosters that have any.
        "placements": any(row.placement for row in rows),
        "tabs": [
            ("", "全部", counts["all"]),
            ("active", "参保缴费", counts["active"]),
            ("stopped", "停保", counts["stopped"]),
        ],
        "query": _query_without_page(request),
        "export_query": _query_without_page(request),
    }


@actor_required(actors.UNIT)
def unit_roster(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    unit = selectors.unit_for_reader(actor=actor, credit_code=actor.unit.credit_code)
    context = _roster_context(request, actor, unit)
    context["placement_matters"] = selectors.unit_placement_matters(unit=unit)
    context["dispatched"] = selectors.dispatched_to(actor=actor, unit=unit)
    return render(request, "insurance/roster.html", context)


@actor_required(actors.UNIT)
def unit_roster_export(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    unit = selectors.unit_for_reader(actor=actor, credit_code=actor.unit.credit_code)
    return exports.roster_response(
        actor=actor,
        unit=unit,
        insurance=request.GET.get("insurance") or None,
        status=request.GET.get("status") or None,
        q=request.GET.get("q", "").strip()[:30] or None,
    )


@actor_required(actors.STAFF)
def staff_lookup(request: HttpRequest) -> HttpResponse:
    """Staff look up a person (by ID number) or a unit (by credit code) of their districts."""
    actor = request.actor  # type: ignore[attr-defined]
    kind = request.GET.get("kind", "person")
    key = request.GET.get("key", "").strip()
    context: dict[str, Any] = {"kind": kind, "key": key}
    if key:
        try:
            if kind == "unit":
                unit = selectors.unit_for_reader(actor=actor, credit_code=key)
                context.update(_roster_context(request, actor, unit))
            else:
                person = selectors.person_for_reader(actor=actor, id_number=key)
                context.update(_person_context(actor, person))
                if normalize_id_number(key) != person.id_number:
                    context["former_number"] = normalize_id_number(key)
        except DomainError as error:
            context["error"] = error
    return render(request, "insurance/staff_lookup.html", context)


@actor_required(actors.STAFF)
def staff_roster_export(request: HttpRequest, credit_code: str) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    unit = selectors.unit_for_reader(actor=actor, credit_code=credit_code)
    return exports.roster_response(
        actor=actor,
        unit=unit,
        insurance=request.GET.get("insurance") or None,
        status=request.GET.get("status") or None,
        q=request.GET.get("q", "").strip()[:30] or None,
    )


@actor_required(actors.STAFF)
@require_http_methods(["GET", "POST"])
def dispatch_licences(request: HttpRequest) -> HttpResponse:
    """Staff record a dispatch agency's licence (counter work) and see those recorded for the
    units of their districts; a unit needs one in force to file 劳务派遣用工调转."""
    actor = request.actor  # type: ignore[attr-defined]
    form = DispatchLicenceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            unit = selectors.unit_for_reader(actor=actor, credit_code=data["credit_code"])
            licence = dispatch.dispatch_licence_record(
                actor=actor,
                unit=unit,
                number=data["number"],
                issued_by=data["issued_by"],
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            messages.success(request, f"已登记{unit.name}的劳务派遣经营许可证{licence.number}")
            return redirect("insurance:dispatch_licences")
    return render(
        request,
        "insurance/dispatch_licences.html",
        {
            "form": form,
            "licences": dispatch.dispatch_licences_for(actor=actor),
            "today": timezone.localdate(),
        },
    )


# ------------------------------------------------------------------------------ rosters

REPORT_SECONDS = 30 * 60
PROBLEMS_SHOWN = 200


def template_download(request: HttpRequest) -> HttpResponse:
    return exports.xlsx_response(roster.template_workbook(), "人员增减名册模板.xlsx")


def _report_key(user_id: int, token: str) -> str:
    return f"insurance:roster-report:{user_id}:{token}"


@actor_required(actors.UNIT)
@require_http_methods(["GET", "POST"])
def staff_changes_upload(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    matter = matter_for_applicant(actor=actor, code=changes.MATTER)
    context: dict[str, Any] = {
        "matter": matter,
        "client_key": uuid.uuid4().hex,
        "deadline_notes": regional_texts(matter, actor.unit.district)["deadline_note"],
    }
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            context["error"] = "请选择要上传的名册文件（.xlsx）"
        else:
            try:
                application, _created = changes.staff_changes_submit(
                    actor=actor,
                    unit=actor.unit,
                    file=upload,
                    file_name=upload.name or "",
                    client_key=request.POST.get("client_key", "")[:64],
                )
            except changes.RosterRefused as refused:
                token = secrets.token_urlsafe(16)
                cache.set(_report_key(actor.user.pk, token), refused.report, REPORT_SECONDS)
                context.update(
                    problems=refused.problems[:PROBLEMS_SHOWN],
                    problem_count=len(refused.problems),
                    report_token=token,
                    file_name=upload.name,
                )
            except DomainError as error:
                context["error"] = error.message
            else:
                summary = changes.roster_summary(application)
                messages.success(
                    request,
                    f"名册已提交（申请编号 {application.number}，"
                    f"增员{summary['enrolments']}人、减员{summary['terminations']}人），"
                    "请等待经办机构受理。",
                )
                return redirect("applications:detail", number=application.number)
    return render(request, "insurance/staff_changes_upload.html", context)


@actor_required(actors.UNIT)
def staff_changes_report(request: HttpRequest, token: str) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    content = cache.get(_report_key(actor.user.pk, token))
    if content is None:
        raise NotFound("错误报告已过期，请重新上传名册以生成新的报告", code="REPORT_EXPIRED")
    return exports.xlsx_response(content, "人员增减名册错误报告.xlsx")


@actor_required(actors.UNIT, actors.STAFF)
def staff_changes_lines(request: HttpRequest, number: str) -> HttpResponse:
    """The roster lines of a staff-change case, for its applicant and its reviewers, with the
    current relations of the persons concerned and any conflict."""
    actor = request.actor  # type: ignore[attr-defined]
    application = application_get(actor=actor, number=number)
    lines = changes.lines_of(application)
    if not lines:
        raise NotFound("该申请没有人员增减名册", code="ROSTER_NOT_FOUND")
    paginator = Paginator(lines, 50)
    page = paginator.get_page(request.GET.get("page"))
    relations = selectors.staff_change_line_relations(
        unit=application.unit, lines=list(page.object_list)
    )
    for line in page.object_list:
        line.info = relations[line.pk]
    return render(
        request,
        "insurance/staff_changes_lines.html",
        {
            "application": application,
            "page": page,
            "summary": changes.roster_summary(application),
            "query": _query_without_page(request),
        },
    )
