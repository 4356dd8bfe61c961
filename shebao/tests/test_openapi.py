"""The OpenAPI schema tells the truth (issue 6 item 6), for every operation at once:

- schema names are unique: django-ninja files every model under its class name and, when two
  classes share one, silently keeps one of them, so the schema described the wrong fields;
- every error status is documented, and documented with the one error schema ``ErrorOut``;
- optional authentication is declared optional.

Whether the answers really are what the schema says is proved by ``test_api_fuzz.py``.
"""

from __future__ import annotations

import json
import re
import typing
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
from ninja.utils import normalize_path
from pydantic import BaseModel

from shebao.api import api, validates_input
from shebao.common.schemas import ErrorOut
from shebao.hall.tests.test_access_matrix import API
from shebao.hall.tests.test_limits_coverage import LIMITED

ERROR_REF = {"$ref": "#/components/schemas/ErrorOut"}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/v1/"), default=str))


def _operations() -> Iterator[tuple[str, Any]]:
    """("METHOD /api/v1/path", ninja operation) for every operation of the API."""
    for router in api._get_bound_routers():
        for path, view in router.path_operations.items():
            # as ninja writes the schema's paths
            full = normalize_path("/api/v1/" + "/".join(i for i in (router.prefix, path) if i))
            full = re.sub(r"{[^}:]+:", "{", full)
            for operation in view.operations:
                for method in operation.methods:
                    yield f"{method} {full}", operation


def _models(annotation: Any, seen: set[type]) -> Iterator[type[BaseModel]]:
    """Every pydantic model an annotation reaches, through lists, unions, dicts, Annotated."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return
        seen.add(annotation)
        yield annotation
        for field in annotation.model_fields.values():
            yield from _models(field.annotation, seen)
        return
    for argument in typing.get_args(annotation):
        yield from _models(argument, seen)


def _schema_classes() -> dict[str, set[type[BaseModel]]]:
    by_name: dict[str, set[type[BaseModel]]] = defaultdict(set)
    for _, operation in _operations():
        # ninja's wrappers of an operation's parameters and answers are inlined, not named
        wrappers = [*operation.models, *operation.response_models.values()]
        for wrapper in wrappers:
            for field in getattr(wrapper, "model_fields", {}).values():
                for model in _models(field.annotation, set()):
                    by_name[model.__name__].add(model)
    return by_name


def test_no_two_schema_classes_share_a_component_name(schema):
    by_name = _schema_classes()

    shared = {
        name: sorted(f"{c.__module__}.{c.__qualname__}" for c in classes)
        for name, classes in by_name.items()
        if len(classes) > 1
    }
    assert shared == {}
    # The walk found every class the schema names (else a collision could hide from it).
    assert set(schema["components"]["schemas"]) <= set(by_name)


def test_the_walk_would_see_two_classes_of_one_name():
    class MaterialOut(BaseModel):  # a second class of a name the API uses
        code: str

    class Wrapper(BaseModel):
        items: list[MaterialOut] | None

    found = {m.__name__: m for m in _models(Wrapper, set())}
    assert found["MaterialOut"] is MaterialOut
    assert MaterialOut not in _schema_classes()["MaterialOut"]


def test_every_operation_of_the_api_is_walked(schema):
    documented = {f"{m.upper()} {path}" for path, ops in schema["paths"].items() for m in ops}
    assert {route for route, _ in _operations()} == documented


def test_every_error_status_is_documented_with_the_one_error_schema(schema):
    wrong = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if int(status) < 400:
                    continue
                content = response.get("content", {}).get("application/json", {})
                if content.get("schema") != ERROR_REF:
                    wrong.append(f"{method.upper()} {path} {status}: {content.get('schema')}")
    assert wrong == []
    assert "ErrorOut" in schema["components"]["schemas"]


def test_the_error_schema_holds_every_shape_the_api_answers_with():
    # a refusal, a 422 of ninja's validation, a refused roster, a 429
    ErrorOut.model_validate({"code": "APPLICATION_STALE", "message": "页面内容已过期"})
    ErrorOut.model_validate(
        {"code": "INVALID_INPUT", "message": "输入有误", "errors": [{"field": "q", "message": "x"}]}
    )
    ErrorOut.model_validate(
        {
            "code": "ROSTER_INVALID",
            "message": "名册有误",
            "rows": [{"row": 3, "column": "身份证号码", "reason": "校验位不正确"}],
        }
    )
    ErrorOut.model_validate({"code": "RATE_LIMITED", "message": "请稍后再试", "retry_after": 60})


def test_each_operation_documents_the_errors_it_can_answer_with(schema):
    missing = []
    for route, operation in _operations():
        method, path = route.split(" ", 1)
        responses = schema["paths"][path][method.lower()]["responses"]
        expected = {"400"}  # a request that cannot be parsed reaches any operation
        if operation.auth_callbacks:
            expected.add("401")
        if validates_input(operation):
            expected.add("422")
        if "{" in path:
            expected.add("404")
        if route in LIMITED:
            expected.add("429")
        missing += [f"{route}: {status}" for status in sorted(expected - set(responses))]
    assert missing == []
    limited_api = {route for route in LIMITED if route.split(" ", 1)[0].isupper()}
    assert len(limited_api) >= 3  # the sign-in operations and the U-KEY challenge


def test_optional_authentication_is_declared_optional(schema):
    assert set(schema["components"]["securitySchemes"]) == {"TokenAuth"}
    wrong = []
    for route, operation in _operations():
        method, path = route.split(" ", 1)
        declared = schema["paths"][path][method.lower()].get("security")
        optional = [getattr(a, "optional", False) for a in operation.auth_callbacks]
        if not optional:
            expected = None
        elif all(optional):
            expected = [{}, {"TokenAuth": []}]
        else:
            expected = [{"TokenAuth": []}]
        if declared != expected:
            wrong.append(f"{route}: {declared}, expected {expected}")
    assert wrong == []
    assert schema["paths"]["/api/v1/calculators/payday"]["get"]["security"][0] == {}


def test_every_status_the_access_matrix_expects_of_an_operation_is_documented(schema):
    undocumented = set()
    for check in API:
        method, path = check.route.split(" ", 1)
        responses = schema["paths"][path][method.lower()]["responses"]
        for actor, expected in check.expect.items():
            if isinstance(expected, int) and str(expected) not in responses:
                undocumented.add(f"{check.route}: {expected} (as {actor})")
    assert sorted(undocumented) == []
