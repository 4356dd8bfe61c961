"""Pages of the contribution record (缴费记录): the person's own, a unit's staff and one of its
employees, and the staff query. Thin: parse, call the selectors of :mod:`.history`, render."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from shebao.accounts import actors
from shebao.accounts.decorators import actor_required
from shebao.common.errors import DomainError, InvalidInput, NotFound
from shebao.common.identifiers import id_number_spelling
from shebao.common.periods import YearMonth
from shebao.contributions import history, selectors
from shebao.contributions.views import _page_number, _paged, _query_without_page

STAFF_PAGE = 50


def _range(
    request: HttpRequest, default_last: YearMonth | None
) -> tuple[YearMonth, YearMonth, str]:
    """The months asked for by ``from`` / ``to``, else the twelve months up to the latest
    assessed one; a bad value falls back to the default with the reason (the page says it)."""
    default = default_last or YearMonth.of(timezone.localdate())
    error = ""
    try:
        first = (
            YearMonth.parse(request.GET["from"], field="from") if request.GET.get("from") else None
        )
        last = YearMonth.parse(request.GET["to"], field="to") if request.GET.get("to") else None
        first, last = history.month_range(first, last, default_last=default)
    except InvalidInput as refused:
        error = refused.message
        first, last = history.month_range(None, None, default_last=default)
    return first, last, error


def _base_chart(person: object) -> str:
    points = history.base_by_year(person=person)  # type: ignore[arg-type]
    return history.base_chart(points) if points else ""


@actor_required(actors.INDIVIDUAL)
def mine(request: HttpRequest) -> HttpResponse:
    """个人缴费信息查询: the person's own record by month and insurance, the months that count
    for pension and the base over the years."""
    actor = request.actor  # type: ignore[attr-defined]
    person = actor.person
    first, last, error = _range(request, history.latest_month(person=person))
    record = history.person_history(actor=actor, person=person, first=first, last=last)
    return render(
        request,
        "contributions/history_person.html",
        {
            "record": record,
            "pension": history.pension_months(person=person),
            "base_chart": _base_chart(person),
            "range_error": error,
            "own": True,
        },
    )


@actor_required(actors.UNIT)
def unit_history(request: HttpRequest) -> HttpResponse:
    """The unit's staff record over a range: the monthly totals and each employee's months
    and amounts, paged and searched."""
    actor = request.actor  # type: ignore[attr-defined]
    unit = selectors.unit_for_reader(actor=actor, credit_code=actor.unit.credit_code)
    first, last, error = _range(request, history.unit_latest_month(unit=unit))
    q = request.GET.get("q", "").strip()[:30]
    number = _page_number(request)
    total, rows = history.unit_staff_history(
        actor=actor,
        unit=unit,
        first=first,
        last=last,
        q=q or None,
        limit=STAFF_PAGE,
        offset=(number - 1) * STAFF_PAGE,
    )
    totals = history.unit_monthly_totals(actor=actor, unit=unit, first=first, last=last)
    return render(
        request,
        "contributions/history_unit.html",
        {
            "unit": unit,
            "first": first,
            "last": last,
            "q": q,
            "range_error": error,
            "page": _paged(request, total, rows, STAFF_PAGE),
            "total": total,
            "query": _query_without_page(request),
            "totals": totals,
            "sum_fen": sum(t.total_fen for t in totals),
            "chart": history.totals_chart(totals) if totals else "",
        },
    )


@actor_required(actors.UNIT)
def unit_employee(request: HttpRequest, person_id: int) -> HttpResponse:
    """One employee's months with the unit, by insurance."""
    actor = request.actor  # type: ignore[attr-defined]
    unit = selectors.unit_for_reader(actor=actor, credit_code=actor.unit.credit_code)
    first, last, error = _range(request, history.unit_latest_month(unit=unit))
    record = history.unit_employee_history(
        actor=actor, unit=unit, person_id=person_id, first=first, last=last
    )
    return render(
        request,
        "contributions/history_person.html",
        {"record": record, "unit": unit, "range_error": error},
    )


@actor_required(actors.STAFF)
def staff_history(request: HttpRequest) -> HttpResponse:
    """Staff: a person's record by ID number, if the person is in the staff member's districts
    (the capability model's REVIEW rows)."""
    actor = request.actor  # type: ignore[attr-defined]
    key = id_number_spelling(request.GET.get("id_number", ""))[:30]
    context: dict[str, Any] = {"key": key, "staff_scope": bool(history.staff_districts(actor))}
    if key:
        try:
            person = history.person_for_staff(actor=actor, id_number=key)
        except NotFound as missing:
            context["error"] = missing.message
        else:
            first, last, error = _range(request, history.latest_month(person=person))
            try:
                context["record"] = history.person_history(
                    actor=actor, person=person, first=first, last=last
                )
            except DomainError as refused:
                context["error"] = refused.message
            else:
                context.update(
                    pension=history.pension_months(person=person),
                    base_chart=_base_chart(person),
                    range_error=error,
                )
    return render(request, "contributions/history_staff.html", context)
