"""Request shapes the server refuses cleanly: unbounded integers, multipart without a boundary,
oversized or pathological JSON, list URLs without their trailing slash, long upload names.
Operations come from the OpenAPI schema and pages from the URL resolver, so a new endpoint is
covered the day it is added."""

from __future__ import annotations

import json
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from shebao.accounts.actors import actor_for
from shebao.accounts.tokens import token_issue
from shebao.applications.models import Application, Material
from shebao.applications.services import application_create
from shebao.applications.tests.conftest import PDF, make_matter
from shebao.applications.uploads import upload_name
from shebao.common.paging import MAX_LIMIT, MAX_OFFSET
from shebao.hall.tests.edge import api_operations, page_urls, resolve_ref, stored_digest
from shebao.testing import make_individual, signed_in

pytestmark = pytest.mark.django_db

HUGE = ["9223372036854775808", "-9223372036854775809", "1" + "0" * 30]
MULTIPART_ERROR = {
    "code": "MULTIPART_INVALID",
    "message": "上传内容格式不正确（multipart 请求缺少 boundary 或内容已损坏），请重新上传",
}


@pytest.fixture
def user(reference_data):
    return make_individual(name="形状测试")


@pytest.fixture
def caller(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=user, context='individual')}"}


def _integer_query_parameters() -> list[tuple[str, dict]]:
    return [
        (str(op), parameter)
        for op in api_operations()
        for parameter in op.query_parameters
        if resolve_ref(parameter.get("schema", {})).get("type") == "integer"
    ]


def test_every_integer_query_parameter_declares_its_bounds():
    parameters = _integer_query_parameters()
    assert {(op, p["name"]) for op, p in parameters} >= {
        ("GET /api/v1/applications/", "offset"),
        ("GET /api/v1/applications/", "limit"),
        ("GET /api/v1/catalogue/matters", "offset"),
    }
    unbounded = [
        f"{op} {p['name']}"
        for op, p in parameters
        if "maximum" not in p["schema"] or "minimum" not in p["schema"]
    ]
    assert unbounded == []


@pytest.mark.parametrize("operation", api_operations(), ids=str)
def test_every_integer_query_parameter_refuses_huge_values(client, caller, operation):
    for parameter in operation.query_parameters:
        if resolve_ref(parameter.get("schema", {})).get("type") != "integer":
            continue
        for value in HUGE:
            response = getattr(client, operation.method)(
                operation.url, {parameter["name"]: value}, **caller
            )
            assert response.status_code == 422, (parameter["name"], value, response.content)
            body = response.json()
            assert body["code"] == "INVALID_INPUT"
            assert body["errors"][0]["field"] == parameter["name"]
            assert body["errors"][0]["message"] in (
                f"不能大于{parameter['schema']['maximum']}",
                f"不能小于{parameter['schema']['minimum']}",
            )


def test_paging_at_its_bounds_is_answered(client, caller):
    for url in ("/api/v1/applications/", "/api/v1/catalogue/matters"):
        response = client.get(url, {"offset": MAX_OFFSET, "limit": MAX_LIMIT}, **caller)
        assert response.status_code == 200
        assert (response.json()["offset"], response.json()["items"]) == (MAX_OFFSET, [])


def _integer_inputs(operation) -> tuple[list[str], list[str]]:
    """The operation's integer path parameters and integer JSON body fields."""
    path = [
        p["name"]
        for p in operation.spec.get("parameters", [])
        if p.get("in") == "path" and p.get("schema", {}).get("type") == "integer"
    ]
    body: list[str] = []
    if "application/json" in operation.body_types:
        schema = resolve_ref(operation.spec["requestBody"]["content"]["application/json"]["schema"])
        body = [
            name
            for name, spec in (schema.get("properties") or {}).items()
            if resolve_ref(spec).get("type") == "integer"
        ]
    return path, body


INTEGER_OPERATIONS = [op for op in api_operations() if any(_integer_inputs(op))]


def test_the_enumeration_finds_the_integer_inputs():
    assert {str(op) for op in INTEGER_OPERATIONS} >= {
        "DELETE /api/v1/applications/{number}/materials/{material_id}",
        "POST /api/v1/applications/{number}/submit",
        "POST /api/v1/policy/records/{record_id}/finalize",
    }


@pytest.mark.parametrize("operation", INTEGER_OPERATIONS, ids=str)
def test_every_integer_path_parameter_and_body_field_refuses_huge_values(
    client, caller, user, operation
):
    """Huge numbers where an id or a version goes: an answer (404, 409, 422), never a 500.
    The caller's own draft fills ``{number}``, so the lookup by id really runs."""
    draft, _ = application_create(
        actor=actor_for(user, "individual"), matter=make_matter(), data={}, client_key=""
    )
    path_names, body_fields = _integer_inputs(operation)
    before = stored_digest()
    for value in HUGE:
        url = operation.path.replace("{number}", draft.number).replace("{region}", "220200")
        for name in path_names:
            url = url.replace("{" + name + "}", value.lstrip("-"))
        if operation.method == "get":
            response = client.get(url, **caller)
        else:
            body = json.dumps(dict.fromkeys(body_fields, int(value)))
            response = getattr(client, operation.method)(
                url, body, content_type="application/json", **caller
            )
        assert 400 <= response.status_code < 500, (url, response.status_code)
        assert response.json()["code"]
    assert stored_digest() == before


def _multipart_without_boundary(client: Client, method: str, url: str, **extra):
    return getattr(client, method)(
        url,
        b"--x\r\nContent-Disposition: form-data; name=a\r\n\r\nb\r\n--x--\r\n",
        content_type="multipart/form-data",
        **extra,
    )


@pytest.mark.parametrize(
    "operation", [op for op in api_operations() if op.method != "get"], ids=str
)
def test_every_api_operation_answers_multipart_without_a_boundary_with_a_400(
    client, caller, operation
):
    before = stored_digest()
    response = _multipart_without_boundary(client, operation.method, operation.url, **caller)
    if "multipart/form-data" in operation.body_types:
        assert response.status_code == 400
        assert response.json() == MULTIPART_ERROR
        assert stored_digest() == before
    else:
        assert response.status_code < 500, response.content  # a body it never reads


PAGES = page_urls()


@pytest.mark.parametrize(("name", "url"), PAGES, ids=[name for name, _ in PAGES])
def test_every_page_answers_multipart_without_a_boundary_with_a_400_page(user, name, url):
    client = signed_in(user, "individual")
    before = stored_digest()
    response = _multipart_without_boundary(client, "post", url)
    assert response.status_code == 400
    page = response.content.decode()
    assert "请求格式不正确" in page
    assert "社会保险网上经办服务大厅" in page
    assert stored_digest() == before


JSON_OPERATIONS = [op for op in api_operations() if "application/json" in op.body_types]


def _anonymous(client: Client, operation) -> bool:
    """Whether the operation serves callers without a token (it does not answer 401)."""
    response = getattr(client, operation.method)(
        operation.url, "{}", content_type="application/json"
    )
    return response.status_code != 401


def test_anonymous_json_operations_are_the_public_ones(client, reference_data):
    names = {str(op) for op in JSON_OPERATIONS if _anonymous(client, op)}
    assert names >= {
        "POST /api/v1/auth/token",
        "POST /api/v1/auth/ca/token",
        "POST /api/v1/calculators/backpay-interest",
    }
    assert "POST /api/v1/applications/" not in names


@pytest.mark.parametrize("operation", JSON_OPERATIONS, ids=str)
def test_anonymous_json_bodies_are_capped_before_parsing(client, reference_data, operation):
    big = json.dumps({"months": [{"month": "2020-01", "amount": "1.00"}] * 220_000})
    assert len(big) > 7_800_000
    started = time.perf_counter()
    response = getattr(client, operation.method)(
        operation.url, big, content_type="application/json"
    )
    elapsed = time.perf_counter() - started
    if not _anonymous(client, operation):
        assert response.status_code == 401  # the token is checked before the body is read
    else:
        assert response.status_code == 413
        assert response.json() == {
            "code": "TOO_LARGE",
            "message": "请求内容过大：请求体不能超过 64 KB",
        }
    assert elapsed < 1.0  # refused, not parsed (parsing it took 6 s)


def test_a_normal_anonymous_calculation_still_fits(client, reference_data):
    months = [
        {"month": f"{2000 + i // 12}-{i % 12 + 1:02d}", "amount": "640.00"} for i in range(600)
    ]
    body = json.dumps({"months": months, "pay_month": "2024-12"}, indent=2)
    assert len(body) < 64 * 1024
    response = client.post(
        "/api/v1/calculators/backpay-interest", body, content_type="application/json"
    )
    assert response.status_code != 413


def test_signed_in_application_answers_may_be_large(client, caller, user):
    matter = make_matter()
    body = json.dumps(
        {"matter": matter.code, "data": {"reason": "很" * 200_000}}, ensure_ascii=False
    )
    assert len(body.encode()) > 500_000
    response = client.post("/api/v1/applications/", body, content_type="application/json", **caller)
    assert response.status_code == 422  # parsed and checked against the form, not refused unread
    assert response.json()["code"] == "APPLICATION_DATA_INVALID"
    too_big = json.dumps({"matter": matter.code, "data": {"reason": "x" * 1_100_000}})
    response = client.post(
        "/api/v1/applications/", too_big, content_type="application/json", **caller
    )
    assert response.status_code == 413
    assert response.json()["code"] == "TOO_LARGE"
    assert Application.objects.count() == 0


def test_pathological_json_is_a_400_not_a_500(client, caller):
    for body in ("[" * 100_000 + "]" * 100_000, '{"a": 1', "\xff\xfe"):
        response = client.post(
            "/api/v1/applications/", body, content_type="application/json", **caller
        )
        assert response.status_code == 400
        assert response.json() == {
            "code": "BAD_REQUEST",
            "message": "请求格式不正确，无法解析请求内容",
        }


# --- a POST to a list URL without its trailing slash ------------------------------------------


def test_a_post_to_a_list_url_without_its_slash_is_answered_with_the_body(client, caller):
    matter = make_matter()
    response = client.post(
        "/api/v1/applications",
        {"matter": matter.code, "data": {"reason": "合同到期"}},
        content_type="application/json",
        **caller,
    )
    assert response.status_code == 201
    assert Application.objects.get().data == {"reason": "合同到期"}


@pytest.mark.parametrize(
    "operation",
    [op for op in api_operations() if op.method != "get" and op.path.endswith("/")],
    ids=str,
)
def test_no_api_operation_redirects_a_body_away(client, caller, operation):
    response = getattr(client, operation.method)(
        operation.url.rstrip("/"), "{}", content_type="application/json", **caller
    )
    assert response.status_code not in (301, 302, 307, 308)
    with_slash = getattr(client, operation.method)(
        operation.url, "{}", content_type="application/json", **caller
    )
    assert response.status_code == with_slash.status_code


@pytest.mark.parametrize(
    ("name", "url"), [(n, u) for n, u in PAGES if u.endswith("/") and u != "/"], ids=str
)
def test_no_page_redirects_a_posted_form_away(user, name, url):
    client = signed_in(user, "individual")
    response = client.post(url.rstrip("/"), {"a": "b"})
    assert response.status_code not in (301, 308)
    # GET keeps Django's redirect to the canonical address (nothing is lost).
    assert client.get(url.rstrip("/"), {"a": "b"}).status_code in (301, 302, 200, 403, 404, 405)


# --- long upload names -------------------------------------------------------------------------


def test_a_long_upload_name_keeps_its_extension():
    long = "很长的文件名" * 60 + ".pdf"
    assert len(long) > 200
    kept = upload_name(long)
    assert len(kept) == 200
    assert kept.endswith(".pdf")
    assert kept.startswith("很长的文件名")
    assert upload_name("C:\\Users\\张三\\证明.PDF") == "证明.PDF"
    assert upload_name("a\x00b\ud800.pdf") == "ab.pdf"
    assert upload_name("x" * 300) == "x" * 200


def test_an_upload_with_a_300_character_name_is_accepted_and_keeps_pdf(client, caller, user):
    matter = make_matter()
    application, _ = application_create(
        actor=actor_for(user, "individual"), matter=matter, data={}, client_key=""
    )

    name = "劳动合同解除证明" * 37 + ".pdf"
    assert len(name) == 300
    response = client.post(
        f"/api/v1/applications/{application.number}/materials",
        {"code": "id_card", "file": SimpleUploadedFile(name, PDF, "application/pdf")},
        **caller,
    )
    assert response.status_code == 201, response.content
    stored = Material.objects.get()
    assert stored.original_name.endswith(".pdf")
    assert len(stored.original_name) == 200
    assert response.json()["original_name"] == stored.original_name
