"""Unrenderable text: a lone surrogate, a NUL or another control character, NaN or Infinity, and
absurd dates are refused at the edge with 422, a stable code and a Chinese message, and nothing
is written. The API operations come from the OpenAPI schema and the pages from the URL
resolver, so a new endpoint is covered by these tests the day it is added."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client

from shebao.accounts.actors import actor_for
from shebao.accounts.models import User
from shebao.accounts.tokens import token_issue
from shebao.applications.formschema import ApplicationDataInvalid, form_clean, form_fields
from shebao.applications.models import Application
from shebao.applications.services import application_create
from shebao.applications.tests.conftest import make_matter
from shebao.catalogue.models import Matter
from shebao.catalogue.services import catalogue_load
from shebao.common.services import stored_text_repair
from shebao.common.text import NotFiniteNumber, UnsafeText, json_loads, text_check, text_repair
from shebao.hall.tests.edge import api_operations, page_urls, resolve_ref, stored_digest
from shebao.testing import make_individual, signed_in

pytestmark = pytest.mark.django_db

TEXT_CODE = "TEXT_INVALID_CHARACTER"
NUMBER_CODE = "NUMBER_NOT_FINITE"
TEXT_MESSAGE = "含有无法识别的字符（空字符、控制字符或不成对的代理字符），请删除后重新提交"
NUMBER_MESSAGE = "含有无效的数值（NaN 或 Infinity），请填写有效的数字"

# (what, the JSON token as sent on the wire, the code it must get)
JSON_VALUES = [
    ("lone high surrogate", b'"\\ud800"', TEXT_CODE),
    ("lone low surrogate", b'"a\\udc00b"', TEXT_CODE),
    ("surrogate as raw bytes", b'"\xed\xa0\x80"', TEXT_CODE),
    ("NUL", b'"a\\u0000b"', TEXT_CODE),
    ("bell", b'"a\\u0007b"', TEXT_CODE),
    ("NUL in a key", b'{"a\\u0000": "b"}', TEXT_CODE),
    ("surrogate in a list", b'["ok", "\\udfff"]', TEXT_CODE),
    ("NaN", b"NaN", NUMBER_CODE),
    ("Infinity", b"Infinity", NUMBER_CODE),
    ("-Infinity", b"-Infinity", NUMBER_CODE),
    ("overflowing number", b"1e999", NUMBER_CODE),
]
FORM_VALUES = [("NUL", "a\x00b"), ("bell", "a\x07b"), ("escape", "\x1b[31m")]


@pytest.fixture
def caller(reference_data):
    user = make_individual(name="边界测试")
    return {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=user, context='individual')}"}


def _json_body(operation: Any, token: bytes) -> bytes:
    """A body with every declared property set to the bad value (or one property if the schema
    declares none): wherever a client puts it, it must be refused."""
    content = operation.spec["requestBody"]["content"]["application/json"]
    properties = resolve_ref(content["schema"]).get("properties") or {"value": {}}
    body = json.dumps(dict.fromkeys(properties, "__BAD__")).encode()
    return body.replace(b'"__BAD__"', token)


JSON_OPERATIONS = [op for op in api_operations() if "application/json" in op.body_types]


def _takes_text(operation: Any) -> bool:
    """A multipart operation with at least one field that is not a file (a file's bytes are
    the operation's own to judge: POST /api/v1/verify takes only a PDF)."""
    content = operation.spec["requestBody"]["content"]["multipart/form-data"]
    properties = resolve_ref(content["schema"])["properties"]
    return any(resolve_ref(spec).get("format") != "binary" for spec in properties.values())


FORM_OPERATIONS = [
    op for op in api_operations() if "multipart/form-data" in op.body_types and _takes_text(op)
]
QUERY_OPERATIONS = [op for op in api_operations() if op.query_parameters]


def test_the_enumeration_finds_the_operations_that_take_text():
    assert {str(op) for op in JSON_OPERATIONS} >= {
        "POST /api/v1/applications/",
        "PATCH /api/v1/applications/{number}",
        "POST /api/v1/auth/token",
        "POST /api/v1/calculators/backpay-interest",
        "POST /api/v1/policy/{region}/parameters",
    }
    assert "POST /api/v1/applications/{number}/materials" in {str(op) for op in FORM_OPERATIONS}
    assert "GET /api/v1/calculators/contribution" in {str(op) for op in QUERY_OPERATIONS}


@pytest.mark.parametrize("operation", JSON_OPERATIONS, ids=str)
@pytest.mark.parametrize(("what", "token", "code"), JSON_VALUES, ids=[v[0] for v in JSON_VALUES])
def test_every_json_operation_refuses_unrenderable_values(
    client, caller, operation, what, token, code
):
    before = stored_digest()
    response = getattr(client, operation.method)(
        operation.url, _json_body(operation, token), content_type="application/json", **caller
    )
    assert response.status_code == 422, (what, response.content)
    body = response.json()
    assert body["code"] == code
    assert (TEXT_MESSAGE if code == TEXT_CODE else NUMBER_MESSAGE) in body["message"]
    assert stored_digest() == before


@pytest.mark.parametrize("operation", JSON_OPERATIONS, ids=str)
def test_every_json_operation_refuses_them_anonymously_too(client, reference_data, operation):
    """Without a token an operation that needs one says 401; one that does not still refuses."""
    before = stored_digest()
    response = getattr(client, operation.method)(
        operation.url, _json_body(operation, b'"\\ud800"'), content_type="application/json"
    )
    assert (response.status_code, response.json()["code"]) in {
        (401, "UNAUTHENTICATED"),
        (422, TEXT_CODE),
    }
    assert stored_digest() == before


@pytest.mark.parametrize("operation", QUERY_OPERATIONS, ids=str)
@pytest.mark.parametrize(("what", "value"), FORM_VALUES, ids=[v[0] for v in FORM_VALUES])
def test_every_query_parameter_refuses_control_characters(client, caller, operation, what, value):
    for parameter in operation.query_parameters:
        before = stored_digest()
        response = getattr(client, operation.method)(
            operation.url, {parameter["name"]: value}, **caller
        )
        assert response.status_code == 422, (parameter["name"], response.content)
        assert response.json() == {
            "code": TEXT_CODE,
            "message": f"“{parameter['name']}”{TEXT_MESSAGE}",
            "field": parameter["name"],
        }
        assert stored_digest() == before


@pytest.mark.parametrize("operation", FORM_OPERATIONS, ids=str)
@pytest.mark.parametrize(("what", "value"), FORM_VALUES, ids=[v[0] for v in FORM_VALUES])
def test_every_form_operation_refuses_control_characters(client, caller, operation, what, value):
    content = operation.spec["requestBody"]["content"]["multipart/form-data"]
    properties = resolve_ref(content["schema"])["properties"]
    data: dict[str, Any] = {}
    for name, spec in properties.items():
        if resolve_ref(spec).get("format") == "binary":
            data[name] = SimpleUploadedFile("证明.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
        else:
            data[name] = value
    before = stored_digest()
    response = getattr(client, operation.method)(operation.url, data, **caller)
    assert response.status_code == 422, response.content
    assert response.json()["code"] == TEXT_CODE
    assert stored_digest() == before


@pytest.mark.parametrize("operation", api_operations(), ids=str)
def test_every_operation_refuses_a_nul_in_its_path(client, caller, operation):
    response = getattr(client, operation.method)(operation.url + "%00", **caller)
    assert response.status_code == 400
    assert response.json() == {
        "code": "BAD_REQUEST",
        "message": "请求地址或请求头含有无法识别的字符，请检查后重试",
    }


PAGES = page_urls()


def test_the_enumeration_finds_the_pages_with_forms():
    names = {name for name, _ in PAGES}
    assert {
        "applications:edit",
        "accounts:login",
        "policy:record",
        "calculators:contribution",
    } <= names


@pytest.mark.parametrize(("name", "url"), PAGES, ids=[name for name, _ in PAGES])
def test_every_page_refuses_control_characters_in_its_query_and_form(reference_data, name, url):
    user = make_individual(name="页面测试")
    for client in (signed_in(user, "individual"), Client()):
        for what, value in FORM_VALUES:
            before = stored_digest()
            for response in (
                client.get(url, {"q": value}),
                client.post(url, {"reason": value, "other": "正常内容"}),
            ):
                assert response.status_code == 422, (what, response.status_code)
                page = response.content.decode()
                assert f"输入内容{TEXT_MESSAGE}" in page
                assert "社会保险网上经办服务大厅" in page  # the hall's own page shell
                assert "TEXT_INVALID_CHARACTER" in page
            assert stored_digest() == before


def test_a_signed_in_refusal_keeps_the_signed_in_shell(reference_data):
    user = make_individual(name="壳层测试")
    page = signed_in(user, "individual").get("/matters/", {"q": "a\x00b"}).content.decode()
    assert "壳层测试" in page
    assert "退出" in page


@pytest.mark.parametrize(("name", "url"), PAGES, ids=[name for name, _ in PAGES])
def test_every_page_refuses_a_nul_in_its_path(client, name, url):
    response = client.get(url + "%00")
    assert response.status_code == 400
    page = response.content.decode()
    assert "请求地址或请求头含有无法识别的字符，请检查后重试" in page
    assert "社会保险网上经办服务大厅" in page


def test_a_nul_in_a_cookie_or_header_is_refused_before_the_session_is_read(client):
    response = client.get("/", HTTP_COOKIE="sessionid=abc\x00def")
    assert response.status_code == 400
    response = client.post(
        "/api/v1/auth/token", "{}", content_type="application/json", HTTP_USER_AGENT="x\x00"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "BAD_REQUEST"


# --- application forms: every field of every matter in the catalogue ----------------------------


@pytest.fixture
def catalogue(reference_data):
    catalogue_load()
    return list(Matter.objects.order_by("code"))


def test_every_field_of_every_matter_refuses_unrenderable_text(catalogue):
    checked = 0
    for matter in catalogue:
        for spec in form_fields(matter.fields):
            for value in ("\ud800", "a\x00b", "a\x07b", float("nan"), float("inf")):
                expected = NotFiniteNumber if isinstance(value, float) else UnsafeText
                with pytest.raises(expected) as refused:
                    form_clean(matter.fields, {spec.name: value}, partial=True)
                assert refused.value.field == f"data.{spec.name}"
                assert refused.value.status == 422
                checked += 1
    assert checked > 500  # the whole catalogue, not a handful of fields


def test_every_date_and_month_field_of_every_matter_refuses_absurd_dates(catalogue):
    absurd = {"date": ("9999-12-31", "1899-12-31", "0001-01-01"), "month": ("9999-12", "1899-12")}
    fine = {"date": "2024-09-30", "month": "2024-09"}
    checked = 0
    for matter in catalogue:
        for spec in form_fields(matter.fields):
            if spec.type not in absurd:
                continue
            for value in absurd[spec.type]:
                with pytest.raises(ApplicationDataInvalid) as refused:
                    form_clean(matter.fields, {spec.name: value}, partial=True)
                assert refused.value.errors[spec.name].startswith(("不能早于", "不能晚于", "应在"))
            assert form_clean(matter.fields, {spec.name: fine[spec.type]}, partial=True) == {
                spec.name: fine[spec.type]
            }
            checked += 1
    assert checked > 20


def test_an_answer_must_be_one_value_not_a_list_or_object(catalogue):
    matter = next(m for m in catalogue if any(f["type"] == "text" for f in m.fields))
    name = next(f["name"] for f in matter.fields if f["type"] == "text")
    for value in (["a"], {"a": "b"}):
        with pytest.raises(ApplicationDataInvalid) as refused:
            form_clean(matter.fields, {name: value}, partial=True)
        assert refused.value.errors == {name: "应填写一个值，而不是列表或对象"}


def test_the_api_refuses_an_absurd_issue_date_and_writes_nothing(client, caller, catalogue):
    matter = next(m for m in catalogue if any(f["name"] == "issue_date" for f in m.fields))
    before = stored_digest()
    response = client.post(
        "/api/v1/applications/",
        {"matter": matter.code, "data": {"issue_date": "9999-12-31"}},
        content_type="application/json",
        **caller,
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "APPLICATION_DATA_INVALID"
    assert body["errors"] == [{"field": "issue_date", "message": "不能晚于今天"}]
    assert stored_digest() == before


def test_every_api_date_in_a_request_body_refuses_absurd_dates(client, caller):
    checked = 0
    for operation in JSON_OPERATIONS:
        content = operation.spec["requestBody"]["content"]["application/json"]
        properties = resolve_ref(content["schema"]).get("properties") or {}
        for name, spec in properties.items():
            options = [resolve_ref(s) for s in spec.get("anyOf", [spec])]
            if not any(option.get("format") == "date" for option in options):
                continue
            for value in ("9999-12-31", "1899-12-31"):
                response = getattr(client, operation.method)(
                    operation.url, {name: value}, content_type="application/json", **caller
                )
                assert response.status_code == 422, (str(operation), name)
                errors = {e["field"]: e["message"] for e in response.json()["errors"]}
                assert errors[name].startswith(f"日期 {value} 超出有效范围")
            checked += 1
    assert checked >= 2  # the policy record's valid_from and valid_to


# --- the check itself, and the repair of rows stored before it ------------------------------------


def test_text_check_accepts_what_people_write():
    text_check({"reason": "合同到期\n第二行\t制表 😀", "n": 1.5, "ok": True, "none": None})
    assert json_loads('{"emoji": "\\ud83d\\ude00"}') == {"emoji": "😀"}  # a pair is one character


def test_text_repair_makes_every_string_safe():
    assert text_repair({"a\x00": ["x\ud800y", "ok", float("nan"), 2]}) == {
        "a": ["x\ufffdy", "ok", None, 2]
    }
    assert text_repair("正常") == "正常"


def _stored_bad_text(*, json_column: bool) -> str:
    """What the database under test can hold that the hall cannot show. SQLite keeps NUL in
    text and lone surrogates in JSON (escaped); PostgreSQL refuses both but keeps the other
    control characters."""
    if connection.vendor == "postgresql":
        return "a\x07b"
    return "a\ud800b\x00c" if json_column else "a\x00b\x07c"


def test_text_repair_command_repairs_applications_stored_before_the_check(reference_data):
    user = make_individual(name="修复测试")
    matter = make_matter()
    application, _ = application_create(
        actor=actor_for(user, "individual"),
        matter=matter,
        data={"reason": "合同到期", "start_date": "2024-09-01"},
        client_key="",
    )
    bad = _stored_bad_text(json_column=True)
    # A row written before the edge checked text (the check is what stops this today).
    Application.objects.filter(pk=application.pk).update(
        data={"reason": bad, "start_date": "2024-09-01"}
    )

    out = StringIO()
    call_command("text_repair", "--dry-run", stdout=out)
    application.refresh_from_db()
    assert application.data["reason"] == bad  # a dry run only reports
    assert f"applications.Application #{application.pk} data：未修复" in out.getvalue()

    out = StringIO()
    call_command("text_repair", stdout=out)
    application.refresh_from_db()
    assert application.data == {"reason": text_repair(bad), "start_date": "2024-09-01"}
    assert f"applications.Application #{application.pk} data：已修复" in out.getvalue()
    page = signed_in(user, "individual").get(f"/applications/{application.number}/")
    assert page.status_code == 200
    assert text_repair(bad) in page.content.decode()

    out = StringIO()
    call_command("text_repair", stdout=out)
    assert out.getvalue() == "共修复 0 行无法显示的文本\n"  # a second run finds nothing


def test_text_repair_reaches_plain_text_columns(reference_data):
    user = make_individual(name="修复测试")
    bad = _stored_bad_text(json_column=False)
    User.objects.filter(pk=user.pk).update(name=bad)
    found = stored_text_repair()
    assert [(f.model, f.pk, f.fields, f.repaired) for f in found] == [
        ("accounts.User", user.pk, ("name",), True)
    ]
    user.refresh_from_db()
    assert user.name == text_repair(bad)
