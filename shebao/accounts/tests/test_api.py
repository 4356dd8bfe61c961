import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time

from shebao.accounts.models import AccountEvent, ApiToken, SignInEvent, UnitMembership, User
from shebao.accounts.services import grants_version, unit_user_grants_set
from shebao.testing import (
    PASSWORD,
    make_individual,
    make_matter,
    make_member,
    make_staff,
    make_unit,
    signed_in,
    unit_actor,
)

pytestmark = pytest.mark.django_db
TOKEN = "/api/v1/auth/token"
ME = "/api/v1/auth/me"


def _post(data, client=None):
    return (client or Client()).post(TOKEN, json.dumps(data), content_type="application/json")


def _bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_an_individual_gets_a_twelve_hour_token():
    user = make_individual(name="李丽")

    with freeze_time("2026-03-02 01:00:00"):
        response = _post({"username": user.username, "password": PASSWORD, "context": "individual"})

    body = response.json()
    assert response.status_code == 200
    assert body["token"].startswith("sb_")
    assert body["context"] == "individual"
    assert body["expires_at"].startswith("2026-03-02T13:00:00")
    assert body["actor"]["kind"] == "individual"
    assert body["actor"]["person"] == {
        "name": "李丽",
        "id_number": user.username[:6] + "********" + user.username[14:],
        "verification": "verified",
    }
    assert SignInEvent.objects.get().channel == "api"
    assert AccountEvent.objects.get().action == "token_issued"


def test_me_reports_a_unit_operators_role_and_grants():
    unit = make_unit()
    admin = make_member(unit, "admin")
    operator = make_member(unit, "operator", by=admin)
    matter = make_matter(
        "enrol",
        name="事项enrol",
        applicant_kind="unit",
        department="registration",
        category="参保登记",
        materials=[],
        fields=[],
    )
    unit_user_grants_set(
        actor=unit_actor(admin, unit),
        membership_id=UnitMembership.objects.get(user=operator).pk,
        matter_ids=[matter.pk],
        version=grants_version([]),
    )
    token = _post(
        {
            "username": operator.username,
            "password": PASSWORD,
            "context": "unit",
            "credit_code": unit.credit_code,
        }
    ).json()["token"]

    me = Client().get(ME, **_bearer(token)).json()

    assert me["context"] == f"unit:{unit.pk}"
    assert me["unit"] == {
        "id": unit.pk,
        "credit_code": unit.credit_code,
        "name": unit.name,
        "role": "operator",
        "role_label": "单位经办人",
        "all_matters": False,
        "granted_matters": ["enrol"],
    }


def test_me_reports_staff_department_and_districts():
    make_staff(username="S3001", districts=("220203", "220202"))
    token = _post({"username": "S3001", "password": PASSWORD, "context": "staff"}).json()["token"]

    me = Client().get(ME, **_bearer(token)).json()

    assert me["staff"] == {
        "department": "registration",
        "department_name": "参保登记与征缴",
        "districts": ["220202", "220203"],
        "title": "",
    }


def test_wrong_credentials_get_stable_codes_and_lock_like_the_page(settings):
    settings.SHEBAO_LOGIN_MAX_FAILURES = 2
    user = make_individual()

    first = _post({"username": user.username, "password": "x", "context": "individual"})
    second = _post({"username": user.username, "password": "x", "context": "individual"})
    page = Client().post(
        "/accounts/login/", {"as": "individual", "identifier": user.username, "password": PASSWORD}
    )

    assert first.status_code == 401
    assert first.json() == {
        "code": "LOGIN_FAILED",
        "message": "账号或密码错误，还可尝试 1 次",
        "details": {"remaining_attempts": 1},
    }
    assert (second.status_code, second.json()["code"]) == (403, "ACCOUNT_LOCKED")
    assert "locked_until" in second.json()["details"]
    assert "账号已锁定至" in page.content.decode()  # the page honours the API's lock
    assert ApiToken.objects.count() == 0


def test_context_and_input_refusals():
    user = make_individual()
    unit = make_unit()

    no_unit_role = _post(
        {
            "username": user.username,
            "password": PASSWORD,
            "context": "unit",
            "credit_code": unit.credit_code,
        }
    )
    bad_id = _post({"username": "123", "password": PASSWORD, "context": "individual"})
    partner = _post({"username": user.username, "password": PASSWORD, "context": "partner"})
    missing = _post({"username": user.username})

    assert (no_unit_role.status_code, no_unit_role.json()["code"]) == (403, "CONTEXT_NOT_ALLOWED")
    assert (bad_id.status_code, bad_id.json()["code"], bad_id.json()["field"]) == (
        422,
        "ID_NUMBER_MALFORMED",
        "identifier",
    )
    assert (partner.status_code, partner.json()["code"]) == (422, "INVALID_INPUT")
    assert (missing.status_code, missing.json()["code"]) == (422, "INVALID_INPUT")
    assert ApiToken.objects.count() == 0


def test_deleting_the_token_signs_the_app_out():
    user = make_individual()
    token = _post(
        {"username": user.username, "password": PASSWORD, "context": "individual"}
    ).json()["token"]

    deleted = Client().delete(TOKEN, **_bearer(token))
    after = Client().get(ME, **_bearer(token))

    assert deleted.status_code == 204
    assert (after.status_code, after.json()["code"]) == (401, "UNAUTHENTICATED")
    assert SignInEvent.objects.filter(outcome="sign_out", channel="api").count() == 1


def test_an_expired_token_is_refused():
    user = make_individual()
    with freeze_time("2026-03-02 01:00:00"):
        token = _post(
            {"username": user.username, "password": PASSWORD, "context": "individual"}
        ).json()["token"]

    with freeze_time("2026-03-02 13:00:01"):
        response = Client().get(ME, **_bearer(token))

    assert response.status_code == 401


def test_the_api_ignores_the_browser_session():
    user = make_individual()

    response = signed_in(user, "individual").get(ME)

    assert response.status_code == 401


def test_a_revoked_unit_role_ends_the_token_at_once():
    unit = make_unit()
    operator = make_member(unit, "operator")
    token = _post(
        {
            "username": operator.username,
            "password": PASSWORD,
            "context": "unit",
            "credit_code": unit.credit_code,
        }
    ).json()["token"]
    UnitMembership.objects.filter(user=operator).update(revoked_at=timezone.now())

    assert Client().get(ME, **_bearer(token)).status_code == 401


def test_a_partner_token_is_issued_once_by_command_and_calls_me():
    partner = User.objects.create_user("bank-icbc", None, kind=User.Kind.PARTNER, name="工商银行")
    out, err = StringIO(), StringIO()

    call_command(
        "partner_token_issue",
        "--partner",
        "bank-icbc",
        "--name",
        "代扣对账",
        "--days",
        "30",
        stdout=out,
        stderr=err,
    )

    raw = out.getvalue().strip()
    token = ApiToken.objects.get()
    assert (token.user, token.context, token.name) == (partner, "partner", "代扣对账")
    assert timedelta(days=29, hours=23) < token.expires_at - timezone.now() <= timedelta(days=30)
    assert raw not in token.key_hash and "只显示这一次" in err.getvalue()
    me = Client().get(ME, **_bearer(raw)).json()
    assert (me["kind"], me["user"]["name"], me["unit"], me["person"]) == (
        "partner",
        "工商银行",
        None,
        None,
    )


def test_the_command_refuses_a_non_partner():
    make_individual()
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="未找到合作渠道用户"):
        call_command("partner_token_issue", "--partner", "nobody", "--name", "x", stdout=StringIO())
    assert ApiToken.objects.count() == 0


def test_the_openapi_document_lists_the_auth_endpoints():
    schema = Client().get("/api/v1/openapi.json").json()

    assert {"/api/v1/auth/token", "/api/v1/auth/me"} <= set(schema["paths"])
    assert set(schema["paths"]["/api/v1/auth/token"]) == {"post", "delete"}
