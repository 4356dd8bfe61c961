"""A unit's back-payment (补缴) for an employee: the mode the handler decides from the case, the
months' lines by the contribution rule on each month's own parameters — equal to the calculator
to the fen across a change of limits — the late fee, one bill the unit pays, the months in the
person's record, and never twice."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from freezegun import freeze_time

from shebao.applications import services as engine
from shebao.applications.demo import SAMPLE_PDF
from shebao.applications.handlers import handler_for
from shebao.applications.models import Application
from shebao.applications.selectors import matter_for_applicant
from shebao.calculators.services import contribution_calculate
from shebao.common.errors import Conflict, InvalidInput
from shebao.common.money import from_fen
from shebao.common.periods import YearMonth
from shebao.contributions.assessment import month_assess
from shebao.contributions.dues import due_parts
from shebao.contributions.explain import line_explain
from shebao.contributions.models import BackPayment, Bill, ContributionLine
from shebao.contributions.tests.test_trueup import finalize

pytestmark = pytest.mark.django_db

MAY, JUNE, JULY = YearMonth(2020, 5), YearMonth(2020, 6), YearMonth(2020, 7)
INSURANCES = ["medical", "pension", "unemployment", "work_injury"]


@pytest.fixture
def employee(unit):
    from shebao.insurance.services import unit_injury_class_set
    from shebao.testing import make_person

    unit_injury_class_set(actor=None, unit=unit, injury_class=3, month=YearMonth(2020, 1))
    return make_person(name="孙补缴", id_no=None)


def upload(admin, application, *codes):
    for code in codes:
        engine.material_upload(
            actor=admin,
            application=application,
            code=code,
            file=SimpleUploadedFile(f"{code}.pdf", SAMPLE_PDF, "application/pdf"),
        )
    application.refresh_from_db()
    return application


def file_backpay(
    admin,
    person,
    *,
    matter="unit.staff_back_payment_recent",
    first="2020-05",
    last="2020-07",
    base="2000.00",
    materials=("labour_contract", "wage_records"),
    commitment=False,
    **extra,
):
    found = matter_for_applicant(actor=admin, code=matter)
    application, _ = engine.application_create(
        actor=admin,
        matter=found,
        data={
            "subject_id_number": person.id_number,
            "subject_name": person.name,
            "start_month": first,
            "end_month": last,
            "base": base,
            **({"back_reason": "missed"} if matter.endswith("_recent") else {"reason": "漏报"}),
            **extra,
        },
    )
    application = upload(admin, application, *materials)
    return engine.application_submit(
        actor=admin,
        application=application,
        version=application.version,
        commitment_accepted=commitment,
    )


def approve(reviewer, application):
    application = engine.application_accept(
        actor=reviewer, application=application, version=application.version
    )
    return engine.application_approve(
        actor=reviewer, application=application, version=application.version
    )


def fee(amount: Decimal, days: int) -> Decimal:
    """The late fee at 0.05% a day (Social Insurance Law art. 86), rounded to the fen."""
    return (amount * Decimal("0.0005") * days).quantize(Decimal("0.01"), ROUND_HALF_UP)


def test_the_last_three_months_are_back_paid_directly_by_each_months_own_limits(
    jilin, unit, admin, reviewer, employee
):
    finalize()  # 2020 H2 limits published: floor 2,900 from July (H1: 2,767)
    with freeze_time("2020-08-10 10:00:00+08:00"):
        application = file_backpay(admin, employee)
        assert application.acceptance_mode == "direct"

        approved = approve(reviewer, application)

        assert approved.status == "completed"
        record = BackPayment.objects.get(application=approved)
        bill = record.bill
        assert (bill.kind, bill.number, bill.month) == (
            "backpay",
            f"BJ202008{approved.pk:010d}",
            YearMonth(2020, 8),
        )
        lines = list(
            ContributionLine.objects.filter(person=employee).order_by("month", "insurance")
        )
        assert [(x.month, x.insurance) for x in lines] == [
            (m, i) for m in (MAY, JUNE, JULY) for i in INSURANCES
        ]
        assert {x.bill_id for x in lines} == {bill.pk}
        # Each month by its own limits: below the floor, the base is the month's floor.
        assert {x.month: x.base_fen for x in lines} == {MAY: 276700, JUNE: 276700, JULY: 290000}
        for line in lines:
            calculated = contribution_calculate(
                region="220200", month=line.month, wage=Decimal("2000"), injury_class=3
            )
            (share,) = [x for x in calculated.lines if x.insurance == line.insurance]
            assert (from_fen(line.base_fen), from_fen(line.unit_fen)) == (
                calculated.base,
                share.unit,
            )
            assert from_fen(line.individual_fen) == share.individual
            assert line_explain(line).matches
        assert bill.unit_total_fen == sum(x.unit_fen for x in lines)
        assert bill.individual_total_fen == sum(x.individual_fen for x in lines)
        assert bill.line_count == 12
        # The late fee of each month from the day after it was payable by (its last day) to the
        # day before the bill: May 70 days, June 40, July 9.
        month_total = {
            m: from_fen(sum(x.unit_fen + x.individual_fen for x in lines if x.month == m))
            for m in (MAY, JUNE, JULY)
        }
        expected = (
            fee(month_total[MAY], 70) + fee(month_total[JUNE], 40) + fee(month_total[JULY], 9)
        )
        assert from_fen(bill.backpay_late_fee_fen) == expected > 0
        due = due_parts(bill, on=date(2020, 8, 10))
        assert due.due_fen == bill.total_fen + bill.backpay_late_fee_fen
        assert approved.events.get(action="approve").data["effect"]["bill"] == bill.number


def test_the_back_paid_months_enter_the_record_once_the_bill_is_paid(
    jilin, unit, admin, reviewer, employee
):
    from shebao.contributions.history import pension_months
    from shebao.payments.services import counter_pay
    from shebao.testing import make_finance_staff, staff_actor

    with freeze_time("2020-08-10 10:00:00+08:00"):
        approve(reviewer, file_backpay(admin, employee))
        bill = Bill.objects.get(kind="backpay")
        assert pension_months(person=employee).count == 0
        finance = staff_actor(make_finance_staff(districts=("220202",)))
        counter_pay(
            actor=finance,
            bill=bill,
            amount=due_parts(bill, on=date(2020, 8, 10)).amount,
            slip="BP1",
        )
        bill.refresh_from_db()
        assert bill.status == "paid"
        counted = pension_months(person=employee)
        assert (counted.count, counted.unpaid) == (3, 0)


def test_a_second_case_for_the_same_months_is_refused_and_a_reapproval_writes_nothing(
    jilin, unit, admin, reviewer, employee
):
    with freeze_time("2020-08-10 10:00:00+08:00"):
        approved = approve(reviewer, file_backpay(admin, employee))
        effect = handler_for(approved).on_approved(approved, reviewer)
        assert effect["bill"] == Bill.objects.get(kind="backpay").number
        assert (Bill.objects.filter(kind="backpay").count(), ContributionLine.objects.count()) == (
            1,
            12,
        )
        with pytest.raises(InvalidInput) as caught:
            file_backpay(admin, employee, first="2020-07", last="2020-07")
        assert caught.value.code == "BACKPAY_MONTHS_ALREADY_PAID"
        assert "2020年7月" in caught.value.message
        assert ContributionLine.objects.count() == 12


def test_two_open_cases_for_the_same_month_the_second_approval_is_refused(
    jilin, unit, admin, reviewer, employee
):
    with freeze_time("2020-08-10 10:00:00+08:00"):
        first = file_backpay(admin, employee)
        second = file_backpay(admin, employee, first="2020-07", last="2020-07")
        approve(reviewer, first)
        with pytest.raises(Conflict) as caught:
            approve(reviewer, second)
        assert caught.value.code == "BACKPAY_MONTHS_ALREADY_PAID"
        second.refresh_from_db()
        assert second.status == "accepted"
        assert Bill.objects.filter(kind="backpay").count() == 1


def test_a_case_outside_the_matter_is_refused_before_anything_is_written(
    jilin, unit, admin, employee
):
    with freeze_time("2020-08-10 10:00:00+08:00"):
        with pytest.raises(InvalidInput) as caught:
            file_backpay(admin, employee, first="2020-03", last="2020-07")
        assert caught.value.code == "BACKPAY_OTHER_MATTER"
        with pytest.raises(InvalidInput) as caught:
            file_backpay(
                admin,
                employee,
                first="2011-01",
                last="2011-03",
                matter="unit.staff_back_payment_over_3y",
            )
        assert caught.value.code == "BACKPAY_BEFORE_2011_07"
        assert not Application.objects.exists() and not ContributionLine.objects.exists()


def test_a_temporary_account_is_back_paid_on_the_units_commitment_without_materials(
    jilin, unit, admin, reviewer, employee
):
    with freeze_time("2021-03-15 10:00:00+08:00"):
        application = file_backpay(
            admin,
            employee,
            matter="unit.back_payment_temporary_account",
            first="2020-05",
            last="2020-08",
            materials=(),
            commitment=True,
        )
        assert application.acceptance_mode == "commitment"
        assert application.commitment_signed_at is not None
        approve(reviewer, application)
        assert ContributionLine.objects.filter(person=employee).count() == 16


def test_more_than_three_years_is_accepted_with_materials_missing(
    jilin, unit, admin, reviewer, employee
):
    with freeze_time("2024-06-12 10:00:00+08:00"):
        application = file_backpay(
            admin,
            employee,
            matter="unit.staff_back_payment_over_3y",
            first="2020-01",
            last="2023-12",
            materials=("back_payment_form", "subject_id_card"),
        )
        assert application.acceptance_mode == "tolerance"
        accepted = engine.application_accept(
            actor=reviewer, application=application, version=application.version
        )
        assert sorted(accepted.deferred.values_list("code", flat=True)) == [
            "labour_contract",
            "wage_records",
        ]


def test_the_months_assessment_rerun_leaves_the_back_payment_to_its_own_bill(
    jilin, unit, admin, reviewer, employee
):
    from shebao.contributions.tests.conftest import enrol

    enrol(unit, "刘一")
    with freeze_time("2020-08-10 10:00:00+08:00"):
        month_assess(region=jilin, month=JULY)
        approve(reviewer, file_backpay(admin, employee))
        backpay = Bill.objects.get(kind="backpay")
        month_assess(region=jilin, month=JULY)
        july = Bill.objects.get(kind="monthly", month=JULY, unit=unit)
        assert july.line_count == 4
        assert july.unit_total_fen == sum(
            ContributionLine.objects.filter(bill=july).values_list("unit_fen", flat=True)
        )
        again = Bill.objects.get(pk=backpay.pk)
        assert (again.line_count, again.unit_total_fen) == (
            backpay.line_count,
            backpay.unit_total_fen,
        )


def test_the_unit_applies_on_the_pages_sees_the_mode_and_then_its_bill(
    jilin, unit, reviewer, employee
):
    from shebao.testing import make_member, pdf, signed_in

    user = make_member(unit, "admin")
    client = signed_in(user, f"unit:{unit.pk}")
    form = {
        "subject_id_number": employee.id_number,
        "subject_name": employee.name,
        "start_month": "2020-05",
        "end_month": "2020-07",
        "base": "2000.00",
        "back_reason": "missed",
    }
    with freeze_time("2020-08-10 10:00:00+08:00"):
        new = "/applications/new/unit.staff_back_payment_recent/"
        assert client.get(new).status_code == 200
        refused = client.post(new, {**form, "start_month": "2020-03"})
        assert refused.status_code == 422
        assert "请按职工的账户类别办理" in refused.content.decode()
        assert not Application.objects.exists()

        saved = client.post(new, form)
        assert saved.status_code == 302
        application = Application.objects.get()
        page = client.get(saved["Location"]).content.decode()
        assert "直接办理" in page and "近三个月" in page
        for code in ("labour_contract", "wage_records"):
            client.post(
                f"/applications/{application.number}/materials/", {"code": code, "file": pdf()}
            )
        application.refresh_from_db()
        submitted = client.post(
            f"/applications/{application.number}/submit/", {"version": application.version}
        )
        assert submitted.status_code == 302
        application.refresh_from_db()
        assert (application.status, application.acceptance_mode) == ("submitted", "direct")

        approve(reviewer, application)

        bill = Bill.objects.get(kind="backpay")
        page = client.get(f"/applications/{application.number}/").content.decode()
        assert bill.number in page and f"/bills/{bill.number}/" in page
        shown = client.get(f"/contributions/bills/{bill.number}/")
        assert shown.status_code == 200
        assert "2020年5月" in shown.content.decode() or "2020-05" in shown.content.decode()
        line = ContributionLine.objects.filter(bill=bill).order_by("month", "insurance").first()
        assert client.get(f"/contributions/bills/{bill.number}/lines/{line.pk}/").status_code == 200
        assert client.get(f"/contributions/bills/{bill.number}.pdf").status_code == 200
        assert client.get(f"/contributions/bills/{bill.number}.xlsx").status_code == 200
        from shebao.contributions.tests.test_bills import api

        get = api(user, f"unit:{unit.pk}")
        trace = get(f"/api/v1/bills/{bill.number}/lines/{line.pk}/trace")
        assert trace.status_code == 200
        body = get(f"/api/v1/bills/{bill.number}").json()
        assert len(body["lines"]) == 12
        assert body["late_fee"] == f"{from_fen(bill.backpay_late_fee_fen):.2f}"
