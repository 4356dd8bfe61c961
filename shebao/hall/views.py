"""The hall's own pages: the public home, the three portal centres and the error pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from shebao.accounts import actors
from shebao.accounts.decorators import actor_required
from shebao.accounts.selectors import visitor_region
from shebao.appointments.selectors import consultation_for
from shebao.common.errors import DomainError
from shebao.emergency.selectors import measures_shown
from shebao.hall import selectors
from shebao.registry.selectors import regions_pooling


def home(request: HttpRequest) -> HttpResponse:
    """The public home page; its calendar is the visitor's region (``?region=`` picks another)."""
    region = visitor_region(
        actor=request.actor,  # type: ignore[attr-defined]
        chosen=request.GET.get("region", "")[:6],
    )
    return render(
        request,
        "hall/home.html",
        {
            "calendar": selectors.region_calendar(region=region) if region else None,
            "measures": measures_shown(region=region, on=timezone.localdate()) if region else [],
            "region": region,
            "region_choices": regions_pooling(),
            "consult": consultation_for(region=region),
        },
    )


@actor_required(actors.INDIVIDUAL)
def individual_center(request: HttpRequest) -> HttpResponse:
    board = selectors.individual_dashboard(actor=request.actor)  # type: ignore[attr-defined]
    return render(request, "hall/individual_center.html", {"board": board})


@actor_required(actors.INDIVIDUAL)
def benefits(request: HttpRequest) -> HttpResponse:
    """个人待遇信息查询: the benefits the person claimed and how each was decided."""
    record = selectors.benefit_record(actor=request.actor)  # type: ignore[attr-defined]
    return render(request, "hall/benefits.html", {"record": record})


@actor_required(actors.INDIVIDUAL)
def benefit_payouts(request: HttpRequest) -> HttpResponse:
    """个人待遇发放信息查询: the payouts of the person's benefits (the hall records none yet:
    the page says so, with the benefits decided)."""
    record = selectors.benefit_record(actor=request.actor)  # type: ignore[attr-defined]
    return render(request, "hall/benefit_payouts.html", {"record": record})


@actor_required(actors.UNIT)
def unit_center(request: HttpRequest) -> HttpResponse:
    board = selectors.unit_dashboard(actor=request.actor)  # type: ignore[attr-defined]
    return render(request, "hall/unit_center.html", {"board": board})


@actor_required(actors.STAFF)
def staff_center(request: HttpRequest) -> HttpResponse:
    board = selectors.staff_dashboard(actor=request.actor)  # type: ignore[attr-defined]
    return render(request, "hall/staff_center.html", {"board": board})


def bench_bare(request: HttpRequest) -> HttpResponse:
    """The load benchmark's yardstick: a small JSON answered through the whole middleware stack
    and nothing else (mounted only with ``SHEBAO_BENCHMARK=1``, see benchmarks/README.md)."""
    return JsonResponse({"status": "ok"})


def _error_page(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"code": code, "message": message},
            status=status,
            json_dumps_params={"ensure_ascii": False},
        )
    error = DomainError(message, code=code, status=status)
    return render(request, "hall/error.html", {"error": error, "status": status}, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 400, "BAD_REQUEST", "请求格式不正确")


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 403, "FORBIDDEN", "您没有访问此页面的权限")


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _error_page(request, 404, "NOT_FOUND", "您访问的页面不存在，或您无权查看")


def server_error(request: HttpRequest) -> HttpResponse:
    return _error_page(request, 500, "INTERNAL_ERROR", "系统繁忙，请稍后再试")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A stale or copied form: nothing was saved; the user reloads and submits again."""
    return _error_page(
        request,
        403,
        "FORM_EXPIRED",
        "页面已过期或表单已失效，本次提交未保存。请刷新页面后重新填写提交。",
    )
