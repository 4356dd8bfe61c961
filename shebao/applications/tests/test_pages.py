"""The pages: applicant's list, form, detail, edit; staff's queue and case page."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from freezegun import freeze_time

from shebao.accounts.actors import CONTEXT_SESSION_KEY
from shebao.applications import services
from shebao.applications.models import Application
from shebao.applications.tests.conftest import (
    GOOD_DATA,
    PDF,
    accepted,
    act,
    make_matter,
    new_application,
    submitted,
)
from shebao.catalogue.models import Matter

pytestmark = pytest.mark.django_db


def login(client, user, context="individual"):
    client.force_login(user)
    session = client.session
    session[CONTEXT_SESSION_KEY] = context
    session.save()
    return client


def text(response) -> str:
    return response.content.decode()


def test_new_form_renders_the_matters_fields_and_materials(client, world):
    login(client, world.a)
    response = client.get(f"/applications/new/{world.matter.code}/")
    assert response.status_code == 200
    body = text(response)
    assert 'name="reason"' in body and 'name="start_date"' in body and 'type="date"' in body
    assert "解除劳动合同证明" in body
    assert re.search(r'name="client_key" value="[0-9a-f]{32}"', body)


def test_new_form_shows_the_commitment_text_for_a_commitment_matter(client, world):
    matter = make_matter(
        code="individual.commitment_page",
        acceptance_mode=Matter.AcceptanceMode.COMMITMENT,
        commitment_text="本人承诺所填信息真实。",
    )
    login(client, world.a)
    body = text(client.get(f"/applications/new/{matter.code}/"))
    assert "告知承诺制" in body and "本人承诺所填信息真实。" in body


def test_a_double_posted_new_form_creates_one_application(client, world):
    login(client, world.a)
    form = {**GOOD_DATA, "client_key": "3f1c0e9a6b2d4c8e9f7a1b2c3d4e5f60"}
    first = client.post(f"/applications/new/{world.matter.code}/", form)
    second = client.post(f"/applications/new/{world.matter.code}/", form)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Application.objects.count() == 1
    assert first["Location"] == f"/applications/{Application.objects.get().number}/"


def test_bad_answers_are_shown_next_to_each_field_and_kept(client, world):
    login(client, world.a)
    response = client.post(
        f"/applications/new/{world.matter.code}/",
        {"reason": "合同到期", "start_date": "2024-02-30", "amount": "abc", "client_key": "k"},
    )
    assert response.status_code == 422
    body = text(response)
    assert "应为有效日期，格式如 2024-09-30" in body
    assert "“abc”不是有效的数值" in body
    assert 'value="合同到期"' in body  # nothing typed is lost
    assert Application.objects.count() == 0


def test_operator_without_the_grant_cannot_open_the_form(client, world):
    login(client, world.operator_plain, f"unit:{world.unit.pk}")
    response = client.get(f"/applications/new/{world.unit_matter.code}/")
    assert response.status_code == 403
    assert "您未获授权办理“用人单位退工登记”，请联系单位管理员授权" in text(response)


def test_applicant_uploads_and_submits_through_the_pages(client, world):
    login(client, world.a)
    actor = act(world.a)
    application, _ = services.application_create(actor=actor, matter=world.matter, data=GOOD_DATA)
    detail = f"/applications/{application.number}/"
    body = text(client.get(detail))
    assert "尚未上传：居民身份证、解除劳动合同证明" in body
    for code in ("id_card", "contract_end"):
        response = client.post(
            f"{detail}materials/",
            {"code": code, "file": SimpleUploadedFile("证.pdf", PDF, "application/pdf")},
        )
        assert response.status_code == 302
    bad = client.post(
        f"{detail}materials/",
        {"code": "photo", "file": SimpleUploadedFile("照片.jpg", PDF, "image/jpeg")},
    )
    assert bad.status_code == 422
    assert "文件内容与文件类型不符" in text(bad)
    application.refresh_from_db()
    response = client.post(f"{detail}submit/", {"version": application.version})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == "submitted"
    follow = text(client.get(detail))
    assert "申请已提交，等待经办机构受理" in follow


def test_a_stale_submit_shows_a_clear_message_and_changes_nothing(client, world):
    application = new_application(world)
    login(client, world.a)
    version = application.version
    first = client.post(f"/applications/{application.number}/submit/", {"version": version})
    second = client.post(f"/applications/{application.number}/submit/", {"version": version})
    assert first.status_code == 302
    assert second.status_code == 409
    assert "页面内容已过期，请刷新后重试" in text(second)
    assert application.events.filter(action="submit").count() == 1


def test_the_commitment_must_be_ticked_on_the_page(client, world):
    matter = make_matter(
        code="individual.commitment_submit", acceptance_mode=Matter.AcceptanceMode.COMMITMENT
    )
    application, _ = services.application_create(actor=act(world.a), matter=matter, data=GOOD_DATA)
    login(client, world.a)
    url = f"/applications/{application.number}/submit/"
    response = client.post(url, {"version": application.version})
    assert response.status_code == 422
    assert "请阅读告知承诺书并勾选“我已阅读并承诺”" in text(response)
    response = client.post(url, {"version": application.version, "commitment_accepted": "on"})
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.commitment_signed_at is not None


def test_edit_after_return_shows_the_reason_and_keeps_input_on_error(client, world):
    application = submitted(world)
    services.application_return(
        actor=world.staff_actor(),
        application=application,
        version=application.version,
        reason="开始日期有误",
    )
    application.refresh_from_db()
    login(client, world.a)
    body = text(client.get(f"/applications/{application.number}/"))
    assert "退回原因：开始日期有误" in body
    assert "重新提交" in body
    edit = f"/applications/{application.number}/edit/"
    response = client.post(
        edit, {"reason": "合同到期", "start_date": "2024/09/01", "version": application.version}
    )
    assert response.status_code == 422
    assert 'value="2024/09/01"' in text(response)
    response = client.post(
        edit, {"reason": "合同到期", "start_date": "2024-09-02", "version": application.version}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.data["start_date"] == "2024-09-02"


def test_a_stale_edit_keeps_what_was_typed(client, world):
    application = new_application(world)
    login(client, world.a)
    response = client.post(
        f"/applications/{application.number}/edit/",
        {"reason": "我的新说明", "start_date": "2024-09-01", "version": application.version - 1},
    )
    assert response.status_code == 422
    body = text(response)
    assert "页面内容已过期，请刷新后重试" in body
    assert 'value="我的新说明"' in body
    application.refresh_from_db()
    assert application.data["reason"] == "合同到期"


def test_staff_queue_tabs_counts_and_overdue(client, world):
    with freeze_time("2024-09-02 10:00:00+08:00"):
        late = accepted(world)  # due 9 September
    waiting = submitted(world)
    login(client, world.staff, "staff")
    with freeze_time("2024-09-20 10:00:00+08:00"):
        body = text(client.get("/applications/queue/"))
        assert waiting.number in body and late.number not in body
        body = text(client.get("/applications/queue/?status=accepted"))
        assert late.number in body and "已超期" in body
        body = text(client.get("/applications/queue/?status=all&overdue=1"))
        assert late.number in body and waiting.number not in body
        response = client.get("/applications/queue/")
    counts = response.context["counts"]
    assert (counts.by_status["submitted"], counts.by_status["accepted"], counts.overdue) == (
        1,
        1,
        1,
    )


def test_staff_decides_on_the_case_page_and_a_missing_reason_keeps_the_form(client, world):
    application = submitted(world)
    login(client, world.staff, "staff")
    page = text(client.get(f"/applications/{application.number}/"))
    assert "受理" in page and "退回补正" in page and "不予受理" in page
    assert application.person.id_number in page
    response = client.post(
        f"/applications/{application.number}/decide/",
        {"action": "reject", "reason": "", "version": application.version},
    )
    assert response.status_code == 422
    assert "请填写不予受理的理由" in text(response)
    response = client.post(
        f"/applications/{application.number}/decide/",
        {"action": "accept", "reason": "材料齐全", "version": application.version},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == "accepted"
    page = text(client.get(f"/applications/{application.number}/"))
    assert "审核通过" in page and "不予批准" in page


def test_applicant_list_filters_and_searches(client, world):
    first = submitted(world)
    draft = new_application(world)
    login(client, world.a)
    body = text(client.get("/applications/?status=submitted"))
    assert first.number in body and draft.number not in body
    body = text(client.get(f"/applications/?q={draft.number}"))
    assert draft.number in body and first.number not in body


def test_staff_going_to_the_applicant_list_lands_on_the_queue(client, world):
    login(client, world.staff, "staff")
    response = client.get("/applications/")
    assert response.status_code == 302
    assert response["Location"] == "/applications/queue/"


@pytest.mark.parametrize(
    "state", ["draft", "submitted", "accepted", "returned", "rejected", "completed", "withdrawn"]
)
def test_every_state_renders_for_both_sides(client, world, state):
    application = {"draft": new_application, "submitted": submitted}.get(state, accepted)(world)
    staff = world.staff_actor()
    if state == "returned":
        services.application_return(
            actor=staff, application=application, version=application.version, reason="补正"
        )
    elif state == "rejected":
        services.application_reject(
            actor=staff, application=application, version=application.version, reason="不符合"
        )
    elif state == "completed":
        services.application_approve(
            actor=staff, application=application, version=application.version
        )
        application.refresh_from_db()
        services.application_complete(
            actor=staff, application=application, version=application.version
        )
    elif state == "withdrawn":
        application = submitted(world)
        services.application_withdraw(
            actor=act(world.a), application=application, version=application.version
        )
    application.refresh_from_db()
    assert application.status == state
    login(client, world.a)
    assert client.get(f"/applications/{application.number}/").status_code == 200
    client.logout()
    login(client, world.staff, "staff")
    expected = 404 if state == "draft" else 200
    assert client.get(f"/applications/{application.number}/").status_code == expected
