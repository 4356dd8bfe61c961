"""职业技能等级认定, seed 004 item 26: the plan through every state of the one transitions
table to issued electronic certificates, and each step's rule refusing what it must, writing
nothing."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from freezegun import freeze_time

from shebao.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from shebao.testing import id_number, signed_in, staff_actor, unit_actor
from shebao.training import services
from shebao.training.models import (
    AssessmentPlan,
    Candidate,
    SkillCertificate,
    TrainingEvent,
)
from shebao.training.workflow import STEPS

pytestmark = pytest.mark.django_db

TODAY = date(2024, 6, 3)


def _institution(world):
    return unit_actor(world.admin, world.unit)


def _filed(world, *, approve=True):
    filing = services.filing_submit(
        actor=_institution(world),
        trades=[world.welder],
        max_level="3",
        contact_name="陈晓燕",
        contact_mobile="13943110004",
    )
    if approve:
        filing = services.filing_act(
            actor=staff_actor(world.centre), filing=filing, action="approve"
        )
    return filing


def _plan(world, *, exam=TODAY + timedelta(days=10), key="p1"):
    plan, _ = services.plan_create(
        actor=_institution(world),
        trade=world.welder,
        level="4",
        exam_date=exam,
        venue="实训车间",
        submission_key=key,
    )
    return plan


@freeze_time("2024-06-03 10:00:00+08:00")
def test_a_plan_goes_through_every_state_to_issued_certificates(world):
    institution, centre = _institution(world), staff_actor(world.centre)
    filing = _filed(world)
    assert filing.status == "approved"
    plan = _plan(world)
    statuses = [plan.status]
    a, b = id_number(born="19900101"), id_number(born="19920202")
    services.candidate_add(actor=institution, plan=plan, id_number=a, name="甲考生")
    services.candidate_add(actor=institution, plan=plan, id_number=b, name="乙考生")

    plan = services.plan_submit(actor=institution, plan=plan)  # exactly 10 days ahead: in time
    statuses.append(plan.status)
    tickets = list(plan.candidates.order_by("pk").values_list("ticket_number", flat=True))
    assert tickets == [f"ZK{plan.pk:010d}0001", f"ZK{plan.pk:010d}0002"]
    plan = services.plan_centre_act(actor=centre, plan=plan, action="assign", note="督导员 刘振东")
    statuses.append(plan.status)
    assert plan.supervisor == "督导员 刘振东"
    with freeze_time("2024-06-13 16:00:00+08:00"):
        services.results_enter(actor=institution, plan=plan, id_number=a, theory=86, skill=90)
        services.results_enter(actor=institution, plan=plan, id_number=b, theory=59, skill=90)
        plan = services.plan_confirm_results(actor=institution, plan=plan)
        statuses.append(plan.status)
        plan = services.plan_centre_act(actor=centre, plan=plan, action="evaluate", note="规范")
        statuses.append(plan.status)
        plan = services.plan_centre_act(actor=centre, plan=plan, action="approve")
        statuses.append(plan.status)
        plan = services.plan_centre_act(actor=centre, plan=plan, action="issue")
        statuses.append(plan.status)

    assert statuses == [
        "draft",
        "submitted",
        "supervised",
        "results_confirmed",
        "evaluated",
        "approved",
        "issued",
    ]
    assert statuses == [value for value, _ in AssessmentPlan.Status.choices]
    passed = Candidate.objects.get(plan=plan, id_number=a)
    certificate = SkillCertificate.objects.get()
    assert (certificate.candidate, certificate.name, certificate.trade_name, certificate.level) == (
        passed,
        "甲考生",
        "焊工",
        "4",
    )
    assert certificate.number == f"S2202022024{'4'}{passed.pk:010d}"
    assert certificate.issued_on == date(2024, 6, 13)
    assert certificate.digest == services.certificate_digest(certificate)
    actions = list(
        TrainingEvent.objects.filter(subject="plan", subject_id=plan.pk).values_list(
            "action", flat=True
        )
    )
    assert actions == [
        "create",
        "add_candidate",
        "add_candidate",
        "submit",
        "assign",
        "enter_results",
        "enter_results",
        "confirm_results",
        "evaluate",
        "approve",
        "issue",
    ]
    # Every transition of the plan's table was taken, in the table's order.
    table = [s.action for s in STEPS if s.subject == "plan" and s.target and s.action != "return"]
    assert [x for x in actions if x in table] == table


@freeze_time("2024-06-03 10:00:00+08:00")
def test_a_plan_less_than_ten_days_before_the_exam_is_refused_and_writes_nothing(world):
    _filed(world)
    with pytest.raises(InvalidInput) as refused:
        _plan(world, exam=TODAY + timedelta(days=9))

    assert refused.value.code == "PLAN_TOO_LATE"
    assert "最迟应于 2024-06-03 提交" not in refused.value.message
    assert "须不晚于开考前10天提交" in refused.value.message
    assert AssessmentPlan.objects.count() == 0


def test_a_plan_drafted_in_time_but_submitted_too_late_is_refused(world):
    with freeze_time("2024-06-03 10:00:00+08:00"):
        _filed(world)
        plan = _plan(world, exam=date(2024, 6, 20))
        services.candidate_add(
            actor=_institution(world), plan=plan, id_number=id_number(), name="甲"
        )
    with freeze_time("2024-06-11 10:00:00+08:00"), pytest.raises(InvalidInput) as refused:
        services.plan_submit(actor=_institution(world), plan=plan)
    assert refused.value.code == "PLAN_TOO_LATE"
    assert "最迟应于 2024-06-10 提交" in refused.value.message
    plan.refresh_from_db()
    assert plan.status == "draft"
    assert list(plan.candidates.values_list("ticket_number", flat=True)) == [""]


def test_no_plan_before_the_filing_is_approved(world):
    _filed(world, approve=False)
    with pytest.raises(Conflict) as refused:
        _plan(world, exam=date.today() + timedelta(days=30))
    assert refused.value.code == "FILING_NOT_APPROVED"
    assert AssessmentPlan.objects.count() == 0


def test_a_plan_for_a_trade_or_level_outside_the_filing_is_refused(world):
    _filed(world)
    exam = date.today() + timedelta(days=30)
    with pytest.raises(InvalidInput) as trade:
        services.plan_create(
            actor=_institution(world),
            trade=world.electrician,
            level="4",
            exam_date=exam,
            venue="车间",
            submission_key="x1",
        )
    with pytest.raises(InvalidInput) as level:
        services.plan_create(
            actor=_institution(world),
            trade=world.welder,
            level="2",
            exam_date=exam,
            venue="车间",
            submission_key="x2",
        )
    assert (trade.value.code, level.value.code) == ("PLAN_TRADE_NOT_FILED", "PLAN_LEVEL_NOT_FILED")


@freeze_time("2024-06-03 10:00:00+08:00")
def test_results_for_a_candidate_not_in_the_plan_are_refused(world):
    _filed(world)
    plan = _plan(world)
    institution = _institution(world)
    member = id_number()
    services.candidate_add(actor=institution, plan=plan, id_number=member, name="甲")
    services.plan_submit(actor=institution, plan=plan)
    services.plan_centre_act(actor=staff_actor(world.centre), plan=plan, action="assign", note="刘")

    with pytest.raises(Conflict) as early:
        services.results_enter(actor=institution, plan=plan, id_number=member, theory=80, skill=80)
    assert early.value.code == "RESULTS_BEFORE_EXAM"
    with freeze_time("2024-06-13 16:00:00+08:00"):
        stranger = id_number()
        with pytest.raises(InvalidInput) as refused:
            services.results_enter(
                actor=institution, plan=plan, id_number=stranger, theory=80, skill=80
            )
        assert refused.value.code == "CANDIDATE_NOT_IN_PLAN"
        assert stranger in refused.value.message
        with pytest.raises(InvalidInput) as incomplete:
            services.plan_confirm_results(actor=institution, plan=plan)
        assert incomplete.value.code == "RESULTS_INCOMPLETE"
    assert list(Candidate.objects.values_list("id_number", "passed")) == [(member, None)]
    assert AssessmentPlan.objects.get().status == "supervised"


@freeze_time("2024-06-03 10:00:00+08:00")
def test_a_submitted_plan_returned_goes_back_to_draft_without_tickets(world):
    _filed(world)
    plan = _plan(world)
    institution = _institution(world)
    services.candidate_add(actor=institution, plan=plan, id_number=id_number(), name="甲")
    services.plan_submit(actor=institution, plan=plan)
    with pytest.raises(InvalidInput):
        services.plan_centre_act(actor=staff_actor(world.centre), plan=plan, action="return")

    plan = services.plan_centre_act(
        actor=staff_actor(world.centre), plan=plan, action="return", note="考核地点不明确"
    )
    assert plan.status == "draft"
    assert list(plan.candidates.values_list("ticket_number", flat=True)) == [""]


@freeze_time("2024-06-03 10:00:00+08:00")
def test_only_the_centre_of_the_district_and_the_institution_take_their_steps(world):
    _filed(world)
    plan = _plan(world)
    institution = _institution(world)
    services.candidate_add(actor=institution, plan=plan, id_number=id_number(), name="甲")
    services.plan_submit(actor=institution, plan=plan)

    with pytest.raises(PermissionDenied) as there:
        services.plan_centre_act(
            actor=staff_actor(world.centre_there), plan=plan, action="assign", note="刘"
        )
    assert there.value.code == "CAPABILITY_REQUIRED"
    with pytest.raises(Conflict):
        services.plan_centre_act(actor=staff_actor(world.centre), plan=plan, action="submit")
    with pytest.raises(PermissionDenied) as operator:
        services.plan_create(
            actor=unit_actor(world.operator, world.unit),
            trade=world.welder,
            level="4",
            exam_date=TODAY + timedelta(days=20),
            venue="车间",
            submission_key="op",
        )
    assert operator.value.code == "MATTER_NOT_GRANTED"
    assert AssessmentPlan.objects.get().status == "submitted"


def test_the_plan_page_and_the_admission_tickets(world):
    from io import BytesIO

    from openpyxl import load_workbook

    person = id_number(born="19900307")
    with freeze_time("2024-06-03 10:00:00+08:00"):
        _filed(world)
        plan = _plan(world)
        client = signed_in(world.admin, f"unit:{world.unit.pk}")
        added = client.post(
            f"/training/assessment/plans/{plan.number}/",
            {"action": "add_candidate", "id_number": person, "name": "甲考生"},
        )
        assert added.status_code == 302
        assert (
            client.get(f"/training/assessment/plans/{plan.number}/tickets.xlsx").status_code == 422
        )
        assert (
            client.post(
                f"/training/assessment/plans/{plan.number}/", {"action": "submit"}
            ).status_code
            == 302
        )
        book = client.get(f"/training/assessment/plans/{plan.number}/tickets.xlsx")
    rows = list(load_workbook(BytesIO(book.content)).active.iter_rows(values_only=True))
    assert rows[1][:3] == ("准考证号", "姓名", "公民身份号码")
    assert rows[2][:3] == (f"ZK{plan.pk:010d}0001", "甲考生", person)
    other = signed_in(world.centre_there, "staff").get(f"/training/assessment/plans/{plan.number}/")
    assert other.status_code == 404


def test_plan_steps_refused_on_the_page_say_why_in_chinese(world):
    with freeze_time("2024-06-03 10:00:00+08:00"):
        _filed(world)
        plan = _plan(world, exam=date(2024, 6, 20))
        client = signed_in(world.admin, f"unit:{world.unit.pk}")
        response = client.post(f"/training/assessment/plans/{plan.number}/", {"action": "submit"})
    assert response.status_code == 422
    assert "请先录入考生信息" in response.content.decode()
    with pytest.raises(NotFound):
        from shebao.training.selectors import plan_for

        plan_for(actor=staff_actor(world.centre_there), number=plan.number)
