"""灵活就业人员历史欠费注销 (seed 001): the flexible worker confirms, explicitly and knowing what is
lost, that the months they owe are given up; on approval those bills are cancelled with a record
of why — the bills and lines stay — they are no longer due, cannot be paid, count for nothing,
and the record shows them as 已注销. Confirming or approving twice changes nothing more."""

from __future__ import annotations

from datetime import date

import pytest
from freezegun import freeze_time

from shebao.accounts.actors import actor_for
from shebao.applications import services as engine
from shebao.applications.formschema import ApplicationDataInvalid
from shebao.catalogue.models import Matter
from shebao.common.errors import Conflict
from shebao.common.periods import YearMonth
from shebao.contributions import history
from shebao.contributions.assessment import month_assess
from shebao.contributions.cancellations import LOSS_TEXT
from shebao.contributions.dues import bills_with_state, due_parts
from shebao.contributions.models import Bill, BillCancellation, ContributionLine
from shebao.contributions.tests.test_deferral import approve, reviewer_of
from shebao.payments.services import order_create
from shebao.testing import make_finance_staff, make_individual, signed_in, staff_actor

pytestmark = pytest.mark.django_db

JAN, FEB, MAR = YearMonth(2020, 1), YearMonth(2020, 2), YearMonth(2020, 3)
CANCEL = "person.flexible_arrears_cancel"
FORM = {"start_month": "2020-01", "end_month": "2020-03", "insurances": "all", "acknowledge": True}


@pytest.fixture
def worker(jilin, city):
    """The conftest's flexible worker (100% grade), assessed January to March 2020, January
    paid on time, February and March unpaid: in arrears by mid-May."""
    from shebao.contributions.dues import amount_due
    from shebao.payments.services import counter_pay

    for month in (JAN, FEB, MAR):
        month_assess(region=jilin, month=month)
    person = city["flexible"]
    january = Bill.objects.get(person=person, month=JAN)
    finance = staff_actor(make_finance_staff(districts=("220204",)))
    with freeze_time(january.due_date):
        counter_pay(
            actor=finance, bill=january, amount=amount_due(january, january.due_date), slip="F1"
        )
    return make_individual(person=person)


def cancel(user, data=FORM):
    actor = actor_for(user, "individual")
    application, _ = engine.application_create(
        actor=actor, matter=Matter.objects.get(code=CANCEL), data=data
    )
    return engine.application_submit(
        actor=actor, application=application, version=application.version
    )


@freeze_time("2020-05-15 10:00:00+08:00")
def test_the_months_owed_are_cancelled_with_a_record_and_no_longer_count(worker):
    person = worker.person
    lines_before = ContributionLine.objects.filter(person=person).count()
    owed = {m: due_parts(Bill.objects.get(person=person, month=m), on=date(2020, 5, 15))
            for m in (FEB, MAR)}  # fmt: skip

    done = approve(cancel(worker))

    assert done.status == "completed"
    bills = {b.month: b for b in Bill.objects.filter(person=person)}
    assert bills[JAN].status == Bill.Status.PAID
    assert {bills[FEB].status, bills[MAR].status} == {Bill.Status.CANCELLED}
    for month in (FEB, MAR):
        record = BillCancellation.objects.get(bill=bills[month])
        assert record.application_id == done.pk and record.reason == LOSS_TEXT
        assert record.principal_fen == 92_240  # 4,612 × 20%
        assert record.late_fee_fen == owed[month].late_fee_fen > 0
        assert record.cancelled_by is not None
        # Not due, no late fee, whatever the day; not in arrears; cannot be paid.
        later = due_parts(bills[month], on=date(2021, 5, 15))
        assert (later.due_fen, later.arrears) == (0, False)
        with pytest.raises(Conflict) as refused:
            order_create(actor=actor_for(worker, "individual"), bill=bills[month])
        assert refused.value.code == "BILL_CANCELLED"
    # The lines stay in the record; the months do not count.
    assert ContributionLine.objects.filter(person=person).count() == lines_before
    counted = history.pension_months(person=person)
    assert (counted.count, counted.unpaid, counted.cancelled) == (1, 0, 2)
    arrears = bills_with_state(
        Bill.objects.filter(person=person), state="arrears", on=date(2020, 5, 15)
    )
    assert not arrears.exists()


@freeze_time("2020-05-15 10:00:00+08:00")
def test_confirming_twice_or_approving_twice_cancels_once(worker):
    done = approve(cancel(worker))
    with pytest.raises(Conflict) as again:
        engine.application_approve(
            actor=reviewer_of(done.district_id, done.department_id),
            application=done,
            version=done.version,
        )
    assert again.value.code == "APPLICATION_INVALID_TRANSITION"
    # A second application for the same months finds nothing left to cancel.
    with pytest.raises(Conflict) as nothing:
        cancel(worker)
    assert nothing.value.code == "ARREARS_CANCEL_NOTHING"
    assert BillCancellation.objects.count() == 2


@freeze_time("2020-05-15 10:00:00+08:00")
def test_without_the_confirmation_or_with_nothing_owed_nothing_is_cancelled(worker):
    with pytest.raises(ApplicationDataInvalid) as unconfirmed:
        cancel(worker, {**FORM, "acknowledge": False})
    assert "acknowledge" in unconfirmed.value.errors
    for data in (
        {**FORM, "insurances": "medical"},  # self-paid arrears are pension only
        {**FORM, "start_month": "2020-01", "end_month": "2020-01"},  # January is paid
    ):
        with pytest.raises(Conflict) as refused:
            cancel(worker, data)
        assert refused.value.code == "ARREARS_CANCEL_NOTHING"
    assert not BillCancellation.objects.exists()
    assert not Bill.objects.filter(status=Bill.Status.CANCELLED).exists()


def test_the_record_page_and_api_show_the_months_as_cancelled(worker):
    from django.test import Client

    from shebao.accounts.tokens import token_issue

    with freeze_time("2020-05-15 10:00:00+08:00"):
        approve(cancel(worker))
    with freeze_time("2020-06-01 10:00:00+08:00"):
        client = signed_in(worker, "individual")
        page = client.get("/contributions/me/?from=2020-01&to=2020-03").content.decode()
        assert page.count("已注销") >= 2 and "已到账" in page
        assert "没有欠费" in client.get("/contributions/me/arrears/").content.decode()
        token = token_issue(user=worker, context="individual")
        body = (
            Client()
            .get(
                "/api/v1/me/contributions?from=2020-01&to=2020-03",
                HTTP_AUTHORIZATION=f"Bearer {token}",
            )
            .json()
        )
    status = {m["month"]: m["insurances"][0]["status"] for m in body["months"]}
    assert status == {"2020-01": "paid", "2020-02": "cancelled", "2020-03": "cancelled"}
