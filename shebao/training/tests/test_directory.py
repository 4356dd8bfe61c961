"""就业创业培训报名: the public directory searched by trade name or the institution's full name
(the page and GET /api/v1/training/institutions), registrations and their status."""

from __future__ import annotations

import pytest

from shebao.common.errors import Conflict, InvalidInput, PermissionDenied
from shebao.testing import act, signed_in, unit_actor
from shebao.training import services
from shebao.training.models import TrainingInstitution, TrainingRegistration

pytestmark = pytest.mark.django_db


def test_the_api_finds_institutions_by_trade_name_and_by_full_name(world, client):
    other = TrainingInstitution.objects.create(
        name="吉林市船营区家政服务职业培训中心",
        district_id="220204",
        address="北京路16号",
        phone="2",
    )
    other.trades.set([world.welder])

    by_trade = client.get("/api/v1/training/institutions", {"trade": "电工"}).json()
    by_name = client.get(
        "/api/v1/training/institutions", {"q": "吉林市船营区家政服务职业培训中心"}
    ).json()
    everyone = client.get("/api/v1/training/institutions").json()
    nobody = client.get("/api/v1/training/institutions", {"trade": "电工", "q": "家政"}).json()

    assert by_trade == {
        "total": 1,
        "limit": 20,
        "offset": 0,
        "items": [
            {
                "id": world.school.pk,
                "name": "吉林市江城职业技能培训学校",
                "district": "220202",
                "district_name": "昌邑区",
                "address": "解放北路88号",
                "phone": "0432-1",
                "trades": [{"code": "6-31-01-03", "name": "电工"}],
            }
        ],
    }
    assert [i["name"] for i in by_name["items"]] == ["吉林市船营区家政服务职业培训中心"]
    assert everyone["total"] == 2
    assert nobody == {"total": 0, "limit": 20, "offset": 0, "items": []}


def test_the_api_refuses_a_bad_page_with_a_stable_code(world, client):
    response = client.get("/api/v1/training/institutions", {"limit": "0"})
    assert response.status_code == 422
    assert response.json()["code"] == "INVALID_INPUT"


def test_the_directory_page_searches_by_trade(world, client):
    page = client.get("/training/", {"trade": "电"}).content.decode()
    assert "吉林市江城职业技能培训学校" in page
    none = client.get("/training/", {"trade": "焊工"}).content.decode()
    assert "没有找到可培训“焊工”的培训机构" in none


def test_a_worker_registers_once_and_the_institution_confirms(world):

    registration, created = services.registration_submit(
        actor=act(world.worker),
        institution=world.school,
        trade=world.electrician,
        employment_status="unemployed",
        mobile="13943110099",
        submission_key="r1",
    )
    again, created_again = services.registration_submit(
        actor=act(world.worker),
        institution=world.school,
        trade=world.electrician,
        employment_status="unemployed",
        mobile="13943110099",
        submission_key="r1",
    )
    assert (created, created_again, again.pk) == (True, False, registration.pk)
    assert registration.status == "submitted"
    with pytest.raises(Conflict) as twice:
        services.registration_submit(
            actor=act(world.worker),
            institution=world.school,
            trade=world.electrician,
            employment_status="unemployed",
            mobile="13943110099",
            submission_key="r2",
        )
    assert twice.value.code == "TRAINING_ALREADY_REGISTERED"

    world.school.unit = world.unit
    world.school.save()
    with pytest.raises(PermissionDenied):
        services.registration_act(
            actor=unit_actor(world.operator, world.unit),
            registration=registration,
            action="confirm",
        )
    confirmed = services.registration_act(
        actor=unit_actor(world.admin, world.unit),
        registration=registration,
        action="confirm",
        note="7月1日开班",
    )
    assert (confirmed.status, confirmed.note) == ("confirmed", "7月1日开班")
    page = signed_in(world.worker, "individual").get(
        f"/training/registrations/{registration.number}/"
    )
    assert "报名成功" in page.content.decode() and "撤回报名" in page.content.decode()


def test_a_trade_the_institution_does_not_teach_is_refused(world):
    with pytest.raises(InvalidInput) as refused:
        services.registration_submit(
            actor=act(world.worker),
            institution=world.school,
            trade=world.welder,
            employment_status="employed",
            mobile="13943110099",
            submission_key="r3",
        )
    assert refused.value.code == "TRAINING_TRADE_NOT_TAUGHT"
    assert TrainingRegistration.objects.count() == 0


def test_the_professional_exam_page_links_out_to_the_national_platform(client, db):
    page = client.get("/training/professional-exam/").content.decode()
    assert 'href="http://zg.cpta.com.cn/examfront"' in page
    assert "不在本大厅受理" in page
