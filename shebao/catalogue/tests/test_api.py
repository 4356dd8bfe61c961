"""The catalogue API: contract of the list and guide endpoints, errors, and the same public answer
for every caller."""

from __future__ import annotations

import pytest
from django.test import Client

from shebao.accounts.models import MatterGrant, User
from shebao.accounts.tokens import token_issue
from shebao.catalogue.models import Matter
from shebao.catalogue.selectors import matters_public
from shebao.testing import make_individual, make_member, make_staff, make_unit

pytestmark = pytest.mark.django_db

LIST = "/api/v1/catalogue/matters"


def detail(code: str) -> str:
    return f"{LIST}/{code}"


def test_the_list_is_paginated_with_the_total(client, catalogue):
    total = Matter.objects.filter(enabled=True).count()
    expected = list(matters_public().values_list("code", flat=True))

    first = client.get(LIST, {"limit": 30}).json()
    last = client.get(LIST, {"limit": 30, "offset": 60}).json()

    assert (first["total"], first["limit"], first["offset"]) == (total, 30, 0)
    assert [m["code"] for m in first["items"]] == expected[:30]
    assert [m["code"] for m in last["items"]] == expected[60:90]
    assert client.get(LIST).json()["limit"] == 20


def test_a_list_item_has_the_summary_fields(client, catalogue):
    body = client.get(LIST, {"q": "一般账户补缴（承诺制）"}).json()

    assert body["total"] == 1
    assert body["items"] == [
        {
            "code": "unit.back_payment_general_account",
            "name": "一般账户补缴（承诺制）",
            "category": "社会保险",
            "applicant_kind": "unit",
            "applicant_kind_label": "单位",
            "department": {"code": "registration", "name": "参保登记与征缴"},
            "summary": Matter.objects.get(code="unit.back_payment_general_account").summary,
            "acceptance_mode": "commitment",
            "acceptance_mode_label": "承诺制",
            "time_limit_days": 10,
            "time_limit_text": "10 个工作日",
            "instant": False,
            "window_bound": False,
        }
    ]


def test_search_and_filters(client, catalogue):
    body = client.get(
        LIST, {"q": "补缴", "applicant_kind": "individual", "department": "registration"}
    ).json()
    expected = matters_public(q="补缴", applicant_kind="individual", department="registration")

    assert [m["code"] for m in body["items"]] == list(expected.values_list("code", flat=True))
    assert body["total"] == expected.count() > 0
    assert all(m["applicant_kind"] in ("individual", "both") for m in body["items"])
    labour = client.get(LIST, {"category": "劳动关系"}).json()
    assert sorted(m["code"] for m in labour["items"]) == [
        "both.labour_arbitration",
        "both.labour_mediation",
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"applicant_kind": "company"}, "applicant_kind"),
        ({"limit": 0}, "limit"),
        ({"limit": 101}, "limit"),
        ({"offset": -1}, "offset"),
        ({"limit": "many"}, "limit"),
        ({"q": "字" * 51}, "q"),
    ],
)
def test_invalid_parameters_are_422_with_the_field(client, catalogue, params, field):
    response = client.get(LIST, params)

    body = response.json()
    assert response.status_code == 422
    assert body["code"] == "INVALID_INPUT"
    assert body["message"].startswith("输入有误：")
    assert [e["field"] for e in body["errors"]] == [field]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"department": "pensions"}, "DEPARTMENT_UNKNOWN"),
        ({"category": "医疗保险"}, "CATEGORY_UNKNOWN"),
    ],
)
def test_unknown_department_or_category_is_422_with_its_code(client, catalogue, params, code):
    response = client.get(LIST, params)

    assert response.status_code == 422
    assert response.json()["code"] == code


def test_the_guide_has_materials_fields_and_sources(client, catalogue):
    matter = Matter.objects.get(code="unit.staff_back_payment_over_3y")

    response = client.get(detail("unit.staff_back_payment_over_3y"))

    body = response.json()
    assert response.status_code == 200
    assert body["code"] == "unit.staff_back_payment_over_3y"
    assert body["acceptance_mode"] == "tolerance"
    assert body["tolerance_days"] == 20
    assert body["materials"] == matter.materials
    assert body["fields"][0] == {
        "name": "subject_id_number",
        "label": "职工公民身份号码",
        "type": "id_number",
        "required": True,
        "help": None,
        "choices": None,
        "max_length": None,
    }
    assert [f["name"] for f in body["fields"]] == [f["name"] for f in matter.fields]
    assert body["conditions"] == matter.conditions
    assert body["steps"] == matter.steps
    assert body["legal_basis"] == matter.legal_basis.splitlines()
    assert body["sources"] == [
        {
            "id": "003",
            "place": "北京市",
            "title": "北京市社会保险基金管理中心：疫情防控期间社会保险经办工作安排",
        }
    ]
    assert "申请人应在受理之日起 20 个工作日内补齐" in body["acceptance_text"]


def test_a_choice_field_lists_its_choices(client, catalogue):
    body = client.get(detail("person.unemployment_benefit")).json()

    reason = next(f for f in body["fields"] if f["name"] == "leave_reason")
    assert reason["type"] == "choice"
    assert reason["choices"][0] == ["contract_expired", "劳动合同期满终止"]


def test_an_unknown_or_disabled_matter_is_404(client, catalogue):
    Matter.objects.filter(code="person.card_query").update(enabled=False)

    for code in ["unit.nothing", "person.card_query"]:
        response = client.get(detail(code))
        assert response.status_code == 404
        assert response.json() == {
            "code": "MATTER_NOT_FOUND",
            "message": f"未找到事项“{code}”，或该事项已停止办理",
        }


def test_an_invalid_token_is_refused(client, catalogue):
    response = client.get(LIST, HTTP_AUTHORIZATION="Bearer sb_nothing_here")

    assert response.status_code == 401
    assert response.json()["code"] == "UNAUTHENTICATED"


def test_every_caller_gets_the_same_public_answer(catalogue):
    Matter.objects.filter(code="person.card_query").update(enabled=False)
    unit = make_unit()
    admin = make_member(unit, "admin")
    operator = make_member(unit, "operator", by=admin)
    MatterGrant.objects.create(
        membership=operator.memberships.get(),
        matter=Matter.objects.get(code="unit.staff_enrol"),
        granted_by=admin,
    )
    partner = User.objects.create_user("bank01", "x", kind=User.Kind.PARTNER, name="合作银行")
    tokens = [
        token_issue(user=make_individual(), context="individual"),
        token_issue(user=admin, context=f"unit:{unit.pk}"),
        token_issue(user=operator, context=f"unit:{unit.pk}"),
        token_issue(user=make_staff(), context="staff"),
        token_issue(user=partner, context="partner"),
    ]
    client = Client()
    anonymous = client.get(LIST, {"limit": 100}).json()

    for token in tokens:
        auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
        assert client.get(LIST, {"limit": 100}, **auth).json() == anonymous
        assert client.get(detail("unit.staff_enrol"), **auth).status_code == 200
        assert client.get(detail("person.card_query"), **auth).status_code == 404
    assert "person.card_query" not in [m["code"] for m in anonymous["items"]]
    assert anonymous["total"] == Matter.objects.filter(enabled=True).count()


def test_the_openapi_document_describes_the_endpoints_in_chinese(client):
    schema = client.get("/api/v1/openapi.json").json()

    operation = schema["paths"]["/api/v1/catalogue/matters"]["get"]
    assert operation["summary"] == "检索事项清单"
    assert "无需令牌" in operation["description"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert set(parameters) == {"q", "applicant_kind", "department", "category", "limit", "offset"}
    assert "检索词" in parameters["q"]["description"]
    guide = schema["paths"]["/api/v1/catalogue/matters/{code}"]["get"]
    assert guide["summary"] == "事项办事指南"
    assert set(guide["responses"]) == {"200", "400", "401", "404"}
    matter = schema["components"]["schemas"]["MatterOut"]["properties"]
    assert matter["time_limit_days"]["description"] == "承诺办结时限（工作日）"
