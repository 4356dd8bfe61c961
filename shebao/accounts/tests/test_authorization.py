"""Who may open or post each page and call each endpoint of the accounts app.

Actors: anonymous; individuals A and B; operators of unit U without and with a grant; U's
administrator and legal representative; the administrator of another unit V; staff of another
district and of U's district; a channel partner (API token; a partner has no page session).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from shebao.accounts.models import MatterGrant, UnitMembership, User
from shebao.accounts.services import grants_version, partner_token_issue
from shebao.accounts.tokens import token_issue
from shebao.testing import (
    id_number,
    make_individual,
    make_matter,
    make_member,
    make_person,
    make_staff,
    make_unit,
    mobile,
    signed_in,
)

pytestmark = pytest.mark.django_db
Role = UnitMembership.Role

ACTORS = [
    "anonymous",
    "individual_a",
    "individual_b",
    "operator",
    "operator_granted",
    "admin",
    "legal_rep",
    "other_unit_admin",
    "staff_other_district",
    "staff_this_district",
    "partner",
]


@pytest.fixture
def world():
    unit = make_unit(district="220202")
    other = make_unit(name="另一家单位", district="220203")
    legal_rep = make_member(unit, Role.LEGAL_REP)
    admin = make_member(unit, Role.ADMIN, by=legal_rep)
    operator = make_member(unit, Role.OPERATOR, user=make_individual(name="经办人甲"), by=admin)
    granted = make_member(unit, Role.OPERATOR, user=make_individual(name="经办人乙"), by=admin)
    matter = make_matter(
        "enrol",
        name="事项enrol",
        applicant_kind="unit",
        department="registration",
        category="参保登记",
        materials=[],
        fields=[],
    )
    MatterGrant.objects.create(
        membership=UnitMembership.objects.get(user=granted), matter=matter, granted_by=admin
    )
    users = {
        "individual_a": (make_individual(name="个人甲"), "individual"),
        "individual_b": (make_individual(name="个人乙"), "individual"),
        "operator": (operator, f"unit:{unit.pk}"),
        "operator_granted": (granted, f"unit:{unit.pk}"),
        "admin": (admin, f"unit:{unit.pk}"),
        "legal_rep": (legal_rep, f"unit:{unit.pk}"),
        "other_unit_admin": (
            make_member(other, Role.ADMIN, user=make_individual(name="别家管理员")),
            f"unit:{other.pk}",
        ),
        "staff_other_district": (make_staff(districts=("220203",)), "staff"),
        "staff_this_district": (make_staff(districts=("220202",)), "staff"),
        "partner": (
            User.objects.create_user("bank-1", None, kind=User.Kind.PARTNER, name="某银行"),
            "partner",
        ),
    }
    target = UnitMembership.objects.get(user=operator)
    return {"unit": unit, "users": users, "target": target, "matter": matter}


def _client(world, who: str) -> Client:
    if who == "anonymous":
        return Client()
    user, context = world["users"][who]
    return signed_in(user, context)


def _token(world, who: str) -> str | None:
    if who == "anonymous":
        return None
    user, context = world["users"][who]
    if who == "partner":
        return partner_token_issue(partner_username=user.username, name="测试").raw
    return token_issue(user=user, context=context, name="app", ttl=timedelta(hours=1))


# expected status per actor; 302 to sign-in for anonymous visitors
UNIT_USERS_GET = {
    "anonymous": 302,
    "individual_a": 403,
    "individual_b": 403,
    "operator": 200,
    "operator_granted": 200,
    "admin": 200,
    "legal_rep": 200,
    "other_unit_admin": 200,
    "staff_other_district": 403,
    "staff_this_district": 403,
    "partner": 403,
}


@pytest.mark.parametrize("who", ACTORS)
def test_unit_users_page(world, who):
    response = _client(world, who).get("/accounts/unit/users/")

    assert response.status_code == UNIT_USERS_GET[who]
    page = response.content.decode()
    if who in ("admin", "legal_rep"):
        assert "经办人甲" in page and "开通授权" in page
    if who in ("operator", "operator_granted"):
        assert "管理员甲" not in page and "开通授权" not in page
    if who == "operator_granted":
        assert "事项enrol" in page and "经办人甲" not in page
    if who == "other_unit_admin":
        assert "经办人甲" not in page and "另一家单位" in page


APPOINT = {
    "anonymous": 302,
    "individual_a": 403,
    "individual_b": 403,
    "operator": 403,
    "operator_granted": 403,
    "admin": 302,
    "legal_rep": 302,
    "other_unit_admin": 302,
    "staff_other_district": 403,
    "staff_this_district": 403,
    "partner": 403,
}


@pytest.mark.parametrize("who", ACTORS)
def test_appoint(world, who):
    person = make_person(name="新人")

    response = _client(world, who).post(
        "/accounts/unit/users/",
        {
            "role": "operator",
            "name": "新人",
            "id_number": person.id_number,
            "mobile": mobile(),
        },
    )

    assert response.status_code == APPOINT[who]
    created = UnitMembership.objects.filter(user__username=person.id_number)
    if who in ("admin", "legal_rep"):
        assert created.get().unit == world["unit"]
    elif who == "other_unit_admin":  # acts only for the unit they signed in as
        assert created.get().unit != world["unit"]
    else:
        assert not created.exists()


REVOKE = {
    "anonymous": 302,
    "individual_a": 403,
    "individual_b": 403,
    "operator": 403,
    "operator_granted": 403,
    "admin": 302,
    "legal_rep": 302,
    "other_unit_admin": 404,
    "staff_other_district": 403,
    "staff_this_district": 403,
    "partner": 403,
}


@pytest.mark.parametrize("who", ACTORS)
def test_revoke(world, who):
    target = world["target"]

    response = _client(world, who).post(f"/accounts/unit/users/{target.pk}/revoke/")

    assert response.status_code == REVOKE[who]
    target.refresh_from_db()
    assert (target.revoked_at is not None) == (who in ("admin", "legal_rep"))


GRANTS = {
    "anonymous": 302,
    "individual_a": 403,
    "individual_b": 403,
    "operator": 403,
    "operator_granted": 403,
    "admin": 200,
    "legal_rep": 200,
    "other_unit_admin": 404,
    "staff_other_district": 403,
    "staff_this_district": 403,
    "partner": 403,
}


@pytest.mark.parametrize("who", ACTORS)
def test_grants_page_and_post(world, who):
    target = world["target"]
    url = f"/accounts/unit/users/{target.pk}/grants/"
    client = _client(world, who)

    shown = client.get(url)
    posted = client.post(url, {"matters": [world["matter"].pk], "version": grants_version([])})

    assert shown.status_code == GRANTS[who]
    expected_post = 302 if GRANTS[who] == 200 else GRANTS[who]
    assert posted.status_code == expected_post
    assert target.grants.exists() == (who in ("admin", "legal_rep"))


COUNTER = {
    "anonymous": 302,
    "individual_a": 403,
    "individual_b": 403,
    "operator": 403,
    "operator_granted": 403,
    "admin": 403,
    "legal_rep": 403,
    "other_unit_admin": 403,
    "staff_other_district": 403,
    "staff_this_district": 302,
    "partner": 403,
}


@pytest.mark.parametrize("who", ACTORS)
def test_counter_registration(world, who):
    unit = world["unit"]
    holder = id_number()

    response = _client(world, who).post(
        "/accounts/counter/unit/",
        {
            "credit_code": unit.credit_code,
            "holder_role": "admin",
            "holder_name": "窗口管理员",
            "holder_id_number": holder,
            "holder_mobile": mobile(),
            "attorney_note": "委托书 2026-03-02",
        },
    )

    assert response.status_code == COUNTER[who]
    assert UnitMembership.objects.filter(user__username=holder).exists() == (
        who == "staff_this_district"
    )


PASSWORD_CHANGE = {
    "anonymous": 302,
    "individual_a": 200,
    "individual_b": 200,
    "operator": 200,
    "operator_granted": 200,
    "admin": 200,
    "legal_rep": 200,
    "other_unit_admin": 200,
    "staff_other_district": 200,
    "staff_this_district": 200,
    "partner": 403,
}


@pytest.mark.parametrize("who", ACTORS)
def test_password_change_page(world, who):
    assert _client(world, who).get("/accounts/password/").status_code == PASSWORD_CHANGE[who]


@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize(
    "url",
    [
        "/accounts/login/",
        "/accounts/register/",
        "/accounts/register/unit/",
        "/accounts/password/reset/",
    ],
)
def test_public_pages_open_to_everyone(world, who, url):
    assert _client(world, who).get(url).status_code == 200


@pytest.mark.parametrize("who", ACTORS)
def test_me_answers_for_the_token_holder_only(world, who):
    token = _token(world, who)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    response = Client().get("/api/v1/auth/me", **headers)

    if who == "anonymous":
        assert response.status_code == 401
        return
    user, context = world["users"][who]
    body = response.json()
    assert (response.status_code, body["context"], body["user"]["username"]) == (
        200,
        context,
        user.username,
    )


@pytest.mark.parametrize("who", ACTORS)
def test_token_delete_revokes_only_the_callers_token(world, who):
    token = _token(world, who)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    response = Client().delete("/api/v1/auth/token", **headers)

    assert response.status_code == (401 if who == "anonymous" else 204)
