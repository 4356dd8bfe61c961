"""Pages: the person's 参保信息, the unit's 参保人员名册 (and its export), and the same records for
agency staff at the counter."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from shebao.accounts import actors
from shebao.accounts.decorators import actor_required
from shebao.common.errors import DomainError
from shebao.insurance import exports, selectors
from shebao.insurance.models import Insurance

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
    return {
        "person": person,
        "cover": selectors.person_cover(actor=actor, person=person),
        "relations": selectors.person_relations(actor=actor, person=person),
        "history": selectors.person_relation_history(actor=actor, person=person),
    }


def _roster_context(request: HttpRequest, actor: Any, unit: Any) -> dict[str, Any]:
    insurance = request.GET.get("insurance", "")
    status = request.GET.get("status", "")
    q = request.GET.get("q", "").strip()[:30]
    number = _page_number(request)
    total, rows = selectors.unit_roster(
        actor=actor,
        unit=unit,
        insurance=insurance or None,
        status=status or None,
        q=q or None,
        limit=PAGE_SIZE,
        offset=(number - 1) * PAGE_SIZE,
    )
    paginator = Paginator(_Count(total), PAGE_SIZE)  # type: ignore[arg-type]
    page = Page(rows, min(number, paginator.num_pages), paginator)
    counts = selectors.unit_roster_counts(actor=actor, unit=unit)
    return {
        "unit": unit,
        "page": page,
        "total": total,
        "insurance": insurance,
        "status": status,
        "q": q,
        "insurances": Insurance.choices,
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
    return render(request, "insurance/roster.html", _roster_context(request, actor, unit))


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
