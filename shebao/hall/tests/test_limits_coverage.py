"""Limits, the class: every way in that anyone may use is behind an abuse limit, or exempt
with a reason. The limits themselves are proved path by path in ``test_limits.py``.

- Every page an anonymous visitor may POST to and every API operation an anonymous client may
  call with a body is found by asking the hall itself (an anonymous request to each route),
  and must be listed here: in ``LIMITED`` with the policy that guards it and a request that
  reaches it, or in ``EXEMPT`` with the reason it needs none.
- Each ``LIMITED`` entry is then sent with its policy's allowance used up, and must answer
  429 ``RATE_LIMITED`` with ``Retry-After``: a listed route that skips its limit fails.
- An anonymous GET must not write rows (a session, a challenge …) unless it is ``LIMITED``.

A new public form or operation fails the first test until it is given a limit or a reason.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.urls.converters import IntConverter

from shebao.api import api
from shebao.testing import credit_code, id_number, make_unit

pytestmark = pytest.mark.django_db

ID = id_number(serial="123")

# route ("namespace:name" of a page, "METHOD /api/v1/path" of an operation)
#   -> (policy, method, request data that reaches the limited service)
LIMITED: dict[str, tuple[str, str, Callable[[], dict[str, Any]]]] = {
    "accounts:login": (
        "signin_failures",
        "post",
        lambda: {"as": "individual", "identifier": ID, "password": "Wrong-pass-1"},
    ),
    "accounts:register": (
        "code_checks",
        "post",
        lambda: {
            "name": "张三",
            "id_number": ID,
            "mobile": "13900000001",
            "code": "123456",
            "password": "Shebao@2026x",
            "password2": "Shebao@2026x",
        },
    ),
    "accounts:register_unit": (
        "code_checks",
        "post",
        lambda: {
            "credit_code": credit_code(),
            "unit_name": "吉林市某某有限公司",
            "rep_name": "张三",
            "rep_id_number": ID,
            "mobile": "13900000001",
            "code": "123456",
            "password": "Shebao@2026x",
            "password2": "Shebao@2026x",
        },
    ),
    "accounts:password_reset": (
        "code_checks",
        "post",
        lambda: {
            "id_number": ID,
            "mobile": "13900000001",
            "code": "123456",
            "new_password": "Shebao@2026x",
            "new_password2": "Shebao@2026x",
        },
    ),
    # A POST signs in with a certificate; a GET issues a challenge (a row, and a session).
    "pki:login": (
        "signin_failures",
        "post",
        lambda: {"certificate": "-----BEGIN CERTIFICATE-----", "challenge": "x", "signature": "x"},
    ),
    "pki:login GET": ("ca_challenges", "get", dict),
    "admin:login": (
        "signin_failures",
        "post",
        lambda: {"username": "root", "password": "Wrong-pass-1", "next": "/admin/"},
    ),
    "POST /api/v1/auth/token": (
        "signin_failures",
        "post",
        lambda: {"username": ID, "password": "Wrong-pass-1", "context": "individual"},
    ),
    "POST /api/v1/auth/ca/challenge": ("ca_challenges", "post", dict),
    "POST /api/v1/auth/ca/token": (
        "signin_failures",
        "post",
        lambda: {"certificate": "-----BEGIN CERTIFICATE-----", "challenge": "x", "signature": "x"},
    ),
}

EXEMPT: dict[str, str] = {
    "insurance:template": "a fixed file to download (the roster template): nothing is written",
    "accounts:logout": "signs a session out: an anonymous visitor has none, nothing is written",
    "admin:logout": "signs a session out: an anonymous visitor has none, nothing is written",
    "hall:home": "a page that only reads: a POST is answered like a GET, nothing is written",
    "policy:index": "a page that only reads: a POST is answered like a GET, nothing is written",
    "emergency:measures": "a page that only reads: a POST is answered like a GET, nothing is written",
    "certificates:verify": (
        "reads a certificate by its code, or checks an uploaded PDF (capped at "
        "certificates.services.MAX_UPLOAD_BYTES before it is read): nothing is written"
    ),
    "certificates:verify_form": "the verification form: a page that only reads",
    "POST /api/v1/verify": (
        "checks an uploaded PDF (capped at certificates.services.MAX_UPLOAD_BYTES before it is "
        "read) and writes nothing"
    ),
    "accounts:code_send": (
        "limited where the codes are made (shebao/accounts/services/codes.py: one a minute and "
        "ten a day per mobile, sixty an hour per address), answered in the form's status line"
    ),
}


def _sample_kwargs(pattern: URLPattern) -> dict[str, Any]:
    return {
        name: 1 if isinstance(converter, IntConverter) else "x"
        for name, converter in pattern.pattern.converters.items()
    }


def _pages() -> list[tuple[str, str]]:
    """(route, url) of every page, /admin/ included, the API excluded."""
    found: list[tuple[str, str]] = []

    def walk(patterns: list[Any], namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if str(pattern.pattern) == "api/v1/":
                    continue
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif pattern.name:
                route = f"{namespace}:{pattern.name}" if namespace else pattern.name
                try:
                    url = reverse(route, kwargs=_sample_kwargs(pattern))
                except NoReverseMatch:
                    # /admin/'s model pages (regex routes): all behind AdminSite.admin_view,
                    # which sends anonymous visitors to its sign-in page.
                    assert namespace == "admin", f"cannot build a URL for {route}"
                    continue
                found.append((route, url))

    walk(get_resolver().url_patterns, None)
    return found


def _operations() -> list[tuple[str, str, str]]:
    """(route, method, url) of every API operation."""
    schema = api.get_openapi_schema()
    operations = []
    for path, methods in schema["paths"].items():
        url = path
        while "{" in url:
            start = url.index("{")
            url = url[:start] + "1" + url[url.index("}", start) + 1 :]
        for method in methods:
            operations.append((f"{method.upper()} {path}", method, url))
    return operations


def _anonymous_may_send(response: Any) -> bool:
    """Did the route take the anonymous request in (rather than send it to sign in)?"""
    if response.status_code in (401, 404, 405):
        return False
    if response.status_code == 302:
        location = response["Location"]
        return not ("/accounts/login/" in location or "/admin/login/" in location)
    return True


def _anonymous_writers() -> set[str]:
    client = Client(raise_request_exception=False)
    routes: set[str] = set()
    for route, url in _pages():
        if _anonymous_may_send(client.post(url, {})):
            routes.add(route)
    for route, method, url in _operations():
        if method == "get":
            continue
        response = getattr(client, method)(url, data={}, content_type="application/json")
        if _anonymous_may_send(response):
            routes.add(route)
    return routes


# Public computations: the answer is computed from the request and policy data and nothing is
# written. (Their bodies are bounded by the request-size limits.)
def _is_calculator(route: str) -> bool:
    return route.startswith(("calculators:", "POST /api/v1/calculators/"))


def test_every_anonymous_form_and_operation_is_limited_or_exempt_with_a_reason(reference_data):
    make_unit()
    found = {route for route in _anonymous_writers() if not _is_calculator(route)}

    listed = {route.removesuffix(" GET") for route in LIMITED} | set(EXEMPT)
    assert found - listed == set(), "anonymous routes without a limit or a reason"
    assert {r for r in listed if not r.endswith(" GET")} - found == set(), "listed but gone"


@pytest.mark.parametrize("route", sorted(LIMITED))
def test_each_limited_route_answers_429_when_its_allowance_is_used_up(
    route, settings, reference_data
):
    name, method, data = LIMITED[route]
    settings.SHEBAO_LIMITS = {**settings.SHEBAO_LIMITS, name: (0, 600)}
    if route.startswith(("POST ", "GET ")):
        response = Client().post(
            route.split(" ", 1)[1], data=data(), content_type="application/json"
        )
        body = response.json()
        assert (body["code"], body["retry_after"]) == (
            "RATE_LIMITED",
            int(response["Retry-After"]),
        )
    else:
        page = route.removesuffix(" GET")
        url = reverse(page)
        response = getattr(Client(), method)(url, data())
        assert "请求过于频繁" in response.content.decode()
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def _row_counts() -> dict[str, int]:
    """Rows per table, in one query."""
    with connection.cursor() as cursor:
        tables = [
            table
            for table in connection.introspection.table_names(cursor)
            if table not in ("django_migrations", "shebao_cache")
        ]
        counts = ", ".join(
            f"(SELECT COUNT(*) FROM {connection.ops.quote_name(table)})" for table in tables
        )
        cursor.execute(f"SELECT {counts}")
        return dict(zip(tables, cursor.fetchone(), strict=True))


def test_no_anonymous_page_or_operation_writes_rows_on_a_get_unless_limited(reference_data):
    make_unit()
    limited_gets = {route.removesuffix(" GET") for route in LIMITED if route.endswith(" GET")}
    writers = []
    targets = [(route, url) for route, url in _pages()]
    targets += [(route, url) for route, method, url in _operations() if method == "get"]
    for route, url in targets:
        # Each time a new visitor (no cookies), as a script would be; the first request may set
        # up what the hall makes once (the agency CA), the second must write nothing.
        if not _anonymous_may_send(Client(raise_request_exception=False).get(url)):
            continue  # sent to sign in: nothing anonymous runs there
        before = _row_counts()
        Client(raise_request_exception=False).get(url)
        after = _row_counts()
        grew = sorted(t for t in after if after[t] > before.get(t, 0))
        if grew and route not in limited_gets:
            writers.append(f"{route}: {', '.join(grew)}")
    assert writers == []
