"""Dispute cases: parties from the registry, the statutory limits kept on the case, every
action of the one transitions table, refusals that write nothing, the 12333 seat's entry."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone
from freezegun import freeze_time

from shebao.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from shebao.disputes import selectors, services
from shebao.disputes.models import DisputeCase, DisputeEvent
from shebao.testing import act, id_number, signed_in, staff_actor, unit_actor

pytestmark = pytest.mark.django_db


def _input(world, **overrides):
    values = {
        "counterpart": world.unit.credit_code,
        "dispute_type": "wages",
        "claims": "支付拖欠工资3,000.00元",
        "facts": "单位拖欠2024年5月工资",
    }
    values.update(overrides)
    return services.DisputeInput(**values)


def _file(world, kind="mediation", key="k1", **overrides):
    return services.dispute_file(
        actor=act(world.worker), kind=kind, data=_input(world, **overrides), submission_key=key
    )


def _hearing(days: int) -> datetime:
    return timezone.make_aware(
        datetime.combine(timezone.localdate() + timedelta(days=days), time(9))
    )


@freeze_time("2024-06-03 10:00:00+08:00")
def test_a_mediation_request_against_a_unit_of_the_registry_runs_fifteen_days(world):
    case, created = _file(world)

    assert created is True
    assert (case.kind, case.status, case.applicant_role) == ("mediation", "submitted", "worker")
    assert (case.worker_id_number, case.unit, case.district_id) == (
        world.worker.person.id_number,
        world.unit,
        "220202",
    )
    assert (case.received_on, case.due_on) == (date(2024, 6, 3), date(2024, 6, 18))
    assert case.number == f"TJ20240603{case.pk:010d}"
    assert list(case.events.values_list("action", "to_status")) == [("file", "submitted")]


def test_the_same_form_submitted_twice_files_one_case(world):
    first, created = _file(world, key="same")
    again, created_again = _file(world, key="same")

    assert (created, created_again, again.pk) == (True, False, first.pk)
    assert DisputeCase.objects.count() == 1


def test_a_dispute_against_a_unit_that_does_not_exist_is_refused_and_writes_nothing(world):
    from shebao.testing import credit_code

    with pytest.raises(InvalidInput) as refused:
        _file(world, counterpart=credit_code())

    assert refused.value.code == "DISPUTE_UNIT_NOT_FOUND"
    assert "未在本系统登记" in refused.value.message
    assert (DisputeCase.objects.count(), DisputeEvent.objects.count()) == (0, 0)


def test_the_page_refuses_an_unknown_unit_in_chinese_and_files_nothing(world):
    from shebao.testing import credit_code

    client = signed_in(world.worker, "individual")
    response = client.post(
        "/disputes/apply/mediation/",
        {
            "counterpart": credit_code(),
            "dispute_type": "wages",
            "claims": "支付工资",
            "facts": "拖欠工资",
            "submission_key": "p1",
        },
    )

    assert response.status_code == 422
    assert "未在本系统登记" in response.content.decode()
    assert DisputeCase.objects.count() == 0


def test_a_request_without_claims_is_refused(world):
    with pytest.raises(InvalidInput) as refused:
        _file(world, claims="  ")
    assert (refused.value.code, refused.value.field) == ("DISPUTE_FIELD_REQUIRED", "claims")
    assert DisputeCase.objects.count() == 0


@freeze_time("2024-06-03 10:00:00+08:00")
def test_mediation_taken_up_and_failed_lets_the_worker_go_on_to_arbitration(world):
    case, _ = _file(world)
    labour = staff_actor(world.labour)

    case = services.dispute_act(actor=labour, case=case, action="mediate")
    assert case.status == "mediating"
    with pytest.raises(InvalidInput) as refused:
        services.dispute_act(actor=labour, case=case, action="fail", note="")
    assert refused.value.code == "DISPUTE_NOTE_REQUIRED"

    case = services.dispute_act(actor=labour, case=case, action="fail", note="单位不同意支付")
    assert (case.status, case.outcome, case.closed_on) == (
        "closed",
        "no_agreement",
        date(2024, 6, 3),
    )
    assert selectors.may_arbitrate_after(case=case, today=date(2024, 6, 3)) is True
    assert list(case.events.values_list("action", flat=True)) == ["file", "mediate", "fail"]


def test_mediation_past_fifteen_days_without_agreement_is_overdue(world):
    with freeze_time("2024-06-03 10:00:00+08:00"):
        case, _ = _file(world)
        services.dispute_act(actor=staff_actor(world.labour), case=case, action="mediate")
    case.refresh_from_db()

    on_time = selectors.case_deadline(case=case, today=date(2024, 6, 18))
    late = selectors.case_deadline(case=case, today=date(2024, 6, 19))

    assert (on_time.label, on_time.due, on_time.overdue) == ("调解期限", date(2024, 6, 18), False)
    assert late.overdue is True
    assert selectors.may_arbitrate_after(case=case, today=date(2024, 6, 18)) is False
    assert selectors.may_arbitrate_after(case=case, today=date(2024, 6, 19)) is True


def test_an_arbitration_is_accepted_within_five_days_heard_and_awarded(world):
    with freeze_time("2024-06-03 10:00:00+08:00"):
        case, _ = _file(
            world, kind="arbitration", aware_date=date(2024, 5, 1), claim_amount="3000.00"
        )
        assert (case.number[:2], case.due_on, case.claim_amount_fen) == (
            "ZC",
            date(2024, 6, 8),
            300_000,
        )
        assert selectors.case_deadline(case=case, today=date(2024, 6, 9)).overdue is True
    labour = staff_actor(world.labour)
    with freeze_time("2024-06-05 10:00:00+08:00"):
        case = services.dispute_act(actor=labour, case=case, action="accept")
        assert (case.status, case.accepted_on, case.award_due_on) == (
            "accepted",
            date(2024, 6, 5),
            date(2024, 7, 20),
        )
        with pytest.raises(InvalidInput) as too_soon:
            services.dispute_act(
                actor=labour,
                case=case,
                action="schedule",
                hearing_at=_hearing(4),
                hearing_place="一庭",
            )
        assert too_soon.value.code == "DISPUTE_HEARING_TOO_SOON"
        assert "最早为 2024-06-10" in too_soon.value.message
        assert DisputeCase.objects.get(pk=case.pk).hearing_at is None

        case = services.dispute_act(
            actor=labour, case=case, action="schedule", hearing_at=_hearing(5), hearing_place="一庭"
        )
        assert (case.status, timezone.localdate(case.hearing_at)) == ("hearing", date(2024, 6, 10))
    with freeze_time("2024-06-20 10:00:00+08:00"):
        case = services.dispute_act(
            actor=labour, case=case, action="award", note="被申请人支付申请人工资3,000.00元"
        )
    assert (case.status, case.outcome, case.closed_on) == ("closed", "award", date(2024, 6, 20))
    assert list(case.events.values_list("action", flat=True)) == [
        "file",
        "accept",
        "schedule",
        "award",
    ]


def test_an_arbitration_needs_the_date_the_worker_learned_of_the_harm(world):
    with pytest.raises(InvalidInput) as refused:
        _file(world, kind="arbitration")
    assert (refused.value.code, refused.value.field) == ("DISPUTE_FIELD_REQUIRED", "aware_date")
    with pytest.raises(InvalidInput) as future:
        _file(world, kind="arbitration", aware_date=timezone.localdate() + timedelta(days=1))
    assert future.value.code == "DISPUTE_AWARE_DATE_FUTURE"
    assert DisputeCase.objects.count() == 0


def test_an_action_that_does_not_fit_the_state_is_refused(world):
    case, _ = _file(world)
    with pytest.raises(Conflict) as refused:
        services.dispute_act(actor=staff_actor(world.labour), case=case, action="award", note="x")
    assert refused.value.code == "DISPUTE_ACTION_NOT_ALLOWED"
    assert DisputeCase.objects.get(pk=case.pk).status == "submitted"


def test_only_labour_staff_of_the_units_district_handle_the_case(world):
    case, _ = _file(world)
    with pytest.raises(PermissionDenied) as other_district:
        services.dispute_act(actor=staff_actor(world.labour_there), case=case, action="mediate")
    with pytest.raises(PermissionDenied) as other_department:
        services.dispute_act(actor=staff_actor(world.seat), case=case, action="mediate")

    assert other_district.value.code == other_department.value.code == "CAPABILITY_REQUIRED"
    with pytest.raises(NotFound):
        selectors.case_for(actor=staff_actor(world.labour_there), number=case.number)
    assert selectors.case_for(actor=staff_actor(world.labour), number=case.number) == case
    assert DisputeEvent.objects.filter(case=case).count() == 1


def test_the_applicant_withdraws_and_nobody_else_may(world):
    case, _ = _file(world)
    with pytest.raises(PermissionDenied):
        services.dispute_act(actor=staff_actor(world.labour), case=case, action="withdraw")
    with pytest.raises(NotFound):
        services.dispute_act(
            actor=unit_actor(world.admin, world.unit), case=case, action="withdraw"
        )

    case = services.dispute_act(actor=act(world.worker), case=case, action="withdraw")
    assert (case.status, case.outcome) == ("closed", "withdrawn")


def test_the_respondent_unit_sees_the_case_once_taken_up(world):
    case, _ = _file(world)
    admin = unit_actor(world.admin, world.unit)
    assert list(selectors.cases_for(actor=admin)) == []

    services.dispute_act(actor=staff_actor(world.labour), case=case, action="mediate")
    assert [c.number for c in selectors.cases_for(actor=admin)] == [case.number]
    assert selectors.case_actions(actor=admin, case=case) == []


def test_a_unit_applies_against_a_worker_and_an_operator_without_the_grant_may_not(world):
    worker_id = id_number()
    case, _ = services.dispute_file(
        actor=unit_actor(world.admin, world.unit),
        kind="mediation",
        data=_input(world, counterpart=worker_id, counterpart_name="王离职"),
        submission_key="u1",
    )
    assert (case.applicant_role, case.worker_id_number, case.unit) == (
        "employer",
        worker_id,
        world.unit,
    )
    with pytest.raises(PermissionDenied) as refused:
        services.dispute_file(
            actor=unit_actor(world.operator, world.unit),
            kind="mediation",
            data=_input(world, counterpart=worker_id, counterpart_name="王离职"),
            submission_key="u2",
        )
    assert refused.value.code == "MATTER_NOT_GRANTED"
    assert DisputeCase.objects.count() == 1


def test_the_12333_seat_enters_a_callers_request_which_the_caller_then_follows(world):
    case, created = services.dispute_hotline_enter(
        actor=staff_actor(world.seat),
        caller_name=world.worker.person.name,
        caller_id_number=world.worker.person.id_number,
        caller_mobile="13943119999",
        data=_input(world),
        submission_key="h1",
    )

    assert created is True
    assert (case.channel, case.kind, case.worker_mobile, case.created_by) == (
        "hotline",
        "mediation",
        "13943119999",
        world.seat,
    )
    assert [c.number for c in selectors.cases_for(actor=act(world.worker))] == [case.number]
    page = signed_in(world.worker, "individual").get(f"/disputes/{case.number}/").content.decode()
    assert "12333 专席代为录入申请" in page and "撤回申请" in page


def test_the_12333_seat_may_not_enter_a_request_against_a_unit_outside_its_districts(world):
    with pytest.raises(PermissionDenied) as refused:
        services.dispute_hotline_enter(
            actor=staff_actor(world.labour_there),
            caller_name="刘劳动",
            caller_id_number=world.worker.person.id_number,
            caller_mobile="13943119999",
            data=_input(world),
            submission_key="h2",
        )
    assert refused.value.code == "CAPABILITY_REQUIRED"
    assert DisputeCase.objects.count() == 0


def test_staff_act_on_the_case_page(world):
    case, _ = _file(world, kind="arbitration", aware_date=date(2024, 5, 1))
    client = signed_in(world.labour, "staff")

    page = client.get(f"/disputes/{case.number}/").content.decode()
    assert "受理决定期限" in page and "不予受理" in page
    refused = client.post(f"/disputes/{case.number}/", {"action": "refuse", "note": ""})
    assert refused.status_code == 422 and "请填写不予受理的理由" in refused.content.decode()
    done = client.post(f"/disputes/{case.number}/", {"action": "accept", "note": ""})
    assert done.status_code == 302
    assert DisputeCase.objects.get(pk=case.pk).status == "accepted"


def test_the_dispute_matters_of_the_catalogue_lead_to_the_dispute_pages(world):
    from shebao.catalogue.services import catalogue_load

    catalogue_load()
    client = signed_in(world.worker, "individual")
    assert client.get("/applications/new/both.labour_mediation/")["Location"] == (
        "/disputes/apply/mediation/"
    )
    assert client.get("/applications/new/both.labour_arbitration/")["Location"] == (
        "/disputes/apply/arbitration/"
    )
