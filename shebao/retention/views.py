"""The unit's 稳岗返还 page: its eligibility for a year with the explanation, and what it was
granted. Thin: parse, call the selector, render."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from shebao.accounts import actors
from shebao.accounts.decorators import actor_required
from shebao.common.errors import InvalidInput
from shebao.retention import selectors


@actor_required(actors.UNIT)
@require_GET
def mine(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    raw = request.GET.get("year", "").strip()[:4]
    error = ""
    year = int(raw) if raw.isdigit() else None
    try:
        assessment = selectors.eligibility_for(actor=actor, year=year)
    except InvalidInput as refused:
        error = refused.message
        assessment = selectors.eligibility_for(actor=actor)
    return render(
        request,
        "retention/mine.html",
        {
            "a": assessment,
            "years": selectors.years_for(),
            "grants": selectors.grants_for(actor=actor),
            "error": error,
            "matter": "unit.job_retention_refund",
        },
        status=422 if error else 200,
    )
