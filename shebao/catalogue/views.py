"""Public pages of the catalogue: browse and search the matters, read each matter's guide."""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from shebao.accounts.selectors import visitor_region
from shebao.appointments.selectors import consultation_for
from shebao.catalogue import selectors
from shebao.catalogue.guide import apply_hint, guide_for, time_limit_text
from shebao.common.errors import InvalidInput
from shebao.policy.selectors import policy_memo, policy_version
from shebao.registry.selectors import regions_pooling

PAGE_SIZE = 20
FILTERS = ("q", "applicant", "category", "department")


@require_GET
def matter_list(request: HttpRequest) -> HttpResponse:
    chosen = {key: request.GET.get(key, "").strip() for key in FILTERS}
    chosen["q"] = chosen["q"][: selectors.QUERY_MAX_LENGTH]
    number = request.GET.get("page", "")[:12]
    # The same for every visitor while the catalogue is unchanged: kept per process.
    key = ("matter_list", selectors.catalogue_stamp(), tuple(chosen.items()), number)
    context = policy_memo(key, lambda: _list_context(chosen, number))
    # The rendered list too, in the per-process fragments cache under the same key.
    stamp = hashlib.sha256(repr((key, policy_version())).encode()).hexdigest()
    return render(request, "catalogue/list.html", {**context, "stamp": stamp})


def _list_context(chosen: dict[str, str], number: str) -> dict[str, object]:
    error = ""
    try:
        matters = selectors.matters_public(
            q=chosen["q"],
            applicant_kind=chosen["applicant"] or None,
            department=chosen["department"] or None,
            category=chosen["category"] or None,
        )
    except InvalidInput as exc:
        error = f"{exc.message}，请重新选择筛选条件。"
        matters = selectors.matters_public().none()
    # The list shows names, summaries and badges: the guides' JSON stays in the database.
    matters = matters.defer(*selectors.GUIDE_FIELDS)
    page = Paginator(matters, PAGE_SIZE).get_page(number)
    rows = [{"matter": m, "time_limit": time_limit_text(m, short=True)} for m in page.object_list]
    query = {k: v for k, v in chosen.items() if v}
    facets = selectors.matter_facets()
    return {
        "page": page,
        "rows": rows,
        "chosen": chosen,
        "facets": facets,
        "error": error,
        "filtered": bool(query),
        "page_query": urlencode(query),
        "tabs": _tabs(query, chosen["applicant"], facets),
    }


def _tabs(query: dict[str, str], applicant: str, facets: dict) -> list[dict[str, object]]:
    """The 全部 / 个人办事 / 单位办事 tabs; each keeps the other filters."""
    counts = {f["value"]: f["count"] for f in facets["applicant"]}
    tabs = [("", "全部事项"), ("individual", "个人办事"), ("unit", "单位办事")]
    return [
        {
            "label": f"{label}（{counts[kind]}）" if kind else label,
            "query": urlencode({k: v for k, v in {**query, "applicant": kind}.items() if v}),
            "active": applicant == kind,
        }
        for kind, label in tabs
    ]


@require_GET
def matter_detail(request: HttpRequest, code: str) -> HttpResponse:
    matter = selectors.matter_get(code=code)
    actor = request.actor  # type: ignore[attr-defined]
    allowed = selectors.matter_open_to(actor=actor, matter=matter)
    region = visitor_region(actor=actor, chosen=request.GET.get("region", "")[:6])
    # The guide's body follows from the matter, the region's policy and the day: its rendering
    # is kept in the per-process fragments cache under a key of all three.
    stamp = (matter.code, matter.updated_at, region.code if region else "", timezone.localdate())
    return render(
        request,
        "catalogue/detail.html",
        {
            "guide_stamp": hashlib.sha256(repr((stamp, policy_version())).encode()).hexdigest(),
            "matter": matter,
            "guide": guide_for(matter, region=region, actor=actor),
            "region": region,
            "region_choices": regions_pooling(),
            "can_apply": allowed,
            "apply_hint": apply_hint(actor=actor, matter=matter, allowed=allowed),
            "consult": consultation_for(region=region, department=matter.department_id),
        },
    )
