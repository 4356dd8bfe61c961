"""The REST API: the applicant's flow, the staff's decisions, and the error contract."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shebao.accounts.tokens import token_issue
from shebao.applications.models import Application, ApplicationEvent, Material
from shebao.applications.tests.conftest import GOOD_DATA, PDF, PNG, submitted

pytestmark = pytest.mark.django_db

BASE = "/api/v1/applications/"


def bearer(user, context="individual") -> dict[str, str]:
    return {"Authorization": f"Bearer {token_issue(user=user, context=context)}"}


def test_without_a_token_every_endpoint_is_401(client, world):
    application = submitted(world)
    number = application.number
    calls = [
        ("get", BASE),
        ("post", BASE),
        ("get", f"{BASE}{number}"),
        ("patch", f"{BASE}{number}"),
        ("post", f"{BASE}{number}/submit"),
        ("post", f"{BASE}{number}/withdraw"),
        ("post", f"{BASE}{number}/materials"),
        ("get", f"{BASE}{number}/materials/1"),
        ("post", f"{BASE}{number}/decisions"),
        ("get", f"{BASE}{number}/events"),
    ]
    for method, url in calls:
        response = getattr(client, method)(url, content_type="application/json")
        assert response.status_code == 401, (method, url)
        assert response.json()["code"] == "UNAUTHENTICATED"


def test_applicant_flow_through_the_api(client, world):
    headers = bearer(world.a)
    response = client.post(
        BASE,
        {"matter": world.matter.code, "data": GOOD_DATA},
        content_type="application/json",
        headers={**headers, "Idempotency-Key": "retry-1"},
    )
    assert response.status_code == 201
    body = response.json()
    number = body["number"]
    assert body["status"] == "draft"
    assert body["missing_materials"] == ["id_card", "contract_end"]
    assert body["allowed_actions"] == ["edit", "upload", "remove_material", "submit", "withdraw"]

    # The client retries (a lost response): the same application, 200, nothing new.
    again = client.post(
        BASE,
        {"matter": world.matter.code, "data": GOOD_DATA},
        content_type="application/json",
        headers={**headers, "Idempotency-Key": "retry-1"},
    )
    assert again.status_code == 200
    assert again.json()["number"] == number
    assert Application.objects.count() == 1

    for code in ("id_card", "contract_end"):
        upload = client.post(
            f"{BASE}{number}/materials",
            {"code": code, "file": SimpleUploadedFile("证明.pdf", PDF, "application/pdf")},
            headers=headers,
        )
        assert upload.status_code == 201, upload.content
    material = upload.json()
    assert material["size"] == len(PDF)
    assert material["name"] == "解除劳动合同证明"

    download = client.get(material["download_url"], headers=headers)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"

    submit = client.post(
        f"{BASE}{number}/submit",
        {"version": body["version"]},
        content_type="application/json",
        headers=headers,
    )
    assert submit.status_code == 200
    assert submit.json()["status"] == "submitted"

    staff = bearer(world.staff, "staff")
    queue = client.get(f"{BASE}?status=submitted", headers=staff).json()
    assert [item["number"] for item in queue["items"]] == [number]
    decision = client.post(
        f"{BASE}{number}/decisions",
        {"action": "accept", "version": submit.json()["version"]},
        content_type="application/json",
        headers=staff,
    )
    assert decision.status_code == 200
    assert decision.json()["status"] == "accepted"
    assert decision.json()["due_date"] is not None

    events = client.get(f"{BASE}{number}/events", headers=headers).json()
    assert [e["action"] for e in events] == ["create", "upload", "upload", "submit", "accept"]
    assert events[-1]["actor_name"] == "经办机构"
    staff_events = client.get(f"{BASE}{number}/events", headers=staff).json()
    assert staff_events[-1]["actor_name"] == "本区经办"


def test_invalid_data_is_422_with_per_field_errors(client, world):
    response = client.post(
        BASE,
        {"matter": world.matter.code, "data": {"start_date": "2024-13-01"}},
        content_type="application/json",
        headers=bearer(world.a),
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "APPLICATION_DATA_INVALID"
    assert body["errors"] == [{"field": "start_date", "message": "应为有效日期，格式如 2024-09-30"}]
    assert body["message"] == "申请表填写有误：开始日期：应为有效日期，格式如 2024-09-30"
    assert Application.objects.count() == 0


def test_money_as_a_json_float_is_refused(client, world):
    response = client.post(
        BASE,
        {"matter": world.matter.code, "data": {"amount": 12.5}},
        content_type="application/json",
        headers=bearer(world.a),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "amount"


def test_unknown_matter_is_404(client, world):
    response = client.post(
        BASE, {"matter": "no.such"}, content_type="application/json", headers=bearer(world.a)
    )
    assert response.status_code == 404
    assert response.json()["code"] == "MATTER_NOT_FOUND"


def test_stale_version_and_wrong_state_are_409(client, world):
    application = submitted(world)
    headers = bearer(world.a)
    stale = client.patch(
        f"{BASE}{application.number}",
        {"data": GOOD_DATA, "version": application.version - 1},
        content_type="application/json",
        headers=headers,
    )
    assert stale.status_code == 409
    assert stale.json() == {
        "code": "APPLICATION_STALE",
        "message": "页面内容已过期，请刷新后重试",
        "details": {"current_version": application.version, "status": "submitted"},
    }
    wrong = client.patch(
        f"{BASE}{application.number}",
        {"data": GOOD_DATA, "version": application.version},
        content_type="application/json",
        headers=headers,
    )
    assert wrong.status_code == 409
    assert wrong.json()["code"] == "APPLICATION_INVALID_TRANSITION"
    assert wrong.json()["message"] == "申请当前状态为“待受理”，不能修改"


@pytest.mark.parametrize(
    ("name", "content", "content_type", "code"),
    [
        ("空.pdf", b"", "application/pdf", "UPLOAD_EMPTY"),
        ("脚本.pdf", b"#!/bin/sh\necho hi\n", "application/pdf", "UPLOAD_TYPE_NOT_ALLOWED"),
        ("照片.pdf", PNG, "application/pdf", "UPLOAD_TYPE_NOT_ALLOWED"),  # magic says PNG
        ("证明.png", PDF, "image/png", "UPLOAD_TYPE_NOT_ALLOWED"),  # magic says PDF
        ("证明.exe", PDF, "application/pdf", "UPLOAD_TYPE_NOT_ALLOWED"),  # extension
        ("证明.pdf", PDF, "image/png", "UPLOAD_TYPE_NOT_ALLOWED"),  # declared type
    ],
)
def test_bad_uploads_get_a_stable_code_and_leave_nothing(
    client, world, settings, name, content, content_type, code
):
    from shebao.applications.tests.conftest import new_application

    application = new_application(world)
    before = Material.objects.count()
    response = client.post(
        f"{BASE}{application.number}/materials",
        {"code": "photo", "file": SimpleUploadedFile(name, content, content_type)},
        headers=bearer(world.a),
    )
    assert response.status_code == 422
    assert response.json()["code"] == code
    assert Material.objects.count() == before
    stored = list((settings.MEDIA_ROOT / "applications").rglob("*"))
    assert len([p for p in stored if p.is_file()]) == before


def test_an_oversized_upload_is_refused(client, world, settings):
    from shebao.applications.tests.conftest import new_application

    settings.SHEBAO_UPLOAD_MAX_BYTES = 1024
    application = new_application(world)
    response = client.post(
        f"{BASE}{application.number}/materials",
        {
            "code": "photo",
            "file": SimpleUploadedFile("大.pdf", PDF + b"0" * 2000, "application/pdf"),
        },
        headers=bearer(world.a),
    )
    assert response.status_code == 422
    assert response.json() == {
        "code": "UPLOAD_TOO_LARGE",
        "message": "文件过大：单个文件不能超过 1 KB",
        "field": "file",
    }


def test_decisions_by_the_applicant_are_403_and_by_unknown_action_422(client, world):
    application = submitted(world)
    response = client.post(
        f"{BASE}{application.number}/decisions",
        {"action": "accept", "version": application.version},
        content_type="application/json",
        headers=bearer(world.a),
    )
    assert response.status_code == 403
    assert response.json()["code"] == "FORBIDDEN"
    response = client.post(
        f"{BASE}{application.number}/decisions",
        {"action": "explode", "version": application.version},
        content_type="application/json",
        headers=bearer(world.staff, "staff"),
    )
    assert response.status_code == 422
    assert response.json()["code"] == "DECISION_UNKNOWN"
    assert ApplicationEvent.objects.filter(application=application).count() == 4


def test_list_paginates_and_filters(client, world):
    from shebao.applications.services import application_create

    actor = world.individual(world.a)
    for _ in range(3):
        application_create(actor=actor, matter=world.matter, data={})
    body = client.get(f"{BASE}?limit=2&offset=2", headers=bearer(world.a)).json()
    assert (body["total"], body["limit"], body["offset"], len(body["items"])) == (3, 2, 2, 1)
    assert client.get(f"{BASE}?status=submitted", headers=bearer(world.a)).json()["total"] == 0
