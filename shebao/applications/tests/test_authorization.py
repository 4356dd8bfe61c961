"""The authorization matrix: every page and endpoint against every kind of actor.

Two applications: individual A's, and one the unit's granted operator made for the unit. For
each actor: who may see them (detail, events, download, lists, search, counts) and who may act
(applicant actions, staff decisions). Outside the scope an application does not exist (404);
a refused action changes nothing.
"""

from __future__ import annotations

import pytest

from shebao.accounts.actors import CONTEXT_SESSION_KEY
from shebao.accounts.tokens import token_issue
from shebao.applications import selectors, services
from shebao.applications.models import Application, ApplicationEvent, Material
from shebao.applications.tests.conftest import GOOD_DATA, act, make_person, pdf, submitted
from shebao.notifications.models import Notification

pytestmark = pytest.mark.django_db

ACTORS = [
    "anonymous",
    "a",
    "b",
    "legal_rep",
    "unit_admin",
    "operator_granted",
    "operator_plain",
    "other_unit_admin",
    "staff",
    "staff_other_district",
    "staff_other_department",
]
# Who sees which application. The unit matter belongs to the registration department, whose
# staff (``staff_other_department`` here) cover the unit's district.
SEES_INDIVIDUAL = {"a", "staff"}
SEES_UNIT = {"legal_rep", "unit_admin", "operator_granted", "staff_other_department"}
APPLICANT_OF_INDIVIDUAL = {"a"}
APPLICANT_OF_UNIT = {"legal_rep", "unit_admin", "operator_granted"}
REVIEWER_OF_INDIVIDUAL = {"staff"}
REVIEWER_OF_UNIT = {"staff_other_department"}
UNIT_USERS = {"legal_rep", "unit_admin", "operator_granted", "operator_plain"}
STAFF = {"staff", "staff_other_district", "staff_other_department"}


def context_of(world, who: str) -> tuple[object, str] | None:
    if who == "anonymous":
        return None
    user = getattr(world, who)
    if who in UNIT_USERS:
        return user, f"unit:{world.unit.pk}"
    if who == "other_unit_admin":
        return user, f"unit:{world.other_unit.pk}"
    if who in STAFF:
        return user, "staff"
    return user, "individual"


def page_client(client, world, who):
    found = context_of(world, who)
    if found:
        user, context = found
        client.force_login(user)
        session = client.session
        session[CONTEXT_SESSION_KEY] = context
        session.save()
    return client


def api_headers(world, who) -> dict[str, str]:
    found = context_of(world, who)
    if not found:
        return {}
    user, context = found
    return {"Authorization": f"Bearer {token_issue(user=user, context=context)}"}


@pytest.fixture
def cases(world):
    """A's submitted application and the unit's submitted application, each with a file."""
    individual = submitted(world)
    employee = make_person(name="职工戊")
    operator = act(world.operator_granted, f"unit:{world.unit.pk}")
    unit_app, _ = services.application_create(
        actor=operator,
        matter=world.unit_matter,
        data={"subject_id_number": employee.id_number, "leave_date": "2024-09-01"},
    )
    services.material_upload(actor=operator, application=unit_app, code="notice", file=pdf())
    services.application_submit(actor=operator, application=unit_app, version=unit_app.version)
    unit_app.refresh_from_db()
    return {"individual": individual, "unit": unit_app}


def state(application: Application) -> tuple:
    application.refresh_from_db()
    return (
        application.status,
        application.version,
        application.data,
        ApplicationEvent.objects.filter(application=application).count(),
        Material.objects.filter(application=application, removed_at__isnull=True).count(),
        Notification.objects.count(),
    )


def expected_read(who: str, sees: set[str], *, api: bool) -> int:
    if who == "anonymous":
        return 401 if api else 302
    return 200 if who in sees else 404


@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize("which", ["individual", "unit"])
def test_reading_detail_events_and_files(client, world, cases, who, which):
    application = cases[which]
    sees = SEES_INDIVIDUAL if which == "individual" else SEES_UNIT
    material = application.materials.first()
    number = application.number

    page_client(client, world, who)
    for url in (f"/applications/{number}/", f"/applications/{number}/materials/{material.pk}/"):
        response = client.get(url)
        assert response.status_code == expected_read(who, sees, api=False), url
        if who == "anonymous":
            assert response["Location"].startswith("/accounts/login/?next=")
    client.logout()

    headers = api_headers(world, who)
    base = f"/api/v1/applications/{number}"
    for url in (base, f"{base}/events", f"{base}/materials/{material.pk}"):
        response = client.get(url, headers=headers)
        assert response.status_code == expected_read(who, sees, api=True), url
        if response.status_code == 404:
            assert response.json()["code"] in ("APPLICATION_NOT_FOUND", "MATERIAL_NOT_FOUND")


@pytest.mark.parametrize("who", ACTORS)
def test_lists_searches_and_counts_hold_only_what_the_actor_may_see(client, world, cases, who):
    found = context_of(world, who)
    visible = {
        cases[which].number
        for which, sees in (("individual", SEES_INDIVIDUAL), ("unit", SEES_UNIT))
        if who in sees
    }
    headers = api_headers(world, who)
    for which in ("individual", "unit"):
        number = cases[which].number
        response = client.get(f"/api/v1/applications/?q={number}&status=all", headers=headers)
        if who == "anonymous":
            assert response.status_code == 401
            continue
        assert response.status_code == 200
        numbers = {item["number"] for item in response.json()["items"]}
        assert numbers == ({number} & visible)
    if found is None:
        return
    actor = act(*found)
    assert {a.number for a in selectors.applications_for(actor=actor)} == visible
    assert sum(selectors.status_counts(actor=actor).values()) == len(visible)
    counts = selectors.queue_counts(actor=actor)
    assert counts.total == len(visible)
    if who in STAFF:
        assert counts.by_status["submitted"] == len(visible)
        page_client(client, world, who)
        body = client.get("/applications/queue/?status=all").content.decode()
        for which in ("individual", "unit"):
            assert (cases[which].number in body) == (cases[which].number in visible)
    elif who != "anonymous":
        page_client(client, world, who)
        body = client.get("/applications/?status=").content.decode()
        for which in ("individual", "unit"):
            assert (cases[which].number in body) == (cases[which].number in visible)


def _page_status_for_applicant_action(who: str, applicants: set[str], sees: set[str]) -> int:
    if who == "anonymous":
        return 302
    if who in STAFF:
        return 403  # the applicant's pages are not for staff at all
    return 404 if who not in sees else 403


def _api_status_for_applicant_action(who: str, sees: set[str]) -> int:
    if who == "anonymous":
        return 401
    return 403 if who in sees else 404


def _refused(allowed: dict[str, set[str]]) -> list[tuple[str, str]]:
    """(actor, case) pairs where the actor may not act (those who may: the success checks)."""
    return [
        (who, which)
        for which in ("individual", "unit")
        for who in ACTORS
        if who not in allowed[which]
    ]


@pytest.mark.parametrize(
    ("who", "which"),
    _refused({"individual": APPLICANT_OF_INDIVIDUAL, "unit": APPLICANT_OF_UNIT}),
)
def test_refused_applicant_actions_change_nothing(client, world, cases, who, which):
    application = cases[which]
    applicants = APPLICANT_OF_INDIVIDUAL if which == "individual" else APPLICANT_OF_UNIT
    sees = SEES_INDIVIDUAL if which == "individual" else SEES_UNIT
    number = application.number
    before = state(application)
    material = application.materials.first()

    page_client(client, world, who)
    page_posts = [
        (f"/applications/{number}/withdraw/", {"version": application.version}),
        (f"/applications/{number}/recall/", {"version": application.version}),
        (f"/applications/{number}/edit/", {"reason": "x", "version": application.version}),
        (f"/applications/{number}/materials/", {"code": "other", "file": pdf()}),
        (f"/applications/{number}/materials/{material.pk}/remove/", {}),
    ]
    for url, data in page_posts:
        response = client.post(url, data)
        assert response.status_code == _page_status_for_applicant_action(who, applicants, sees), url
    client.logout()

    headers = api_headers(world, who)
    base = f"/api/v1/applications/{number}"
    api_calls = [
        ("post", f"{base}/withdraw", {"version": application.version}),
        ("post", f"{base}/recall", {"version": application.version}),
        ("post", f"{base}/submit", {"version": application.version}),
        ("patch", base, {"data": GOOD_DATA, "version": application.version}),
    ]
    for method, url, body in api_calls:
        response = getattr(client, method)(
            url, body, content_type="application/json", headers=headers
        )
        assert response.status_code == _api_status_for_applicant_action(who, sees), (method, url)
    response = client.post(f"{base}/materials", {"code": "other", "file": pdf()}, headers=headers)
    assert response.status_code == _api_status_for_applicant_action(who, sees)
    response = client.delete(f"{base}/materials/{material.pk}", headers=headers)
    assert response.status_code == _api_status_for_applicant_action(who, sees)

    assert state(application) == before


@pytest.mark.parametrize(
    ("who", "which"),
    _refused({"individual": REVIEWER_OF_INDIVIDUAL, "unit": REVIEWER_OF_UNIT}),
)
def test_refused_decisions_change_nothing(client, world, cases, who, which):
    application = cases[which]
    sees = SEES_INDIVIDUAL if which == "individual" else SEES_UNIT
    before = state(application)
    number = application.number

    page_client(client, world, who)
    response = client.post(
        f"/applications/{number}/decide/", {"action": "accept", "version": application.version}
    )
    if who == "anonymous":
        assert response.status_code == 302
    elif who in STAFF:
        assert response.status_code == 404  # staff outside the scope
    else:
        assert response.status_code == 403  # applicants never reach the decision page
    client.logout()

    response = client.post(
        f"/api/v1/applications/{number}/decisions",
        {"action": "accept", "version": application.version},
        content_type="application/json",
        headers=api_headers(world, who),
    )
    expected = 401 if who == "anonymous" else 403 if who in sees else 404
    assert response.status_code == expected
    assert state(application) == before


@pytest.mark.parametrize("which", ["individual", "unit"])
def test_the_rightful_actors_succeed(client, world, cases, which):
    application = cases[which]
    reviewer = "staff" if which == "individual" else "staff_other_department"
    applicant = "a" if which == "individual" else "operator_granted"
    response = client.post(
        f"/api/v1/applications/{application.number}/decisions",
        {"action": "return", "reason": "请补充", "version": application.version},
        content_type="application/json",
        headers=api_headers(world, reviewer),
    )
    assert response.status_code == 200
    response = client.post(
        f"/api/v1/applications/{application.number}/withdraw",
        {"version": response.json()["version"]},
        content_type="application/json",
        headers=api_headers(world, applicant),
    )
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"


def test_an_operator_who_loses_the_grant_loses_the_application(world, cases):
    from shebao.accounts.models import MatterGrant

    MatterGrant.objects.filter(membership__user=world.operator_granted).delete()
    actor = act(world.operator_granted, f"unit:{world.unit.pk}")
    assert list(selectors.applications_for(actor=actor)) == []


def test_new_form_for_each_kind_of_actor(client, world):
    expectations = {
        "anonymous": 302,
        "a": 403,  # a unit matter
        "legal_rep": 200,
        "unit_admin": 200,
        "operator_granted": 200,
        "operator_plain": 403,
        "other_unit_admin": 200,  # every unit may apply for itself
        "staff": 403,
    }
    for who, expected in expectations.items():
        page_client(client, world, who)
        response = client.get(f"/applications/new/{world.unit_matter.code}/")
        assert response.status_code == expected, who
        client.logout()


def test_queue_is_staff_only(client, world):
    for who in ("a", "unit_admin"):
        page_client(client, world, who)
        assert client.get("/applications/queue/").status_code == 403
        client.logout()
    assert client.get("/applications/queue/").status_code == 302
