"""Page access by actor kind. Views still scope every read and write through selectors and
services; this only keeps the wrong kind of actor out of a portal early."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from shebao.common.errors import PermissionDenied


def actor_required(
    *kinds: str,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Anonymous visitors go to the sign-in page; other kinds get a 403 page."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            actor = request.actor  # type: ignore[attr-defined]
            if actor.is_anonymous:
                query = urlencode({"next": request.get_full_path()})
                return HttpResponseRedirect(f"{reverse('accounts:login')}?{query}")
            if kinds and actor.kind not in kinds:
                raise PermissionDenied("您当前的登录身份不能访问此页面", code="FORBIDDEN")
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
