"""灵活就业人员历史欠费补缴: the flexible worker sees their own bills in arrears — each with the
late fee to date and the amount due — and pays them through the online channel; a paid bill
leaves the list and the late fee stops on the day it is paid."""

from __future__ import annotations

from datetime import date

import pytest
from freezegun import freeze_time

from shebao.accounts.actors import actor_for
from shebao.common.periods import YearMonth
from shebao.contributions.models import Bill
from shebao.contributions.selectors import own_arrears
from shebao.payments.models import Payment, PaymentOrder
from shebao.testing import make_bill, make_individual, make_unit, signed_in

pytestmark = pytest.mark.django_db

JILIN = "220200"


@pytest.fixture
def worker(hall):
    """A flexible worker with March (in arrears since April) and May (not yet due) 2024 bills,
    and a bill of someone else and a unit's, both in arrears."""
    user = make_individual(name="周灵")
    person = user.person
    march = make_bill(person=person, month=YearMonth(2024, 3), unit_fen=0, individual_fen=100_000,
                      region=JILIN, due_date=date(2024, 3, 31))  # fmt: skip
    may = make_bill(person=person, month=YearMonth(2024, 5), unit_fen=0, individual_fen=100_000,
                    region=JILIN, due_date=date(2024, 5, 31))  # fmt: skip
    other = make_individual(name="赵敏").person
    make_bill(person=other, month=YearMonth(2024, 3), region=JILIN, due_date=date(2024, 3, 31))
    make_bill(unit=make_unit(), month=YearMonth(2024, 3), region=JILIN, due_date=date(2024, 3, 31))
    return user, march, may


def test_only_ones_own_bills_past_their_payable_day_are_listed_with_the_late_fee(worker):
    user, march, _may = worker
    owed = own_arrears(actor=actor_for(user, "individual"), on=date(2024, 5, 1))

    assert [r.bill.pk for r in owed.rows] == [march.pk]
    assert owed.count == 1
    # 1,000.00 × 0.05% × 31 days (1 April – 1 May) = 15.50
    assert (owed.principal_fen, owed.late_fee_fen, owed.due_fen) == (100_000, 1_550, 101_550)
    # A deferral moves the payable day: the bill is no longer in arrears.
    Bill.objects.filter(pk=march.pk).update(deferred_to=date(2024, 6, 30))
    assert own_arrears(actor=actor_for(user, "individual"), on=date(2024, 5, 1)).rows == []
    # Later, May joins March.
    Bill.objects.filter(pk=march.pk).update(deferred_to=None)
    later = own_arrears(actor=actor_for(user, "individual"), on=date(2024, 6, 2))
    assert [r.bill.month for r in later.rows] == [YearMonth(2024, 3), YearMonth(2024, 5)]


def test_the_matter_opens_the_arrears_page_and_files_nothing(worker):
    from shebao.applications.models import Application

    user, _march, _may = worker
    client = signed_in(user, "individual")
    response = client.get("/applications/new/person.flexible_arrears_payment/")
    assert response.status_code == 302
    assert response["Location"] == "/contributions/me/arrears/"
    assert not Application.objects.exists()


def test_the_worker_pays_an_arrears_bill_online_and_it_leaves_the_list(worker):
    from shebao.payments import localbank

    user, march, _may = worker
    client = signed_in(user, "individual")
    with freeze_time("2024-05-01 10:00:00+08:00"):
        page = client.get("/contributions/me/arrears/").content.decode()
        assert march.number in page and "1,015.50" in page and "15.50" in page
        assert f'action="/payments/bills/{march.number}/pay/"' in page

        paying = client.post(f"/payments/bills/{march.number}/pay/")
        assert paying.status_code == 302
        order = PaymentOrder.objects.get(bill=march)
        assert order.amount_fen == 101_550  # the contributions and the late fee to date
        localbank.notice_send(order)  # the payer confirms at the bank's cashier

        march.refresh_from_db()
        assert march.status == Bill.Status.PAID
        assert Payment.objects.get(bill=march).amount_fen == 101_550
        after = client.get("/contributions/me/arrears/").content.decode()
        assert march.number not in after and "没有欠费" in after
