"""The OpenAPI schema is built once per process and served unchanged (item: fast pages)."""

from __future__ import annotations

import json

import pytest

from shebao import api as api_module
from shebao.api import HallOpenAPISchema, api

pytestmark = pytest.mark.django_db


def test_the_schema_is_built_once_and_is_what_a_fresh_build_gives(client, monkeypatch):
    first = client.get("/api/v1/openapi.json")
    builds = []
    monkeypatch.setattr(
        api_module,
        "HallOpenAPISchema",
        lambda *args: builds.append(args) or HallOpenAPISchema(*args),
    )

    second = client.get("/api/v1/openapi.json")

    assert first.status_code == second.status_code == 200
    assert builds == []  # served from the process's copy
    fresh = json.loads(json.dumps(HallOpenAPISchema(api, "/api/v1/"), default=str))
    assert json.loads(second.content) == fresh
    assert api.get_openapi_schema(path_prefix="/api/v1/") is api.get_openapi_schema(
        path_prefix="/api/v1/"
    )
