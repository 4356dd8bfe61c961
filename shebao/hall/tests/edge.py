"""What the edge tests enumerate: every API operation (from the OpenAPI schema) and every page
(from the URL resolver), with concrete URLs, so that a new endpoint is covered without being
listed anywhere; and a digest of everything stored, for "nothing was written"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern

from shebao.api import api


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # as the schema writes it, e.g. /api/v1/applications/{number}
    url: str  # with every path parameter filled in
    spec: dict[str, Any]

    @property
    def query_parameters(self) -> list[dict[str, Any]]:
        return [p for p in self.spec.get("parameters", []) if p.get("in") == "query"]

    @property
    def body_types(self) -> set[str]:
        return set(self.spec.get("requestBody", {}).get("content", {}))

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


def _sample(parameter: dict[str, Any]) -> str:
    return "1" if parameter.get("schema", {}).get("type") == "integer" else "x"


def api_operations() -> list[Operation]:
    schema = api.get_openapi_schema()
    operations = []
    for path, methods in schema["paths"].items():
        for method, spec in methods.items():
            url = path
            for parameter in spec.get("parameters", []):
                if parameter.get("in") == "path":
                    url = url.replace("{" + parameter["name"] + "}", _sample(parameter))
            operations.append(Operation(method=method, path=path, url=url, spec=spec))
    return operations


def openapi_components() -> dict[str, Any]:
    return api.get_openapi_schema().get("components", {}).get("schemas", {})


def resolve_ref(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = openapi_components()[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


_CONVERTER = re.compile(r"<(?:(\w+):)?(\w+)>")


def _fill(route: str) -> str:
    return _CONVERTER.sub(lambda m: "1" if m.group(1) == "int" else "x", route)


def page_urls() -> list[tuple[str, str]]:
    """(route name, URL) of every page; path converters get sample values (1, x)."""

    def walk(patterns: list[Any], prefix: str, namespace: str | None) -> list[tuple[str, str]]:
        found = []
        for pattern in patterns:
            if not isinstance(pattern.pattern, RoutePattern):
                continue  # regular-expression catch-alls (the admin's) have no page of their own
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                if route == "api/v1/":
                    continue
                found += walk(pattern.url_patterns, route, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern):
                found.append((f"{namespace}:{pattern.name}", "/" + _fill(route)))
        return found

    return walk(get_resolver().url_patterns, "", None)


def stored_digest() -> dict[str, Any]:
    """Rows per model of every app, and the applications' answers: what a refused request
    must leave as it was."""
    from shebao.applications.models import Application

    counts = {
        model._meta.label: model._base_manager.count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }
    answers = list(Application.objects.order_by("pk").values_list("pk", "version", "data"))
    return {"counts": counts, "applications": answers}
