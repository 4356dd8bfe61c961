"""养老保险中断期补缴 (seed 001): a flexible worker back-pays the months of an interruption in their
pension record — each at the grade rule of the month, with interest by the back-payment interest
rule — and pays the bill through the payment channels; the months then count. Medical insurance
cannot be back-paid. Months whose arrears were cancelled (欠费注销) are back-paid at the grade
rule in force when they are back-paid, plus interest."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from freezegun import freeze_time

from shebao.accounts.actors import actor_for
from shebao.applications import services as engine
from shebao.applications.handlers import handler_for
from shebao.applications.models import Application
from shebao.catalogue.models import Matter
from shebao.common.errors import Conflict, DomainError
from shebao.common.money import to_fen
from shebao.common.periods import YearMonth
from shebao.contributions import history
from shebao.contributions.assessment import month_assess
from shebao.contributions.dues import amount_due, due_parts
from shebao.contributions.explain import line_explain
from shebao.contributions.models import BackPayment, Bill, ContributionLine
from shebao.contributions.tests.test_arrears_cancel import cancel
from shebao.contributions.tests.test_deferral import approve, reviewer_of
from shebao.testing import make_finance_staff, make_individual, signed_in, staff_actor

pytestmark = pytest.mark.django_db

JAN, FEB, MAR = YearMonth(2020, 1), YearMonth(2020, 2), YearMonth(2020, 3)
GAP = "person.flexible_gap_back_payment"
FORM = {"start_month": "2020-02", "end_month": "2020-03", "insurances": "pension"}
JILIN = "220200"


def apply(user, data=FORM, client_key=""):
    actor = actor_for(user, "individual")
    application, _ = engine.application_create(
        actor=actor, matter=Matter.objects.get(code=GAP), data=data, client_key=client_key
    )
    if application.status != "draft":
        return application
    return engine.application_submit(
        actor=actor, application=application, version=application.version
    )


def pay_at_counter(bill: Bill, on: date) -> None:
    from shebao.payments.services import counter_pay

    finance = staff_actor(make_finance_staff(districts=("220204",)))
    with freeze_time(on):
        counter_pay(actor=finance, bill=bill, amount=amount_due(bill, on), slip=f"S{bill.pk}")


@pytest.fixture
def interrupted(jilin, city):
    """The conftest's flexible worker (100% grade from 2020-01): January assessed and paid;
    February and March never assessed — an interruption."""
    month_assess(region=jilin, month=JAN)
    january = Bill.objects.get(person=city["flexible"], month=JAN)
    pay_at_counter(january, january.due_date)
    return make_individual(person=city["flexible"])


@freeze_time("2020-05-15 10:00:00+08:00")
def test_the_interruption_is_back_paid_at_each_months_grade_rule_with_interest(interrupted):
    from shebao.calculators.services import backpay_calculate, flexible_calculate

    person = interrupted.person
    done = approve(apply(interrupted))

    assert done.status == "completed"
    record = BackPayment.objects.get(application=done)
    bill = record.bill
    assert (bill.kind, bill.payer_kind, bill.person_id) == ("backpay", "self", person.pk)
    # Each month by the calculator's own rule on that month: 4,612 (whole yuan) × 20%.
    for month in (FEB, MAR):
        expected = flexible_calculate(region=JILIN, month=month, grade=100)
        line = ContributionLine.objects.get(person=person, month=month, insurance="pension")
        assert (line.bill_id, line.grade, line.base_fen, line.individual_fen) == (
            bill.pk,
            100,
            to_fen(expected.base),
            to_fen(expected.monthly),
        )
        assert line.individual_fen == 92_240 and line.unit_fen == 0
        assert line_explain(line).matches
    # Interest, paid in 2020-05: 922.40 × (5 − 2) × 6.04% ÷ 12 + 922.40 × (5 − 3) × 6.04% ÷ 12
    # = 13.9282 + 9.2855 = 23.21 (rounded once).
    interest = backpay_calculate(
        months=[(FEB, Decimal("922.40")), (MAR, Decimal("922.40"))], pay_month=YearMonth(2020, 5)
    )
    assert interest.interest == Decimal("23.21")
    assert (bill.individual_total_fen, bill.backpay_interest_fen) == (184_480, 2_321)
    assert bill.backpay_late_fee_fen == 0
    due = due_parts(bill, on=date(2020, 5, 15))
    assert (due.principal_due_fen, due.interest_fen, due.due_fen) == (184_480, 2_321, 186_801)
    # The result panel: the bill, principal and interest apart.
    result = handler_for(done).result_context(done)
    assert (result["bill"], result["principal"], result["interest"], result["total"]) == (
        bill.number,
        "1844.80",
        "23.21",
        "1868.01",
    )
    # Not paid yet: the months do not count.
    assert history.pension_months(person=person).count == 1


@freeze_time("2020-05-15 10:00:00+08:00")
def test_the_bill_is_paid_online_and_the_months_then_count(interrupted):
    from shebao.payments import localbank
    from shebao.payments.models import Payment, PaymentOrder

    person = interrupted.person
    done = approve(apply(interrupted))
    bill = BackPayment.objects.get(application=done).bill
    client = signed_in(interrupted, "individual")
    outcome = client.get(f"/applications/{done.number}/").content.decode()
    assert bill.number in outcome and "1,868.01" in outcome and "利息 23.21 元" in outcome
    shown = client.get(f"/contributions/bills/{bill.number}/").content.decode()
    assert "补缴利息" in shown and "23.21" in shown and "1,868.01" in shown
    assert client.post(f"/payments/bills/{bill.number}/pay/").status_code == 302
    order = PaymentOrder.objects.get(bill=bill)
    assert order.amount_fen == 186_801  # principal and interest
    localbank.notice_send(order)
    bill.refresh_from_db()
    assert bill.status == Bill.Status.PAID
    assert Payment.objects.get(bill=bill).amount_fen == 186_801
    counted = history.pension_months(person=person)
    assert (counted.count, counted.unpaid) == (3, 0)
    page = signed_in(interrupted, "individual").get("/contributions/me/?from=2020-01&to=2020-03")
    assert page.content.decode().count(bill.number) >= 2


@freeze_time("2020-05-15 10:00:00+08:00")
def test_medical_insurance_paid_or_open_months_and_a_non_flexible_person_are_refused(
    interrupted, city, jilin
):
    from shebao.applications.formschema import ApplicationDataInvalid

    for data, code in (
        ({**FORM, "insurances": "medical"}, "GAP_BACKPAY_MEDICAL_REFUSED"),
        ({**FORM, "insurances": "all"}, "GAP_BACKPAY_MEDICAL_REFUSED"),
        ({**FORM, "start_month": "2020-01"}, "GAP_BACKPAY_MONTHS_PAID"),
        ({**FORM, "end_month": "2020-05"}, "BACKPAY_MONTH_NOT_PAST"),
        ({**FORM, "start_month": "2020-04", "end_month": "2020-03"}, "MONTHS_REVERSED"),
    ):
        with pytest.raises((DomainError, ApplicationDataInvalid)) as refused:
            apply(interrupted, data)
        error = refused.value
        assert getattr(error, "code", None) == code or code in str(getattr(error, "errors", ""))
    medical = pytest.raises(DomainError)
    with medical as refused:
        apply(interrupted, {**FORM, "insurances": "medical"})
    assert "中断的医疗保险不能补缴" in refused.value.message
    # February assessed and not paid: paid from its own bill, not back-paid.
    month_assess(region=jilin, month=FEB)
    with pytest.raises(DomainError) as open_month:
        apply(interrupted, FORM)
    assert open_month.value.code == "GAP_BACKPAY_MONTHS_OPEN"
    # An employee of a unit is not a flexible worker.
    employee = make_individual(person=city["staff"][0])
    with pytest.raises(DomainError) as not_flexible:
        apply(employee, FORM)
    assert not_flexible.value.code == "GAP_BACKPAY_NOT_FLEXIBLE"
    assert not BackPayment.objects.exists()
    assert not Bill.objects.filter(kind=Bill.Kind.BACK_PAYMENT).exists()
    assert Application.objects.filter(matter__code=GAP).exclude(status="draft").count() == 0


@freeze_time("2020-05-15 10:00:00+08:00")
def test_a_repeated_submission_or_approval_writes_one_record(interrupted):
    first = apply(interrupted, client_key="gap-1")
    again = apply(interrupted, client_key="gap-1")
    assert again.pk == first.pk
    done = approve(first)
    with pytest.raises(Conflict):
        engine.application_approve(
            actor=reviewer_of(done.district_id, done.department_id),
            application=done,
            version=done.version,
        )
    # A second case for the same months finds them back-paid (assessed, not yet paid).
    with pytest.raises(DomainError) as twice:
        apply(interrupted)
    assert twice.value.code == "GAP_BACKPAY_MONTHS_OPEN"
    assert BackPayment.objects.count() == 1
    assert ContributionLine.objects.filter(person=interrupted.person, month=FEB).count() == 1


@freeze_time("2020-05-15 10:00:00+08:00")
def test_the_reviewer_sees_each_month_and_the_interest_by_year(interrupted):
    submitted = apply(interrupted)
    staff = reviewer_of(submitted.district_id, submitted.department_id)
    context = handler_for(submitted).reviewer_context(submitted)
    assert [str(m.month) for m in context["plan"].months] == ["2020-02", "2020-03"]
    assert context["totals"] == {"principal": "1844.80", "interest": "23.21", "total": "1868.01"}
    assert context["years"] == [{"year": 2020, "rate": "6.04%", "interest": "23.2137"}]
    client = signed_in(staff.user, "staff")
    page = client.get(f"/applications/{submitted.number}/").content.decode()
    assert "中断期补缴核对" in page and "922.40" in page and "23.21" in page


def test_cancelled_months_are_back_paid_at_the_grade_then_in_force_plus_interest(jilin, city):
    """February and March cancelled in 2020-05 (at the 100% grade); the worker chose the 300%
    grade from 2021-01 and back-pays them in 2021-03: at the grade rule of 2021-03 and the 300%
    grade in force then."""
    from shebao.calculators.services import backpay_calculate, flexible_calculate
    from shebao.insurance.services import flexible_grade_set

    person = city["flexible"]
    with freeze_time("2020-05-15 10:00:00+08:00"):
        for month in (JAN, FEB, MAR):
            month_assess(region=jilin, month=month)
        january = Bill.objects.get(person=person, month=JAN)
        pay_at_counter(january, january.due_date)
        worker = make_individual(person=person)
        approve(cancel(worker))
    cancelled = {b.month: b for b in Bill.objects.filter(person=person, month__in=[FEB, MAR])}
    assert {b.status for b in cancelled.values()} == {Bill.Status.CANCELLED}

    flexible_grade_set(actor=None, person=person, grade=300, month=YearMonth(2021, 1))
    with freeze_time("2021-03-10 10:00:00+08:00"):
        done = approve(apply(worker))
        bill = BackPayment.objects.get(application=done).bill
        pay_at_counter(bill, date(2021, 3, 10))

    now = flexible_calculate(region=JILIN, month=YearMonth(2021, 3), grade=300)
    monthly = to_fen(now.monthly)
    assert monthly == 276_700  # 55,340 × 300% ÷ 12 = 13,835; × 20% = 2,767.00, not 922.40
    for month in (FEB, MAR):
        old, new = ContributionLine.objects.filter(person=person, month=month).order_by("revision")
        # The cancelled line stays on its cancelled bill; the new one is on the back-payment's.
        assert (old.revision, old.bill_id, old.individual_fen) == (0, cancelled[month].pk, 92_240)
        assert (new.revision, new.bill_id, new.grade, new.individual_fen) == (
            1,
            bill.pk,
            300,
            monthly,
        )
        assert new.snapshot.month == YearMonth(2021, 3)
        assert line_explain(new).matches and line_explain(old).matches
    interest = backpay_calculate(
        months=[(FEB, now.monthly), (MAR, now.monthly)], pay_month=YearMonth(2021, 3)
    )
    # By hand: 2020 — each month to December at 6.04% ÷ 12 (11 and 10 months); 2021 — the
    # balance two months at 6.69% ÷ 12.
    m = now.monthly
    c1 = m * 11 * Decimal("0.0604") / 12 + m * 10 * Decimal("0.0604") / 12
    c3 = (2 * m + c1) * 2 * Decimal("0.0669") / 12
    assert interest.interest == (c1 + c3).quantize(Decimal("0.01"))
    bill.refresh_from_db()
    assert (bill.individual_total_fen, bill.backpay_interest_fen) == (
        2 * monthly,
        to_fen(interest.interest),
    )
    assert bill.status == Bill.Status.PAID
    # The months count again; the cancellation records stay.
    counted = history.pension_months(person=person)
    assert (counted.count, counted.unpaid, counted.cancelled) == (3, 0, 0)
    with freeze_time("2021-03-10 10:00:00+08:00"):
        page = signed_in(worker, "individual").get("/contributions/me/?from=2020-01&to=2020-03")
    text = page.content.decode()
    assert bill.number in text and text.count(">已到账</span>") == 3
    assert ">已注销</span>" not in text
