"""Calculator pages: public, no login. Each page is a GET form (works without JavaScript; with
htmx only the calculator panel is swapped); the answer shows big figures and a readable trace.
Nothing is stored."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from shebao.calculators.definitions import (
    CALCULATORS,
    Calculator,
    Outcome,
    calculator_get,
    evaluate,
)
from shebao.calculators.inputs import MONTH_AMOUNTS, REGION
from shebao.common.errors import NotFound
from shebao.registry.models import NATIONAL
from shebao.registry.selectors import region_get, regions_pooling


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "calculators/index.html", {"calculators": CALCULATORS})


def _submitted(calculator: Calculator, request: HttpRequest) -> bool:
    return any(f.name in request.GET for f in calculator.fields)


def _region_names(trace: dict[str, Any], names: dict[str, str]) -> None:
    """Give each parameter of the trace (and nested traces) the name of its region."""
    for ref in trace["params"]:
        code = ref["region"]
        if code not in names:
            try:
                region = region_get(code=code)
                names[code] = "全国" if code == NATIONAL else region.full_name
            except NotFound:
                names[code] = code
        ref["region_name"] = names[code]
    for child in trace["children"]:
        _region_names(child, names)


def _form(calculator: Calculator, request: HttpRequest, outcome: Outcome | None) -> list[dict]:
    regions = [(r.code, r.full_name) for r in regions_pooling()]
    rows = []
    for spec in calculator.fields:
        error = outcome.parsed.errors.get(spec.name) if outcome else None
        rows.append(
            {
                "spec": spec,
                "id": f"f-{spec.name}",
                "value": request.GET.get(spec.name, ""),
                "error": error.message if error else "",
                "options": regions if spec.kind == REGION else list(spec.choices),
                "textarea": spec.kind == MONTH_AMOUNTS,
            }
        )
    return rows


@require_GET
def calculator(request: HttpRequest, slug: str) -> HttpResponse:
    calc = calculator_get(slug)
    outcome = evaluate(calc, request.GET) if _submitted(calc, request) else None
    answer = outcome.answer if outcome else None
    if answer is not None:
        _region_names(answer["trace"], {})
    context = {
        "calc": calc,
        "fields": _form(calc, request, outcome),
        "outcome": outcome,
        "answer": answer,
        "form_error": outcome.parsed.errors.get("") if outcome else None,
        "example_query": urlencode(calc.example),
        "result_template": f"calculators/results/{calc.slug}.html",
    }
    # htmx swaps only the panel; a history restore asks for the whole page.
    partial = (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )
    template = "calculators/_panel.html" if partial else "calculators/calculator.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request", "HX-History-Restore-Request"])
    return response
