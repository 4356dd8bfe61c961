"""Training subsidies of enterprises and training institutions (seed 004 items 22, 23), checked
against the records of that training: the plan is the applicant's own, its certificates were
issued through the hall, the counts claimed are the counts of record, and a plan is subsidised
once."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from freezegun import freeze_time

from shebao.applications.handlers import handler_for
from shebao.applications.models import Application
from shebao.applications.services import application_create
from shebao.common.errors import Conflict, InvalidInput
from shebao.testing import id_number, make_member, make_unit, staff_actor, unit_actor
from shebao.training import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(world):
    """An issued plan of the enterprise: three candidates, two certificates."""
    from shebao.catalogue.services import catalogue_load

    catalogue_load()
    institution, centre = unit_actor(world.admin, world.unit), staff_actor(world.centre)
    with freeze_time("2024-06-03 10:00:00+08:00"):
        filing = services.filing_submit(
            actor=institution,
            trades=[world.welder],
            max_level="3",
            contact_name="陈",
            contact_mobile="13943110004",
        )
        services.filing_act(actor=centre, filing=filing, action="approve")
        plan, _ = services.plan_create(
            actor=institution,
            trade=world.welder,
            level="4",
            exam_date=date(2024, 6, 13),
            venue="车间",
            submission_key="s1",
        )
        people = [id_number() for _ in range(3)]
        for number in people:
            services.candidate_add(actor=institution, plan=plan, id_number=number, name="考生")
        services.plan_submit(actor=institution, plan=plan)
        services.plan_centre_act(actor=centre, plan=plan, action="assign", note="刘")
    with freeze_time("2024-06-13 16:00:00+08:00"):
        for number, score in zip(people, (90, 75, 40), strict=True):
            services.results_enter(
                actor=institution, plan=plan, id_number=number, theory=score, skill=80
            )
        services.plan_confirm_results(actor=institution, plan=plan)
        for action, note in (("evaluate", "规范"), ("approve", ""), ("issue", "")):
            plan = services.plan_centre_act(actor=centre, plan=plan, action=action, note=note)
    return plan


def _apply(
    world,
    plan_number,
    *,
    unit=None,
    admin=None,
    trainees=3,
    certified=2,
    matter="unit.training_subsidy_enterprise",
):
    from shebao.catalogue.models import Matter

    application, _ = application_create(
        actor=unit_actor(admin or world.admin, unit or world.unit),
        matter=Matter.objects.get(code=matter),
        data={
            "class_no": plan_number,
            "trainee_count": trainees,
            "certified_count": certified,
            "amount": "1600.00",
        },
    )
    return application


def test_a_subsidy_for_certificates_issued_through_the_hall_passes_the_check(world, issued):
    application = _apply(world, issued.number)

    handler_for(application).check_submit(application)  # no refusal
    assert handler_for(application).on_approved(application, None) == {
        "trainee_count": 3,
        "certified_count": 2,
    }


def test_counts_that_differ_from_the_records_are_refused(world, issued):
    application = _apply(world, issued.number, certified=3)
    with pytest.raises(InvalidInput) as refused:
        handler_for(application).check_submit(application)
    assert refused.value.code == "SUBSIDY_COUNT_MISMATCH"
    assert (
        refused.value.message == f"取证人数与认定记录不符：计划 {issued.number} 的取证人数为 2 人"
    )


def test_a_plan_of_another_unit_or_not_yet_issued_is_refused(world, issued):
    other = make_unit(name="吉林市另一家企业有限公司")
    stranger = _apply(world, issued.number, unit=other, admin=make_member(other, "admin"))
    with pytest.raises(InvalidInput) as not_theirs:
        handler_for(stranger).check_submit(stranger)
    assert not_theirs.value.code == "SUBSIDY_PLAN_NOT_FOUND"

    with freeze_time(date.today()):
        pending, _ = services.plan_create(
            actor=unit_actor(world.admin, world.unit),
            trade=world.welder,
            level="4",
            exam_date=date.today() + timedelta(days=20),
            venue="车间",
            submission_key="s2",
        )
    early = _apply(world, pending.number, trainees=0, certified=0)
    with pytest.raises(InvalidInput) as not_issued:
        handler_for(early).check_submit(early)
    assert not_issued.value.code == "SUBSIDY_NO_CERTIFICATES"


def test_an_enterprise_that_is_no_training_institution_applies_as_an_enterprise(world, issued):
    application = _apply(world, issued.number, matter="unit.training_subsidy_institution")
    with pytest.raises(InvalidInput) as refused:
        handler_for(application).check_submit(application)
    assert refused.value.code == "SUBSIDY_NOT_AN_INSTITUTION"

    world.school.unit = world.unit
    world.school.save()
    handler_for(application).check_submit(application)


def test_a_plan_is_subsidised_once(world, issued):
    first = _apply(world, issued.number)
    Application.objects.filter(pk=first.pk).update(status=Application.Status.COMPLETED)
    second = _apply(world, issued.number)
    with pytest.raises(Conflict) as refused:
        handler_for(second).check_submit(second)
    assert refused.value.code == "SUBSIDY_ALREADY_GRANTED"
    assert first.number in refused.value.message
