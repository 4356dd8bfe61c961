"""The demo builder reaches every state through the real transitions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from shebao.applications.demo import demo_application_build
from shebao.applications.models import Application
from shebao.applications.tests.conftest import act, make_matter
from shebao.catalogue.models import Matter

pytestmark = pytest.mark.django_db

S = Application.Status


@pytest.mark.parametrize("status", [s for s in S.values if s != "lapsed"])
def test_every_state_through_the_services(world, status):
    application = demo_application_build(
        applicant=act(world.a), reviewer=world.staff_actor(), matter=world.matter, status=status
    )
    assert application.status == status
    actions = list(application.events.values_list("action", flat=True))
    assert actions[0] == "create"
    if status not in ("draft",):
        assert "submit" in actions


def test_a_tolerance_case_lapses_and_an_old_acceptance_is_overdue(world):
    matter = make_matter(
        code="individual.demo_tolerance",
        acceptance_mode=Matter.AcceptanceMode.TOLERANCE,
        tolerance_days=3,
    )
    long_ago = timezone.now() - timedelta(days=30)
    lapsed = demo_application_build(
        applicant=act(world.a),
        reviewer=world.staff_actor(),
        matter=matter,
        status="lapsed",
        at=long_ago,
    )
    assert lapsed.status == S.LAPSED
    overdue = demo_application_build(
        applicant=act(world.a),
        reviewer=world.staff_actor(),
        matter=world.matter,
        status="accepted",
        at=long_ago,
    )
    assert overdue.due_date < timezone.localdate()
    approved = demo_application_build(
        applicant=act(world.a), reviewer=world.staff_actor(), matter=matter, status="completed"
    )
    assert approved.deferred.get().supplied_at is not None


def test_a_unit_case_about_an_employee(world, unit_staff):
    from shebao.applications.tests.conftest import make_person

    employee = make_person(name="职工己")
    application = demo_application_build(
        applicant=act(world.unit_admin, f"unit:{world.unit.pk}"),
        reviewer=act(unit_staff, "staff"),
        matter=world.unit_matter,
        status="completed",
        data={"subject_id_number": employee.id_number},
    )
    assert application.subject_person == employee
    assert application.status == S.COMPLETED


def test_bad_requests_are_programming_errors(world):
    with pytest.raises(ValueError):
        demo_application_build(applicant=act(world.a), matter=world.matter, status="accepted")
    with pytest.raises(ValueError):
        demo_application_build(
            applicant=act(world.a),
            reviewer=world.staff_actor(),
            matter=world.matter,
            status="lapsed",
        )


def test_an_instant_matter_completes_without_a_reviewer(world):
    matter = make_matter(code="individual.demo_instant", instant=True, materials=[])
    application = demo_application_build(applicant=act(world.a), matter=matter, status="completed")
    assert application.status == S.COMPLETED
    with pytest.raises(ValueError):
        demo_application_build(applicant=act(world.a), matter=matter, status="accepted")
