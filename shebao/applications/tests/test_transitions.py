"""Every transition: allowed, and each refusal with its code — nothing changed, no event."""

from __future__ import annotations

from datetime import date

import pytest
from freezegun import freeze_time

from shebao.applications import services
from shebao.applications.models import Application, ApplicationEvent, DeferredMaterial
from shebao.applications.tests.conftest import (
    GOOD_DATA,
    accepted,
    act,
    make_matter,
    new_application,
    pdf,
    submitted,
)
from shebao.catalogue.models import Matter
from shebao.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from shebao.notifications.models import Notification, OutboundMessage

pytestmark = pytest.mark.django_db

S = Application.Status


def snapshot(application: Application) -> tuple:
    """Everything a refused action must leave as it was."""
    application.refresh_from_db()
    return (
        application.status,
        application.version,
        application.data,
        application.due_date,
        application.updated_at,
        ApplicationEvent.objects.filter(application=application).count(),
        application.materials.filter(removed_at__isnull=True).count(),
        DeferredMaterial.objects.filter(application=application).count(),
        Notification.objects.count(),
        OutboundMessage.objects.count(),
    )


def refused(application, call, error_type, code):
    before = snapshot(application)
    with pytest.raises(error_type) as caught:
        call()
    assert caught.value.code == code
    assert snapshot(application) == before
    return caught.value


# --- create ---------------------------------------------------------------------------------


def test_create_makes_a_numbered_draft_routed_to_the_persons_district(world):
    with freeze_time("2024-09-30 10:00:00+08:00"):
        application, created = services.application_create(
            actor=world.individual(world.a), matter=world.matter, data=dict(GOOD_DATA)
        )
    assert created is True
    assert application.number == "SB20240930000001"
    assert application.status == S.DRAFT
    assert application.person == world.a.person
    assert application.applicant_user == world.a
    assert application.district_id == "220202"
    assert application.department_id == "unemployment"
    assert application.data == {"reason": "合同到期", "start_date": "2024-09-01"}
    event = application.events.get()
    assert (event.action, event.from_status, event.to_status, event.actor) == (
        "create",
        "",
        "draft",
        world.a,
    )


def test_numbers_count_up_within_a_day_and_restart_the_next(world):
    actor = world.individual(world.a)
    with freeze_time("2024-09-30 10:00:00+08:00"):
        first, _ = services.application_create(actor=actor, matter=world.matter, data={})
        second, _ = services.application_create(actor=actor, matter=world.matter, data={})
    with freeze_time("2024-10-08 09:00:00+08:00"):
        third, _ = services.application_create(actor=actor, matter=world.matter, data={})
    assert [first.number, second.number, third.number] == [
        "SB20240930000001",
        "SB20240930000002",
        "SB20241008000001",
    ]


def test_same_client_key_returns_the_same_application(world):
    actor = world.individual(world.a)
    first, created = services.application_create(
        actor=actor, matter=world.matter, data=dict(GOOD_DATA), client_key="k-1"
    )
    again, created_again = services.application_create(
        actor=actor, matter=world.matter, data={"reason": "不同的内容"}, client_key="k-1"
    )
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert Application.objects.count() == 1
    assert ApplicationEvent.objects.count() == 1


def test_a_client_key_reused_for_another_matter_is_refused(world):
    actor = world.individual(world.a)
    services.application_create(actor=actor, matter=world.matter, data={}, client_key="k-1")
    other = make_matter(code="individual.other_matter")
    with pytest.raises(Conflict) as caught:
        services.application_create(actor=actor, matter=other, data={}, client_key="k-1")
    assert caught.value.code == "IDEMPOTENCY_KEY_REUSED"
    assert Application.objects.count() == 1


def test_different_users_may_use_the_same_client_key(world):
    services.application_create(
        actor=world.individual(world.a), matter=world.matter, data={}, client_key="k-1"
    )
    services.application_create(
        actor=world.individual(world.b), matter=world.matter, data={}, client_key="k-1"
    )
    assert Application.objects.count() == 2


def test_create_refuses_malformed_answers_with_per_field_errors(world):
    with pytest.raises(InvalidInput) as caught:
        services.application_create(
            actor=world.individual(world.a),
            matter=world.matter,
            data={"start_date": "2024-02-30", "amount": "12.345", "nope": "x"},
        )
    assert caught.value.code == "APPLICATION_DATA_INVALID"
    assert caught.value.errors == {
        "nope": "该事项的申请表没有此项",
        "start_date": "应为有效日期，格式如 2024-09-30",
        "amount": "金额最多保留两位小数（到分）",
    }
    assert Application.objects.count() == 0


@pytest.mark.parametrize(
    ("who", "matter_attr", "error", "code"),
    [
        ("individual_on_unit_matter", "unit_matter", PermissionDenied, "MATTER_NOT_FOR_APPLICANT"),
        ("operator_without_grant", "unit_matter", PermissionDenied, "MATTER_NOT_GRANTED"),
        ("unit_on_individual_matter", "matter", PermissionDenied, "MATTER_NOT_FOR_APPLICANT"),
        ("staff", "matter", PermissionDenied, "FORBIDDEN"),
    ],
)
def test_create_refused_for_who_may_not_apply(world, who, matter_attr, error, code):
    actor = {
        "individual_on_unit_matter": world.individual(world.a),
        "operator_without_grant": world.unit_actor(world.operator_plain),
        "unit_on_individual_matter": world.unit_actor(world.unit_admin),
        "staff": world.staff_actor(),
    }[who]
    with pytest.raises(error) as caught:
        services.application_create(actor=actor, matter=getattr(world, matter_attr), data={})
    assert caught.value.code == code
    assert Application.objects.count() == 0


def test_a_disabled_matter_cannot_be_applied_for(world):
    world.matter.enabled = False
    world.matter.save()
    with pytest.raises(Conflict) as caught:
        services.application_create(actor=world.individual(world.a), matter=world.matter, data={})
    assert caught.value.code == "MATTER_NOT_AVAILABLE"


def test_a_person_without_district_is_told_to_complete_their_record(world):
    world.a.person.district = None
    world.a.person.save()
    with pytest.raises(InvalidInput) as caught:
        services.application_create(actor=world.individual(world.a), matter=world.matter, data={})
    assert caught.value.code == "APPLICANT_DISTRICT_UNKNOWN"


def test_unit_application_resolves_the_employee_and_routes_to_the_units_district(world):
    from shebao.applications.tests.conftest import make_person

    employee = make_person(name="职工丙")
    application, _ = services.application_create(
        actor=world.unit_actor(world.operator_granted),
        matter=world.unit_matter,
        data={"subject_id_number": employee.id_number.lower(), "leave_date": "2024-09-01"},
    )
    assert application.applicant_kind == "unit"
    assert application.unit == world.unit
    assert application.person is None
    assert application.subject_person == employee
    assert application.subject_id_number == employee.id_number
    assert application.district_id == world.unit.district_id
    assert application.department_id == "registration"


def test_an_unknown_employee_is_kept_as_entered(world):
    from shebao.applications.tests.conftest import id_number

    number = id_number()
    application, _ = services.application_create(
        actor=world.unit_actor(world.unit_admin),
        matter=world.unit_matter,
        data={"subject_id_number": number},
    )
    assert application.subject_person is None
    assert application.subject_id_number == number


# --- update ---------------------------------------------------------------------------------


def test_update_changes_a_draft_and_moves_the_version(world):
    application = new_application(world)
    version = application.version
    services.application_update(
        actor=world.individual(world.a),
        application=application,
        data={"reason": "单位裁员", "start_date": "2024-09-01"},
        version=version,
    )
    application.refresh_from_db()
    assert application.data["reason"] == "单位裁员"
    assert application.version == version + 1
    assert application.events.last().data == {"fields": ["reason"]}


def test_update_with_a_stale_version_is_refused(world):
    application = new_application(world)
    refused(
        application,
        lambda: services.application_update(
            actor=world.individual(world.a),
            application=application,
            data={"reason": "x"},
            version=application.version - 1,
        ),
        Conflict,
        "APPLICATION_STALE",
    )


def test_update_of_a_submitted_application_is_refused(world):
    application = submitted(world)
    error = refused(
        application,
        lambda: services.application_update(
            actor=world.individual(world.a),
            application=application,
            data={"reason": "x"},
            version=application.version,
        ),
        Conflict,
        "APPLICATION_INVALID_TRANSITION",
    )
    assert error.message == "申请当前状态为“待受理”，不能修改"


def test_another_individual_cannot_update_and_does_not_learn_it_exists(world):
    application = new_application(world)
    refused(
        application,
        lambda: services.application_update(
            actor=world.individual(world.b),
            application=application,
            data={"reason": "x"},
            version=application.version,
        ),
        NotFound,
        "APPLICATION_NOT_FOUND",
    )


# --- submit ---------------------------------------------------------------------------------


def test_submit_direct_with_all_required_materials(world):
    application = new_application(world)
    services.application_submit(
        actor=world.individual(world.a), application=application, version=application.version
    )
    application.refresh_from_db()
    assert application.status == S.SUBMITTED
    assert application.acceptance_mode == "direct"
    assert application.submitted_at is not None
    event = application.events.last()
    assert (event.action, event.from_status, event.to_status) == ("submit", "draft", "submitted")
    note = Notification.objects.get(recipient=world.a)
    assert note.title == "申请已提交"
    assert note.link == f"/applications/{application.number}/"
    assert OutboundMessage.objects.count() == 0  # no SMS for the applicant's own step


def test_submit_direct_without_a_required_material_is_refused(world):
    actor = world.individual(world.a)
    application, _ = services.application_create(
        actor=actor, matter=world.matter, data=dict(GOOD_DATA)
    )
    services.material_upload(actor=actor, application=application, code="id_card", file=pdf())
    error = refused(
        application,
        lambda: services.application_submit(
            actor=actor, application=application, version=application.version
        ),
        InvalidInput,
        "MATERIALS_MISSING",
    )
    assert error.message == "请先上传以下必需材料：解除劳动合同证明"
    assert error.details == {"missing": ["contract_end"]}


def test_submit_with_incomplete_form_lists_the_missing_fields(world):
    application = new_application(world, data={"reason": "合同到期"})
    error = refused(
        application,
        lambda: services.application_submit(
            actor=world.individual(world.a), application=application, version=application.version
        ),
        InvalidInput,
        "APPLICATION_DATA_INVALID",
    )
    assert error.errors == {"start_date": "此项为必填项"}


def test_submit_twice_second_is_stale_and_one_event(world):
    application = new_application(world)
    version = application.version
    actor = world.individual(world.a)
    services.application_submit(actor=actor, application=application, version=version)
    with pytest.raises(Conflict) as caught:
        services.application_submit(actor=actor, application=application, version=version)
    assert caught.value.code == "APPLICATION_STALE"
    assert caught.value.message == "页面内容已过期，请刷新后重试"
    assert application.events.filter(action="submit").count() == 1


def test_submit_commitment_requires_accepting_the_commitment_text(world):
    matter = make_matter(
        code="individual.commit",
        acceptance_mode=Matter.AcceptanceMode.COMMITMENT,
        commitment_text="本单位承诺补缴信息真实。",
    )
    actor = world.individual(world.a)
    application, _ = services.application_create(actor=actor, matter=matter, data=dict(GOOD_DATA))
    refused(
        application,
        lambda: services.application_submit(
            actor=actor, application=application, version=application.version
        ),
        InvalidInput,
        "COMMITMENT_REQUIRED",
    )
    # No materials at all: the commitment replaces them.
    services.application_submit(
        actor=actor, application=application, version=application.version, commitment_accepted=True
    )
    application.refresh_from_db()
    assert application.status == S.SUBMITTED
    assert application.acceptance_mode == "commitment"
    assert application.commitment_text == "本单位承诺补缴信息真实。"
    assert len(application.commitment_version) == 16
    assert application.commitment_signed_at is not None


def test_submit_tolerance_needs_core_materials_only(world):
    matter = make_matter(
        code="individual.tol", acceptance_mode=Matter.AcceptanceMode.TOLERANCE, tolerance_days=10
    )
    actor = world.individual(world.a)
    application, _ = services.application_create(actor=actor, matter=matter, data=dict(GOOD_DATA))
    error = refused(
        application,
        lambda: services.application_submit(
            actor=actor, application=application, version=application.version
        ),
        InvalidInput,
        "MATERIALS_MISSING",
    )
    assert error.message == "容缺受理也须先上传以下主要材料：居民身份证"
    services.material_upload(actor=actor, application=application, code="id_card", file=pdf())
    services.application_submit(actor=actor, application=application, version=application.version)
    application.refresh_from_db()
    assert application.status == S.SUBMITTED
    assert application.events.last().data == {
        "acceptance_mode": "tolerance",
        "missing": ["contract_end"],
    }


def test_staff_cannot_submit_for_the_applicant(world):
    application = new_application(world)
    # Drafts are outside the staff's scope altogether.
    refused(
        application,
        lambda: services.application_submit(
            actor=world.staff_actor(), application=application, version=application.version
        ),
        NotFound,
        "APPLICATION_NOT_FOUND",
    )


# --- recall and withdraw --------------------------------------------------------------------


def test_recall_takes_a_submitted_application_back_to_draft(world):
    application = submitted(world)
    services.application_recall(
        actor=world.individual(world.a), application=application, version=application.version
    )
    application.refresh_from_db()
    assert application.status == S.DRAFT
    assert application.events.last().action == "recall"
    assert Notification.objects.filter(recipient=world.a, title="申请已回退修改").count() == 1


def test_recall_after_acceptance_is_refused(world):
    application = accepted(world)
    refused(
        application,
        lambda: services.application_recall(
            actor=world.individual(world.a), application=application, version=application.version
        ),
        Conflict,
        "APPLICATION_INVALID_TRANSITION",
    )


@pytest.mark.parametrize("state", ["draft", "submitted", "returned"])
def test_withdraw_from_each_allowed_state(world, state):
    application = {"draft": new_application, "submitted": submitted, "returned": submitted}[state](
        world
    )
    if state == "returned":
        services.application_return(
            actor=world.staff_actor(),
            application=application,
            version=application.version,
            reason="缺少签字",
        )
        application.refresh_from_db()
    services.application_withdraw(
        actor=world.individual(world.a), application=application, version=application.version
    )
    application.refresh_from_db()
    assert application.status == S.WITHDRAWN
    assert application.withdrawn_at is not None
    event = application.events.last()
    assert (event.action, event.from_status) == ("withdraw", state)
    # A draft nobody else has seen is simply gone; a case the agency had is notified.
    withdrawn_notes = Notification.objects.filter(recipient=world.a, title="申请已撤回").count()
    assert withdrawn_notes == (0 if state == "draft" else 1)


def test_withdraw_after_acceptance_is_refused(world):
    application = accepted(world)
    refused(
        application,
        lambda: services.application_withdraw(
            actor=world.individual(world.a), application=application, version=application.version
        ),
        Conflict,
        "APPLICATION_INVALID_TRANSITION",
    )


# --- staff decisions ------------------------------------------------------------------------


def test_accept_sets_the_due_date_in_working_days_across_national_day(world):
    application = submitted(world)
    with freeze_time("2024-09-30 10:00:00+08:00"):
        services.application_accept(
            actor=world.staff_actor(), application=application, version=application.version
        )
    application.refresh_from_db()
    # 5 working days after Monday 30 September 2024: 1–7 October is the National Day holiday
    # and Saturday 12 October a makeup working day → 8, 9, 10, 11, 12 October.
    assert application.due_date == date(2024, 10, 12)
    assert application.due_provisional is False
    assert application.status == S.ACCEPTED
    assert application.assigned_to == world.staff
    note = Notification.objects.filter(recipient=world.a, title="申请已受理").get()
    assert "承诺于2024年10月12日前办结" in note.body
    assert OutboundMessage.objects.filter(to=world.a.mobile).count() == 1


def test_a_due_date_beyond_the_holiday_table_is_provisional(world):
    application = submitted(world)
    with freeze_time("2026-12-28 10:00:00+08:00"):
        services.application_accept(
            actor=world.staff_actor(), application=application, version=application.version
        )
    application.refresh_from_db()
    assert application.due_date == date(2027, 1, 4)
    assert application.due_provisional is True


def test_accept_by_staff_of_another_district_or_department_is_not_found(world):
    application = submitted(world)
    for user in (world.staff_other_district, world.staff_other_department):
        refused(
            application,
            lambda user=user: services.application_accept(
                actor=act(user, "staff"), application=application, version=application.version
            ),
            NotFound,
            "APPLICATION_NOT_FOUND",
        )


def test_the_applicant_cannot_decide_their_own_case(world):
    application = submitted(world)
    refused(
        application,
        lambda: services.application_accept(
            actor=world.individual(world.a), application=application, version=application.version
        ),
        PermissionDenied,
        "FORBIDDEN",
    )


def test_accept_twice_is_refused_as_stale_then_as_wrong_state(world):
    application = accepted(world)
    refused(
        application,
        lambda: services.application_accept(
            actor=world.staff_actor(), application=application, version=application.version - 1
        ),
        Conflict,
        "APPLICATION_STALE",
    )
    error = refused(
        application,
        lambda: services.application_accept(
            actor=world.staff_actor(), application=application, version=application.version
        ),
        Conflict,
        "APPLICATION_INVALID_TRANSITION",
    )
    assert error.message == "申请当前状态为“已受理（审核中）”，不能受理"


@pytest.mark.parametrize("stage", ["submitted", "accepted"])
def test_return_requires_a_reason_and_lets_the_applicant_modify_and_resubmit(world, stage):
    application = submitted(world) if stage == "submitted" else accepted(world)
    staff = world.staff_actor()
    refused(
        application,
        lambda: services.application_return(
            actor=staff, application=application, version=application.version, reason="  "
        ),
        InvalidInput,
        "REASON_REQUIRED",
    )
    services.application_return(
        actor=staff,
        application=application,
        version=application.version,
        reason="身份证复印件不清晰",
    )
    application.refresh_from_db()
    assert application.status == S.RETURNED
    assert application.due_date is None
    assert application.events.last().reason == "身份证复印件不清晰"
    note = Notification.objects.get(recipient=world.a, title="申请被退回补正")
    assert "身份证复印件不清晰" in note.body
    assert OutboundMessage.objects.filter(body__contains="退回").count() == 1

    actor = world.individual(world.a)
    services.application_update(
        actor=actor,
        application=application,
        data={**GOOD_DATA, "reason": "已补充说明"},
        version=application.version,
    )
    application.refresh_from_db()
    services.material_upload(
        actor=actor, application=application, code="id_card", file=pdf("清晰.pdf")
    )
    services.application_submit(actor=actor, application=application, version=application.version)
    application.refresh_from_db()
    assert application.status == S.SUBMITTED
    assert application.events.last().from_status == "returned"


@pytest.mark.parametrize(("stage", "title"), [("submitted", "不予受理"), ("accepted", "不予批准")])
def test_reject_at_each_stage_names_it(world, stage, title):
    application = submitted(world) if stage == "submitted" else accepted(world)
    staff = world.staff_actor()
    error = refused(
        application,
        lambda: services.application_reject(
            actor=staff, application=application, version=application.version, reason=""
        ),
        InvalidInput,
        "REASON_REQUIRED",
    )
    assert error.message == f"请填写{title}的理由"
    services.application_reject(
        actor=staff, application=application, version=application.version, reason="不符合领取条件"
    )
    application.refresh_from_db()
    assert application.status == S.REJECTED
    assert application.events.last().label == title
    assert Notification.objects.filter(recipient=world.a, title=f"申请{title}").count() == 1


def test_approve_then_complete(world):
    application = accepted(world)
    staff = world.staff_actor()
    services.application_approve(actor=staff, application=application, version=application.version)
    application.refresh_from_db()
    assert application.status == S.APPROVED
    services.application_complete(actor=staff, application=application, version=application.version)
    application.refresh_from_db()
    assert application.status == S.COMPLETED
    assert application.completed_at is not None
    assert [e.action for e in application.events.all()][-4:] == [
        "submit",
        "accept",
        "approve",
        "complete",
    ]
    titles = list(
        Notification.objects.filter(recipient=world.a)
        .order_by("id")
        .values_list("title", flat=True)
    )
    assert titles == ["申请已提交", "申请已受理", "申请审核通过", "申请已办结"]
    assert OutboundMessage.objects.count() == 3  # accept, approve, complete


def test_approve_from_submitted_and_complete_from_accepted_are_refused(world):
    application = submitted(world)
    staff = world.staff_actor()
    refused(
        application,
        lambda: services.application_approve(
            actor=staff, application=application, version=application.version
        ),
        Conflict,
        "APPLICATION_INVALID_TRANSITION",
    )
    services.application_accept(actor=staff, application=application, version=application.version)
    application.refresh_from_db()
    refused(
        application,
        lambda: services.application_complete(
            actor=staff, application=application, version=application.version
        ),
        Conflict,
        "APPLICATION_INVALID_TRANSITION",
    )


def test_final_states_refuse_everything(world):
    application = accepted(world)
    staff = world.staff_actor()
    services.application_reject(
        actor=staff, application=application, version=application.version, reason="不符合条件"
    )
    application.refresh_from_db()
    for call in (
        lambda: services.application_return(
            actor=staff, application=application, version=application.version, reason="x"
        ),
        lambda: services.application_approve(
            actor=staff, application=application, version=application.version
        ),
        lambda: services.application_withdraw(
            actor=world.individual(world.a), application=application, version=application.version
        ),
    ):
        refused(application, call, Conflict, "APPLICATION_INVALID_TRANSITION")


def test_unknown_decision_is_refused(world):
    application = submitted(world)
    refused(
        application,
        lambda: services.application_decide(
            actor=world.staff_actor(),
            application=application,
            action="delete",
            version=application.version,
        ),
        InvalidInput,
        "DECISION_UNKNOWN",
    )


def test_a_units_step_messages_go_to_the_applicant_only(world, unit_staff):
    """The managers hear decisions only, by default (see test_messages.py)."""
    from shebao.applications.tests.conftest import make_person

    employee = make_person(name="职工丁")
    actor = world.unit_actor(world.operator_granted)
    application, _ = services.application_create(
        actor=actor,
        matter=world.unit_matter,
        data={"subject_id_number": employee.id_number, "leave_date": "2024-09-01"},
    )
    services.material_upload(actor=actor, application=application, code="notice", file=pdf())
    services.application_submit(actor=actor, application=application, version=application.version)
    recipients = set(
        Notification.objects.filter(title="申请已提交").values_list("recipient__name", "context")
    )
    context = f"unit:{world.unit.pk}"
    assert recipients == {("有授权经办人", context)}


def test_window_bound_matters_are_refused_outside_the_business_window(world):
    """Jiangsu (seed 002): business accepted from the 11th to the 6th of the next month."""
    from shebao.accounts.models import UnitMembership
    from shebao.applications.tests.conftest import make_unit, make_unit_user
    from shebao.policy.services import policy_load

    policy_load()
    world.unit_matter.window_bound = True
    world.unit_matter.save()
    unit = make_unit(name="常州示例有限公司", district="320402")
    admin = make_unit_user(unit, role=UnitMembership.Role.ADMIN)
    actor = act(admin, f"unit:{unit.pk}")
    application, _ = services.application_create(
        actor=actor,
        matter=world.unit_matter,
        data={"subject_id_number": world.a.person.id_number, "leave_date": "2024-09-01"},
    )
    services.material_upload(actor=actor, application=application, code="notice", file=pdf())
    with freeze_time("2024-09-08 10:00:00+08:00"):
        error = refused(
            application,
            lambda: services.application_submit(
                actor=actor, application=application, version=application.version
            ),
            Conflict,
            "OUTSIDE_ACCEPTANCE_WINDOW",
        )
    assert error.details == {"next_open": "2024-09-11", "late_handling_until": None}
    assert "9月11日起恢复受理" in error.message
    with freeze_time("2024-09-11 09:00:00+08:00"):
        services.application_submit(
            actor=actor, application=application, version=application.version
        )
    application.refresh_from_db()
    assert application.status == S.SUBMITTED


def test_matters_without_the_window_flag_are_accepted_any_day(world):
    from shebao.policy.services import policy_load

    policy_load()
    application = new_application(world)
    with freeze_time("2024-09-08 10:00:00+08:00"):
        services.application_submit(
            actor=world.individual(world.a), application=application, version=application.version
        )
    application.refresh_from_db()
    assert application.status == S.SUBMITTED


def test_an_instant_matter_is_completed_by_the_system_on_submission(world):
    matter = make_matter(code="individual.instant_print", instant=True, materials=[])
    actor = world.individual(world.a)
    application, _ = services.application_create(actor=actor, matter=matter, data=dict(GOOD_DATA))
    services.application_submit(actor=actor, application=application, version=application.version)
    application.refresh_from_db()
    assert application.status == S.COMPLETED
    events = list(application.events.values_list("action", "actor_kind"))
    assert events[-4:] == [
        ("submit", "individual"),
        ("accept", "system"),
        ("approve", "system"),
        ("complete", "system"),
    ]
    titles = list(Notification.objects.filter(recipient=world.a).values_list("title", flat=True))
    assert titles == ["申请已办结"]
    assert OutboundMessage.objects.count() == 0
