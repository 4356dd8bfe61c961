"""Policy pages: the public parameter list of a region and month, and the staff pages that record
new values, finalize provisional ones and settle the true-up."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from shebao.accounts import actors
from shebao.accounts.decorators import actor_required
from shebao.common.errors import DomainError, InvalidInput, PermissionDenied
from shebao.common.periods import YearMonth
from shebao.policy import calculations, selectors, services
from shebao.policy.display import display_value, group_by_topic, period_text, trueup_rows
from shebao.policy.forms import FinalizeForm, RecordForm, value_to_text
from shebao.policy.schema import spec_for
from shebao.registry.selectors import region_get


def _this_month() -> YearMonth:
    return YearMonth.of(timezone.localdate())


def _picker(selected: str = "", month: str = "") -> dict[str, Any]:
    regions = list(selectors.regions_with_parameters())
    if selected and selected not in {r.code for r in regions}:
        # A district (or other region) reached by URL: offer it too, so the form keeps it.
        extra = selectors.region_or_none(code=selected)
        if extra is not None:
            regions.append(extra)
    return {
        "regions": regions,
        "selected": selected,
        "month_value": month or str(_this_month()),
    }


def _region_url(code: str, month: YearMonth | str) -> str:
    return f"{reverse('policy:region', args=[code])}?{urlencode({'month': str(month)})}"


def index(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("region", "").strip()
    month = request.GET.get("month", "").strip()
    if code:
        return HttpResponseRedirect(_region_url(code, month or _this_month()))
    return render(request, "policy/index.html", {"picker": _picker(month=month)})


def _rows(parameters: list[selectors.EffectiveParameter]) -> list[dict[str, Any]]:
    return [
        {
            "key": p.key,
            "label": p.spec.label,
            "description": p.spec.description,
            "display": display_value(p.spec, p.value),
            "status": p.record.status,
            "status_label": p.record.get_status_display(),
            "source": p.record.source,
            "demo": p.record.source == "demo",
            "note": p.record.note,
            "period": period_text(p.record.valid_from, p.record.valid_to),
            "defined_in": p.defined_in,
            "inherited": p.inherited,
        }
        for p in parameters
    ]


def region(request: HttpRequest, code: str) -> HttpResponse:
    raw_month = request.GET.get("month", "").strip()
    context: dict[str, Any] = {"picker": _picker(selected=code, month=raw_month)}
    try:
        month = YearMonth.parse(raw_month, field="month") if raw_month else _this_month()
    except InvalidInput as error:
        context |= {"target": region_get(code=code), "error": error.message}
        return render(request, "policy/region.html", context, status=422)
    # The same table for every visitor while policy is unchanged: the rows are kept by
    # policy_memo and the rendered table by the fragments cache, both keyed by its version.
    target, topics, provisional = selectors.policy_memo(
        ("policy_region_page", code, month), lambda: _region_topics(code, month)
    )
    context |= {
        "target": target,
        "month": month,
        "topics": topics,
        "provisional_count": provisional,
        "may_edit": services.may_edit_policy(request.actor, region=target.code),  # type: ignore[attr-defined]
        "prev_month": month - 1,
        "next_month": month + 1,
        "stamp": "-".join(str(part) for part in selectors.policy_version()),
    }
    return render(request, "policy/region.html", context)


def _region_topics(code: str, month: YearMonth) -> tuple[Any, list[Any], int]:
    policy = selectors.region_policy(region=code, on=month.first_day)
    rows = _rows(policy.parameters)
    provisional = sum(1 for r in rows if r["status"] == "provisional")
    return policy.region, group_by_topic(rows), provisional


def _editor(request: HttpRequest) -> actors.Actor:
    actor = request.actor  # type: ignore[attr-defined]
    if not services.may_edit_policy(actor):
        raise PermissionDenied(
            "只有具备“政策参数管理”权限的经办人员可以查看和修改参数记录",
            code="POLICY_EDIT_FORBIDDEN",
        )
    return actor


def _history_rows(records: list[Any], code: str) -> list[dict[str, Any]]:
    return [
        {
            "record": r,
            "display": display_value(spec_for(r.key), spec_for(r.key).parse(r.value)),
            "period": period_text(r.valid_from, r.valid_to),
            "own": r.region_id == code,
            "demo": r.source == "demo",
        }
        for r in records
    ]


@actor_required(actors.STAFF)
def history(request: HttpRequest, code: str, key: str) -> HttpResponse:
    _editor(request)
    spec = spec_for(key)
    target = region_get(code=code)
    records = selectors.parameter_history(region=code, key=key)
    return render(
        request,
        "policy/history.html",
        {"target": target, "spec": spec, "rows": _history_rows(records, code)},
    )


@require_http_methods(["GET", "POST"])
@actor_required(actors.STAFF)
def record_new(request: HttpRequest, code: str, key: str) -> HttpResponse:
    actor = _editor(request)
    spec = spec_for(key)
    target = region_get(code=code)
    current = selectors.param_or_none(region=code, key=key, on=timezone.localdate())
    if request.method == "POST":
        form = RecordForm(request.POST, spec=spec)
        if form.is_valid():
            data = form.cleaned_data
            try:
                record = services.parameter_record(
                    actor=actor,
                    region=code,
                    key=key,
                    valid_from=data["valid_from"],
                    valid_to=data["valid_to"],
                    value=data["value"],
                    status=data["status"],
                    source=data["source"],
                    note=data["note"],
                    reason=data["reason"],
                )
            except DomainError as error:
                if error.status in (401, 403, 404):
                    raise
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(
                    request,
                    f"已录入“{spec.label}”自 {record.valid_from.isoformat()} 起的新记录",
                )
                return redirect("policy:history", code=code, key=key)
    else:
        initial = {"status": "final"}
        if current is not None:
            initial["value"] = value_to_text(spec, spec.dump(current.value))
        form = RecordForm(initial=initial, spec=spec)
    current_row = None
    if current is not None:
        defined_in = selectors.region_or_none(code=current.ref.region)
        current_row = {
            "display": display_value(spec, current.value),
            "status": current.ref.status,
            "demo": current.ref.source == "demo",
            "period": period_text(current.ref.valid_from, current.ref.valid_to),
            "region": defined_in.name if defined_in else current.ref.region,
            "source": current.ref.source,
        }
    return render(
        request,
        "policy/record_form.html",
        {"target": target, "spec": spec, "form": form, "current": current_row},
    )


def _record_context(record: Any) -> dict[str, Any]:
    spec = spec_for(record.key)
    return {
        "record": record,
        "spec": spec,
        "display": display_value(spec, spec.parse(record.value)),
        "period": period_text(record.valid_from, record.valid_to),
    }


@actor_required(actors.STAFF)
def record_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _editor(request)
    record = selectors.parameter_record_get(pk=pk)
    lines = calculations.trueup_preview(parameter=record)
    return render(
        request,
        "policy/record.html",
        _record_context(record)
        | {
            "changes": selectors.parameter_changes(record=record),
            "rows": trueup_rows(lines),
            "pending": [line for line in lines if line.changed or line.error],
        },
    )


@require_http_methods(["GET", "POST"])
@actor_required(actors.STAFF)
def record_finalize(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _editor(request)
    record = selectors.parameter_record_get(pk=pk)
    spec = spec_for(record.key)
    lines = None
    if request.method == "POST":
        form = FinalizeForm(request.POST, spec=spec)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if request.POST.get("action") == "confirm":
                    services.parameter_finalize(
                        actor=actor,
                        record=record,
                        value=data["value"],
                        source=data["source"],
                        reason=data["reason"],
                    )
                    messages.success(
                        request, f"“{spec.label}”已转为正式值；请核对受影响的计算结果并结算多退少补"
                    )
                    return redirect("policy:record", pk=record.pk)
                lines = calculations.parameter_finalize_preview(
                    actor=actor, record=record, value=data["value"], source=data["source"]
                )
            except DomainError as error:
                if error.status in (401, 403, 404):
                    raise
                form.add_error(error.field if error.field in form.fields else None, error.message)
    else:
        form = FinalizeForm(initial={"value": value_to_text(spec, record.value)}, spec=spec)
    return render(
        request,
        "policy/finalize.html",
        _record_context(record)
        | {"form": form, "previewed": lines is not None, "rows": trueup_rows(lines or [])},
    )


@require_POST
@actor_required(actors.STAFF)
def record_settle(request: HttpRequest, pk: int) -> HttpResponse:
    actor = _editor(request)
    record = selectors.parameter_record_get(pk=pk)
    try:
        settled = calculations.trueup_settle(actor=actor, parameter=record)
    except DomainError as error:
        if error.status in (401, 403, 404):
            raise
        messages.error(request, error.message)
    else:
        if settled:
            messages.success(request, f"已重算并结算 {len(settled)} 条计算结果（多退少补）")
        else:
            messages.info(request, "没有需要结算的计算结果")
    return redirect("policy:record", pk=record.pk)
