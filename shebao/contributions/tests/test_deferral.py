"""Deferral (缓缴): a self-paying person's application under the phased deferral policy (seed 000)
and a unit's under Beijing's emergency measure (seed 003). The day a bill is payable by moves to
the bound the record in force gives; inside it no late fee runs and the bill is not in arrears;
each bill keeps a record of the move and why."""

from __future__ import annotations

from datetime import date

import pytest
from freezegun import freeze_time

from shebao.accounts.actors import actor_for
from shebao.applications import services as engine
from shebao.catalogue.models import Matter
from shebao.common.errors import Conflict
from shebao.common.periods import YearMonth
from shebao.contributions.deferrals import deferral_windows
from shebao.contributions.dues import bill_state, due_parts
from shebao.contributions.models import Bill, BillDeferral
from shebao.testing import make_bill, make_individual, make_member, make_staff, make_unit

pytestmark = pytest.mark.django_db

BEIJING, JILIN = "110000", "220200"


def reviewer_of(district: str, department: str = "registration"):
    from shebao.accounts.capabilities import capability_grant_defaults
    from shebao.accounts.models import StaffProfile

    user = make_staff(districts=(district,))
    StaffProfile.objects.filter(user=user).update(department_id=department)
    capability_grant_defaults(staff=StaffProfile.objects.get(user=user))
    return actor_for(user, "staff")


def file(actor, code: str, data: dict):
    matter = Matter.objects.get(code=code)
    application, _ = engine.application_create(actor=actor, matter=matter, data=data)
    return engine.application_submit(
        actor=actor, application=application, version=application.version
    )


def approve(application):
    staff = reviewer_of(application.district_id, application.department_id)
    accepted = engine.application_accept(
        actor=staff, application=application, version=application.version
    )
    return engine.application_approve(actor=staff, application=accepted, version=accepted.version)


# --- the rule: what the records in force let be deferred -----------------------------------------


def test_the_windows_come_from_the_records_in_force_on_the_day(hall):
    # Beijing, 2020-02-10: the emergency measure extends January and February to 31 March, for
    # units and self-payers; the national phased policy is not published yet.
    (unit_window,) = deferral_windows(region=BEIJING, payer_kind="unit", on=date(2020, 2, 10))
    assert unit_window.months == {YearMonth(2020, 1), YearMonth(2020, 2)}
    assert unit_window.until == date(2020, 3, 31)
    assert "北京市" in unit_window.title and "2020年1月31日" in unit_window.source

    # Jilin, 2020-04-15: no collection extension; the national policy lets a self-payer defer
    # 2020's pension contributions until the end of 2021, and a unit nothing.
    (own,) = deferral_windows(region=JILIN, payer_kind="self", on=date(2020, 4, 15))
    assert (own.first, own.last, own.until) == (
        YearMonth(2020, 1),
        YearMonth(2020, 12),
        date(2021, 12, 31),
    )
    assert "人社部发〔2020〕49号" in own.source
    assert deferral_windows(region=JILIN, payer_kind="unit", on=date(2020, 4, 15)) == []
    # After the record's period nothing is open.
    assert deferral_windows(region=JILIN, payer_kind="self", on=date(2022, 1, 1)) == []


# --- the individual's application ----------------------------------------------------------------


@pytest.fixture
def flexible(hall):
    return make_individual(name="周灵")


def test_a_person_defers_their_own_bill_and_no_late_fee_runs_inside_the_deferral(flexible):
    person = flexible.person
    march = make_bill(person=person, month=YearMonth(2020, 3), unit_fen=0, individual_fen=92_240,
                      region=JILIN, due_date=date(2020, 3, 31))  # fmt: skip
    with freeze_time("2020-04-15 10:00:00+08:00"):
        # In arrears since April: the late fee runs.
        assert due_parts(march, on=date(2020, 4, 15)).late_fee_fen > 0
        application = file(
            actor_for(flexible, "individual"),
            "person.contribution_deferral",
            {"start_month": "2020-03", "end_month": "2020-03", "deferral_reason": "income_loss"},
        )
        done = approve(application)

    assert done.status == "completed"
    march.refresh_from_db()
    assert march.deferred_to == date(2021, 12, 31)
    assert march.status == Bill.Status.UNPAID
    (record,) = BillDeferral.objects.filter(bill=march)
    assert (record.payable_before, record.deferred_to) == (date(2020, 3, 31), date(2021, 12, 31))
    assert record.application_id == done.pk and "缓缴" in record.basis
    # Inside the deferral: not in arrears, no late fee (the days before it included).
    inside = due_parts(march, on=date(2021, 12, 31))
    assert (inside.late_fee_fen, inside.due_fen, inside.arrears) == (0, 92_240, False)
    assert bill_state(march, on=date(2021, 12, 31)) == Bill.Status.UNPAID
    # After it, the fee runs from the day after the new payable day: 2 days in January 2022.
    after = due_parts(march, on=date(2022, 1, 2))
    assert after.late_fee_fen == 92  # 922.40 × 0.05% × 2 = 0.9224
    assert after.arrears


def test_a_month_without_a_bill_or_outside_the_policy_is_refused_and_nothing_changes(flexible):
    person = flexible.person
    december = make_bill(person=person, month=YearMonth(2019, 12), region=JILIN,
                         due_date=date(2019, 12, 31))  # fmt: skip
    actor = actor_for(flexible, "individual")
    matter = Matter.objects.get(code="person.contribution_deferral")
    with freeze_time("2020-04-15 10:00:00+08:00"):
        for months, code in (
            (("2019-12", "2019-12"), "DEFERRAL_NOT_COVERED"),  # 2019 is outside the policy
            (("2020-05", "2020-05"), "DEFERRAL_NO_BILL"),  # not issued yet
        ):
            application, _ = engine.application_create(
                actor=actor,
                matter=matter,
                data={"start_month": months[0], "end_month": months[1], "deferral_reason": "other"},
            )
            with pytest.raises(Conflict) as refused:
                engine.application_submit(
                    actor=actor, application=application, version=application.version
                )
            assert refused.value.code == code
            application.refresh_from_db()
            assert application.status == "draft"
    december.refresh_from_db()
    assert december.deferred_to is None
    assert not BillDeferral.objects.exists()


def test_a_unit_cannot_file_the_personal_deferral(hall):
    unit = make_unit()
    admin = make_member(unit, "admin")
    actor = actor_for(admin, f"unit:{unit.pk}")
    from shebao.common.errors import DomainError

    with pytest.raises(DomainError):
        engine.application_create(
            actor=actor,
            matter=Matter.objects.get(code="person.contribution_deferral"),
            data={"start_month": "2020-03", "end_month": "2020-03", "deferral_reason": "other"},
        )


# --- a unit's deferral under Beijing's emergency measure ------------------------------------------


def test_a_beijing_unit_defers_january_and_february_to_the_end_of_march(hall):
    unit = make_unit(name="北京朝阳测试有限公司", district="110105")
    admin = actor_for(make_member(unit, "admin"), f"unit:{unit.pk}")
    # Assessed before the measure was published: payable by the end of each month.
    january = make_bill(unit=unit, month=YearMonth(2020, 1), region=BEIJING,
                        due_date=date(2020, 1, 31))  # fmt: skip
    february = make_bill(unit=unit, month=YearMonth(2020, 2), region=BEIJING,
                         due_date=date(2020, 2, 29))  # fmt: skip
    with freeze_time("2020-02-10 10:00:00+08:00"):
        application = file(
            admin, "unit.contribution_deferral", {"start_month": "2020-01", "end_month": "2020-02"}
        )
        done = approve(application)
        # The same application approved again is refused by the engine: one effect.
        with pytest.raises(Conflict) as again:
            engine.application_approve(
                actor=reviewer_of(done.district_id, done.department_id),
                application=done,
                version=done.version,
            )
        assert again.value.code == "APPLICATION_INVALID_TRANSITION"

    for bill in (january, february):
        bill.refresh_from_db()
        assert bill.deferred_to == date(2020, 3, 31)
        assert bill.deferrals.count() == 1
        due = due_parts(bill, on=date(2020, 3, 31))
        assert (due.late_fee_fen, due.arrears) == (0, False)
    assert done.status == "completed"


def test_a_unit_outside_any_measure_or_a_month_not_extended_is_refused(hall):
    jilin_unit = make_unit()
    admin = actor_for(make_member(jilin_unit, "admin"), f"unit:{jilin_unit.pk}")
    make_bill(unit=jilin_unit, month=YearMonth(2020, 1), region=JILIN, due_date=date(2020, 1, 31))
    beijing_unit = make_unit(name="北京海淀测试有限公司", district="110108")
    beijing_admin = actor_for(make_member(beijing_unit, "admin"), f"unit:{beijing_unit.pk}")
    make_bill(unit=beijing_unit, month=YearMonth(2020, 3), region=BEIJING,
              due_date=date(2020, 3, 31))  # fmt: skip
    make_bill(unit=beijing_unit, month=YearMonth(2020, 1), region=BEIJING,
              due_date=date(2020, 3, 31))  # fmt: skip
    matter = Matter.objects.get(code="unit.contribution_deferral")
    cases = (
        (admin, "2020-01", "DEFERRAL_NOT_COVERED"),  # Jilin: no extension for units
        (beijing_admin, "2020-03", "DEFERRAL_NOT_COVERED"),  # March is not extended
        (beijing_admin, "2020-01", "DEFERRAL_NOT_LATER"),  # assessed with the extension already
    )
    with freeze_time("2020-02-10 10:00:00+08:00"):
        for actor, month, code in cases:
            application, _ = engine.application_create(
                actor=actor, matter=matter, data={"start_month": month, "end_month": month}
            )
            with pytest.raises(Conflict) as refused:
                engine.application_submit(
                    actor=actor, application=application, version=application.version
                )
            assert refused.value.code == code, month
    assert not Bill.objects.filter(deferred_to__isnull=False).exists()


# --- the page ------------------------------------------------------------------------------------


def test_the_bill_page_shows_the_deferral_and_no_late_fee(flexible):
    from shebao.testing import signed_in

    person = flexible.person
    march = make_bill(person=person, month=YearMonth(2020, 3), unit_fen=0, individual_fen=92_240,
                      region=JILIN, due_date=date(2020, 3, 31))  # fmt: skip
    with freeze_time("2020-04-15 10:00:00+08:00"):
        done = approve(
            file(
                actor_for(flexible, "individual"),
                "person.contribution_deferral",
                {"start_month": "2020-03", "end_month": "2020-03", "deferral_reason": "other"},
            )
        )
    with freeze_time("2021-06-01 10:00:00+08:00"):
        client = signed_in(flexible, "individual")
        page = client.get(f"/contributions/bills/{march.number}/").content.decode()
        assert "缓缴至 2021年12月31日" in page
        assert "滞纳金" not in page
        result = client.get(f"/applications/{done.number}/").content.decode()
        assert "缓缴结果" in result and "2021-12-31" in result
