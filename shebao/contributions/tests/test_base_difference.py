"""单位申报基数差补缴 (seed 003): a unit declares, for past months assessed and named employees, the
wage it should have declared; each month × insurance is computed again by the contribution rule
on the month's parameters, and the upward difference — with each month's late fee — is written
as adjustment lines on one back-payment bill the unit pays. A lower base is a refund matter and
is refused; the months' base records are corrected, so a later true-up carries nothing back."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from freezegun import freeze_time

from shebao.applications import services as engine
from shebao.applications.handlers import handler_for
from shebao.applications.selectors import matter_for_applicant
from shebao.calculators.services import contribution_calculate
from shebao.common.errors import Conflict, DomainError
from shebao.common.money import from_fen, to_fen
from shebao.common.periods import YearMonth
from shebao.contributions.assessment import month_assess
from shebao.contributions.dues import amount_due, due_parts
from shebao.contributions.explain import adjustment_explain
from shebao.contributions.models import (
    BackPayment,
    Bill,
    ContributionAdjustment,
    ContributionBase,
)
from shebao.contributions.tests.test_backpay import approve, fee, upload
from shebao.testing import make_finance_staff, signed_in, staff_actor

pytestmark = pytest.mark.django_db

MAY, JUNE, JULY = YearMonth(2020, 5), YearMonth(2020, 6), YearMonth(2020, 7)
MATTER = "unit.base_difference_back_payment"
INSURANCES = ("medical", "pension", "unemployment", "work_injury")
TODAY = "2020-08-10 10:00:00+08:00"


def roster(*rows):
    return "\n".join(f"{p.id_number} {name or p.name} {wage}" for p, wage, name in rows)


def file_difference(admin, rows, *, first="2020-05", last="2020-06", count=None, client_key=""):
    found = matter_for_applicant(actor=admin, code=MATTER)
    application, created = engine.application_create(
        actor=admin,
        matter=found,
        data={
            "start_month": first,
            "end_month": last,
            "staff_count": len(rows) if count is None else count,
            "roster": roster(*rows),
            "reason": "2020年度缴费基数申报偏低，按实际工资补差",
        },
        client_key=client_key,
    )
    if not created:
        return application
    application = upload(admin, application, "difference_roster")
    return engine.application_submit(
        actor=admin, application=application, version=application.version
    )


def pay(bill: Bill, on: date) -> None:
    from shebao.payments.services import counter_pay

    finance = staff_actor(make_finance_staff(districts=("220202",)))
    counter_pay(actor=finance, bill=bill, amount=amount_due(bill, on), slip=f"D{bill.pk}")


@pytest.fixture
def assessed(jilin, city):
    """The unit's May to July 2020 assessed; 刘一 declared at 5,000, 陈二 at 20,000 (above the
    ceiling), 张三 never declared (the floor)."""
    with freeze_time(TODAY):
        for month in (MAY, JUNE, JULY):
            month_assess(region=jilin, month=month)
    return city


@freeze_time(TODAY)
def test_the_upward_difference_is_back_paid_by_each_months_rule_with_the_late_fee(
    assessed, admin, reviewer
):
    a, _b, c = assessed["staff"]
    done = approve(reviewer, file_difference(admin, [(a, "8000", None), (c, "3500.50", None)]))

    assert done.status == "completed"
    record = BackPayment.objects.get(application=done)
    bill = record.bill
    assert (bill.kind, bill.payer_kind, bill.unit_id, bill.month) == (
        "backpay",
        "unit",
        admin.unit.pk,
        YearMonth(2020, 8),
    )
    rows = list(ContributionAdjustment.objects.filter(bill=bill).order_by("month", "person_id"))
    assert len(rows) == 2 * 2 * len(INSURANCES)  # two employees × two months × four insurances
    for row in rows:
        old_wage, new_wage = ("5000", "8000") if row.person_id == a.pk else ("0", "3500.50")
        before = contribution_calculate(
            region="220200", month=row.month, wage=Decimal(old_wage), injury_class=3
        )
        after = contribution_calculate(
            region="220200", month=row.month, wage=Decimal(new_wage), injury_class=3
        )
        (old,) = [x for x in before.lines if x.insurance == row.insurance]
        (new,) = [x for x in after.lines if x.insurance == row.insurance]
        assert (row.cause, from_fen(row.base_fen)) == ("base_diff", after.base)
        assert from_fen(row.unit_diff_fen) == new.unit - old.unit
        assert from_fen(row.individual_diff_fen) == new.individual - old.individual
        assert row.line.bill.kind == "monthly" and row.line.month == row.month
        # Each difference explains itself: the rule on the old and the new, to the fen.
        assert adjustment_explain(row).matches
    # 张三 was at the floor (2,767.00); 3,500.50 is above it — Jilin rounds a base to whole
    # yuan — and 刘一's 8,000 is within the limits.
    assert {from_fen(r.base_fen) for r in rows if r.person_id == c.pk} == {Decimal("3501.00")}
    assert bill.adjustment_unit_fen == sum(r.unit_diff_fen for r in rows) > 0
    assert bill.adjustment_individual_fen == sum(r.individual_diff_fen for r in rows) > 0
    assert (bill.adjustment_count, bill.unit_total_fen, bill.line_count) == (16, 0, 0)
    # Each month's late fee on its difference, from the day after it was payable by to the
    # day before the bill: May 70 days, June 40 (as the back-payments of whole months).
    month_diff = {m: from_fen(sum(r.diff_fen for r in rows if r.month == m)) for m in (MAY, JUNE)}
    assert from_fen(bill.backpay_late_fee_fen) == fee(month_diff[MAY], 70) + fee(
        month_diff[JUNE], 40
    )
    due = due_parts(bill, on=date(2020, 8, 10))
    assert due.due_fen == bill.total_fen + bill.backpay_late_fee_fen
    result = handler_for(done).result_context(done)
    assert result["bill"] == bill.number and result["lines"] == 16
    outcome = signed_in(admin.user, f"unit:{admin.unit.pk}").get(f"/applications/{done.number}/")
    assert bill.number in outcome.content.decode() and "基数差补缴" in outcome.content.decode()


@freeze_time(TODAY)
def test_the_base_records_are_corrected_and_a_true_up_carries_nothing_back(
    assessed, admin, reviewer
):
    from shebao.contributions.trueup import Scope, adjust_months
    from shebao.registry.models import Region

    a, _b, _c = assessed["staff"]
    approve(reviewer, file_difference(admin, [(a, "8000", None)]))
    records = list(
        ContributionBase.objects.filter(person=a, superseded_at__isnull=True)
        .order_by("valid_from")
        .values_list("valid_from", "valid_to", "wage_fen")
    )
    assert records == [
        (YearMonth(2020, 1), YearMonth(2020, 4), 500_000),
        (MAY, JUNE, 800_000),
        (JULY, None, 500_000),
    ]
    before = ContributionAdjustment.objects.count()
    written = adjust_months(
        region=Region.objects.get(code="220200"),
        months=[MAY, JUNE, JULY],
        into=JULY,
        cause="base",
        scope=Scope(unit_id=admin.unit.pk, person_ids=(a.pk,)),
    )
    assert written == 0 and ContributionAdjustment.objects.count() == before


@freeze_time(TODAY)
def test_the_months_show_paid_with_the_new_base_once_the_bills_are_paid(assessed, admin, reviewer):
    from shebao.contributions.history import unit_employee_history

    a, _b, _c = assessed["staff"]
    for month in (MAY, JUNE):
        pay(Bill.objects.get(unit=admin.unit, month=month, kind="monthly"), date(2020, 8, 10))
    bill = BackPayment.objects.get(
        application=approve(reviewer, file_difference(admin, [(a, "8000", None)]))
    ).bill

    def months():
        found = unit_employee_history(
            actor=admin, unit=admin.unit, person_id=a.pk, first=MAY, last=JUNE
        )
        return {m.month: (m.paid, m.cells["pension"].base_fen) for m in found.months}

    assert months() == {MAY: (False, 800_000), JUNE: (False, 800_000)}
    pay(bill, date(2020, 8, 10))
    bill.refresh_from_db()
    assert bill.status == Bill.Status.PAID
    assert months() == {MAY: (True, 800_000), JUNE: (True, 800_000)}
    page = signed_in(admin.user, f"unit:{admin.unit.pk}").get(
        f"/contributions/bills/{bill.number}/"
    )
    assert page.status_code == 200 and "补缴月份滞纳金" in page.content.decode()


@freeze_time(TODAY)
def test_a_lower_base_nothing_to_pay_or_months_not_assessed_are_refused(
    assessed, admin, other_person
):
    a, b, _c = assessed["staff"]
    for rows, extra, code in (
        ([(a, "4000", None)], {}, "BASEDIFF_NOT_UPWARD"),  # a refund matter
        ([(b, "25000", None)], {}, "BASEDIFF_NOTHING"),  # already at the ceiling
        ([(a, "8000", None)], {"first": "2020-04"}, "BASEDIFF_MONTH_NOT_ASSESSED"),
        ([(other_person, "8000", None)], {}, "BASEDIFF_MONTH_NOT_ASSESSED"),
        ([(a, "8000", "刘二")], {}, "SUBJECT_NAME_MISMATCH"),
        ([(a, "8000", None)], {"count": 2}, "BASEDIFF_STAFF_COUNT_MISMATCH"),
        ([(a, "8000", None)], {"last": "2020-08"}, "BACKPAY_MONTH_NOT_PAST"),
    ):
        with pytest.raises(DomainError) as refused:
            file_difference(admin, rows, **extra)
        assert refused.value.code == code, (rows, extra)
    with pytest.raises(DomainError) as lower:
        file_difference(admin, [(a, "4000", None)])
    assert "退费" in lower.value.message
    assert not BackPayment.objects.exists()
    assert not Bill.objects.filter(kind="backpay").exists()
    assert not ContributionAdjustment.objects.exists()
    assert ContributionBase.objects.filter(person=a).count() == 1


@freeze_time(TODAY)
def test_a_repeated_submission_or_approval_writes_one_bill(assessed, admin, reviewer):
    a, _b, _c = assessed["staff"]
    first = file_difference(admin, [(a, "8000", None)], client_key="diff-1")
    again = file_difference(admin, [(a, "8000", None)], client_key="diff-1")
    assert again.pk == first.pk
    done = approve(reviewer, first)
    with pytest.raises(Conflict):
        engine.application_approve(actor=reviewer, application=done, version=done.version)
    # The same difference again: nothing left to back-pay.
    with pytest.raises(DomainError) as twice:
        file_difference(admin, [(a, "8000", None)])
    assert twice.value.code == "BASEDIFF_NOTHING"
    assert Bill.objects.filter(kind="backpay").count() == 1
    assert ContributionAdjustment.objects.count() == 8


@freeze_time(TODAY)
def test_the_reviewer_sees_each_month_and_insurance(assessed, admin, reviewer):
    a, _b, _c = assessed["staff"]
    submitted = file_difference(admin, [(a, "8000", None)])
    context = handler_for(submitted).reviewer_context(submitted)
    plan = context["plan"]
    assert [m.month for m in plan.months] == [MAY, JUNE]
    pension = next(x for x in plan.months[0].lines if x.insurance == "pension")
    # Pension: 16% of the unit's and 8% of the employee's on 3,000 more.
    assert (pension.old_base_fen, pension.base_fen) == (500_000, 800_000)
    assert (pension.unit_diff_fen, pension.individual_diff_fen) == (to_fen(Decimal("480")), 24_000)
    client = signed_in(reviewer.user, "staff")
    page = client.get(f"/applications/{submitted.number}/").content.decode()
    assert "基数差补缴核对" in page and "8,000.00" in page and "480.00" in page
