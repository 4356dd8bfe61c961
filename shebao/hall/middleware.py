"""The hall's edge: requests of a shape the server cannot serve are refused cleanly, in Chinese,
before any view runs; refused actions a view did not handle become Chinese error pages; every
response carries the hall's Content-Security-Policy.

- :class:`ContentSecurityPolicyMiddleware` (outermost of the hall's own, so error pages get it
  too): a fresh nonce per request (``request.csp_nonce``, for the rare inline ``<script>``) and
  a policy that runs only the hall's own scripts.
- :class:`RequestShapeMiddleware` (first, before sessions): a path or header carrying NUL or
  another control character is a 400; a POST (PUT, PATCH, DELETE) to a URL that exists only
  with a trailing slash is served at that URL instead of being redirected (a redirect loses
  the body).
- :class:`FormTextMiddleware` (after the actor is known, so the error page shows the user's own
  hall): a query string or form field with a character the hall cannot store or show is a 422.
  The API checks its query strings, forms and JSON bodies itself, after the token
  (``shebao.api.HallParser``).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.urls import Resolver404, get_resolver

from shebao.common import text
from shebao.common.errors import DomainError

_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def refusal_response(request: HttpRequest, error: DomainError) -> HttpResponse:
    """The refusal as the API's JSON (``{"code", "message", …}``) or as the hall's error page."""
    if request.path_info.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            error.as_dict(), status=error.status, json_dumps_params={"ensure_ascii": False}
        )
    else:
        response = TemplateResponse(
            request,
            "hall/error.html",
            {"error": error, "status": error.status},
            status=error.status,
        ).render()
    for name, value in error.headers.items():  # e.g. Retry-After with a 429
        response[name] = value
    return response


def content_security_policy(nonce: str) -> str:
    """The hall's policy: scripts only from the hall itself or inline with this request's nonce
    (no inline event handlers, no ``javascript:`` URLs, no eval); styles from the hall, inline
    ``style=`` attributes allowed; images from the hall or ``data:``; nothing from elsewhere;
    never framed; forms post only to the hall."""
    return "; ".join(
        (
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        )
    )


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = secrets.token_urlsafe(18)
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = content_security_policy(nonce)
        return response


def _resolves(path: str) -> bool:
    try:
        get_resolver().resolve(path)
    except Resolver404:
        return False
    return True


class RequestShapeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not self._clean_path_and_headers(request):
            return refusal_response(
                request,
                DomainError("请求地址或请求头含有无法识别的字符，请检查后重试", code="BAD_REQUEST"),
            )
        if request.method not in _SAFE_METHODS:
            self._append_slash(request)
        return self.get_response(request)

    @staticmethod
    def _clean_path_and_headers(request: HttpRequest) -> bool:
        if not text.is_safe_text(request.path_info):
            return False
        return all(
            text.is_safe_text(value)
            for key, value in request.META.items()
            if key.startswith("HTTP_") and isinstance(value, str)
        )

    @staticmethod
    def _append_slash(request: HttpRequest) -> None:
        """Serve ``POST /api/v1/applications`` as ``POST /api/v1/applications/``: Django's
        APPEND_SLASH would answer 301, and the client's retry would arrive as a body-less GET."""
        path = request.path_info
        if not settings.APPEND_SLASH or path.endswith("/") or _resolves(path):
            return
        if _resolves(path + "/"):
            request.path_info = path + "/"
            request.path = request.path + "/"


class FormTextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith("/api/"):
            try:
                text.text_check(dict(request.GET.lists()))
                if request.method not in _SAFE_METHODS and request.content_type in _FORM_TYPES:
                    text.text_check(dict(request.POST.lists()))
            except DomainError as error:
                # Pages speak to people: the message, not the parameter's key.
                refusal = (
                    text.unsafe_text_error()
                    if isinstance(error, text.UnsafeText)
                    else text.not_finite_error()
                )
                return refusal_response(request, refusal)
        return self.get_response(request)


class DomainErrorMiddleware:
    """A refused action that a page view did not handle itself becomes a Chinese error page
    with the right status (403, 404, 409 …). The API has its own handlers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not isinstance(exc, DomainError) or request.path.startswith("/api/"):
            return None
        return refusal_response(request, exc)
