"""One open case per subject and matter, where the matter says so (``one_open_case``)."""

from __future__ import annotations

import pytest

from shebao.applications import services
from shebao.applications.models import Application
from shebao.applications.tests.conftest import act, new_application, submitted
from shebao.common.errors import Conflict

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim(world):
    """失业保险金申领: one open case per person."""
    world.matter.one_open_case = True
    world.matter.save()
    return world.matter


def test_a_second_claim_while_the_first_is_pending_is_refused_with_its_number(world, claim):
    first = submitted(world)
    second = new_application(world)
    events = second.events.count()

    with pytest.raises(Conflict) as caught:
        services.application_submit(actor=act(world.a), application=second, version=second.version)

    assert caught.value.code == "APPLICATION_ALREADY_OPEN"
    assert caught.value.message == (
        f"已有一件“失业保险金申领”申请正在办理中（编号 {first.number}，待受理），"
        "办结或撤回前不能再次提交"
    )
    assert caught.value.details == {"number": first.number, "status": "submitted"}
    second.refresh_from_db()
    assert second.status == Application.Status.DRAFT
    assert second.events.count() == events


@pytest.mark.parametrize("state", ["accepted", "returned", "approved"])
def test_the_first_case_is_open_until_it_ends(world, claim, state):
    first = submitted(world)
    staff = world.staff_actor()
    steps = {"accepted": ["accept"], "returned": ["return"], "approved": ["accept", "approve"]}
    for action in steps[state]:
        first.refresh_from_db()
        services.application_decide(
            actor=staff, application=first, action=action, version=first.version, reason="补正"
        )
    second = new_application(world)
    with pytest.raises(Conflict) as caught:
        services.application_submit(actor=act(world.a), application=second, version=second.version)
    assert caught.value.details["number"] == first.number


def test_after_the_first_ends_a_new_claim_goes_through(world, claim):
    first = submitted(world)
    services.application_withdraw(actor=act(world.a), application=first, version=first.version)
    second = new_application(world)
    services.application_submit(actor=act(world.a), application=second, version=second.version)
    second.refresh_from_db()
    assert second.status == Application.Status.SUBMITTED


def test_another_person_or_another_matter_is_not_held_back(world, claim):
    submitted(world)
    other = submitted(world, user=world.b)
    assert other.status == Application.Status.SUBMITTED


def test_a_resubmission_of_the_same_case_is_not_a_second_case(world, claim):
    first = submitted(world)
    services.application_return(
        actor=world.staff_actor(), application=first, version=first.version, reason="补正"
    )
    first.refresh_from_db()
    services.application_submit(actor=act(world.a), application=first, version=first.version)
    first.refresh_from_db()
    assert first.status == Application.Status.SUBMITTED


def test_without_the_flag_two_cases_may_be_open(world):
    submitted(world)
    assert submitted(world).status == Application.Status.SUBMITTED


def test_a_unit_may_have_one_open_case_per_employee(world):
    from shebao.applications.tests.conftest import id_number, pdf

    world.unit_matter.one_open_case = True
    world.unit_matter.save()
    actor = world.unit_actor(world.unit_admin)

    def filed(number: str) -> Application:
        application, _ = services.application_create(
            actor=actor,
            matter=world.unit_matter,
            data={"subject_id_number": number, "leave_date": "2024-09-01"},
        )
        services.material_upload(actor=actor, application=application, code="notice", file=pdf())
        application.refresh_from_db()
        return application

    employee = id_number()
    first = filed(employee)
    services.application_submit(actor=actor, application=first, version=first.version)
    other = filed(id_number())
    services.application_submit(actor=actor, application=other, version=other.version)
    again = filed(employee)
    with pytest.raises(Conflict) as caught:
        services.application_submit(actor=actor, application=again, version=again.version)
    assert caught.value.details["number"] == first.number
    assert employee in caught.value.message
