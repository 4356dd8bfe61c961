"""The counter: finance staff of the payer's district take the amount due and issue the
receipt; the bill becomes paid in the same transaction; a double submission pays once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from shebao.common.errors import Conflict, InvalidInput, PermissionDenied
from shebao.contributions.dues import amount_due, due_parts
from shebao.contributions.models import Bill
from shebao.payments.models import Channel, Payment, Receipt
from shebao.payments.services import counter_pay
from shebao.testing import signed_in, staff_actor

pytestmark = pytest.mark.django_db


def test_amount_due_is_the_bill_total_less_what_is_paid(world):
    today = timezone.localdate()
    assert amount_due(world.unit_bill, today) == Decimal("1691.34")
    counter_pay(actor=staff_actor(world.finance), bill=world.unit_bill, amount="1691.34", slip="s1")
    parts = due_parts(world.unit_bill, on=today)
    assert (parts.total_fen, parts.paid_fen, parts.due_fen) == (169_134, 169_134, 0)
    assert amount_due(world.unit_bill, today) == Decimal("0.00")


def test_finance_staff_take_the_amount_due_and_the_receipt_is_issued(world):
    payment, created = counter_pay(
        actor=staff_actor(world.finance),
        bill=world.unit_bill,
        amount=Decimal("1691.34"),
        slip="slip-1",
        note="现金",
    )
    assert created
    assert (payment.channel, payment.amount_fen, payment.recorded_by) == (
        Channel.COUNTER,
        169_134,
        world.finance,
    )
    receipt = payment.receipt
    assert receipt.number.startswith("PZ") and receipt.bill == world.unit_bill
    assert (receipt.payer_code, receipt.payer_name) == (world.unit.credit_code, world.unit.name)
    assert (receipt.amount_fen, receipt.channel) == (169_134, Channel.COUNTER)
    assert Bill.objects.get(pk=world.unit_bill.pk).status == Bill.Status.PAID


def test_the_same_slip_twice_pays_once(world):
    actor = staff_actor(world.finance)
    first, _ = counter_pay(actor=actor, bill=world.unit_bill, amount="1691.34", slip="k")
    second, created = counter_pay(actor=actor, bill=world.unit_bill, amount="1691.34", slip="k")
    assert second == first and not created
    assert Payment.objects.count() == 1 and Receipt.objects.count() == 1


@pytest.mark.parametrize("who", ["registration", "finance_there"])
def test_staff_without_finance_in_the_district_are_refused_and_nothing_is_written(world, who):
    with pytest.raises(PermissionDenied) as refused:
        counter_pay(
            actor=staff_actor(getattr(world, who)),
            bill=world.unit_bill,
            amount="1691.34",
            slip="x",
        )
    assert refused.value.code == "CAPABILITY_REQUIRED"
    assert Payment.objects.count() == 0
    assert Bill.objects.get(pk=world.unit_bill.pk).status == Bill.Status.UNPAID


def test_another_amount_or_a_paid_bill_is_refused(world):
    actor = staff_actor(world.finance)
    for wrong in ("1691.33", "1691.345", "abc"):
        with pytest.raises(InvalidInput):
            counter_pay(actor=actor, bill=world.unit_bill, amount=wrong, slip=wrong)
    assert Payment.objects.count() == 0
    counter_pay(actor=actor, bill=world.unit_bill, amount="1691.34", slip="ok")
    with pytest.raises(Conflict) as refused:
        counter_pay(actor=actor, bill=world.unit_bill, amount="1691.34", slip="again")
    assert refused.value.code == "BILL_PAID"
    assert Payment.objects.count() == 1


def test_the_counter_page_takes_the_payment_and_shows_the_receipt_and_the_bill_lists_it(world):
    client = signed_in(world.finance, "staff")
    page = client.get(f"/payments/counter/?bill={world.unit_bill.number}")
    assert page.status_code == 200 and "1,691.34 元" in page.content.decode()
    slip = page.context["slip"]
    data = {"bill": world.unit_bill.number, "amount": "1691.34", "slip": slip}
    done = client.post("/payments/counter/", data)
    receipt = Receipt.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/payments/receipts/{receipt.number}/"
    again = client.post("/payments/counter/", data)  # the double click
    assert again.status_code == 302 and Payment.objects.count() == 1
    shown = client.get(done["Location"]).content.decode()
    assert "社会保险费缴费凭证" in shown and "1,691.34 元" in shown and "柜台缴费" in shown
    bill_page = signed_in(world.admin, f"unit:{world.unit.pk}").get(
        f"/contributions/bills/{world.unit_bill.number}/"
    )
    assert receipt.number in bill_page.content.decode()


def test_a_wrong_amount_on_the_page_is_a_chinese_error_and_nothing_is_written(world):
    client = signed_in(world.finance, "staff")
    response = client.post(
        "/payments/counter/", {"bill": world.unit_bill.number, "amount": "1.00", "slip": "z"}
    )
    assert response.status_code == 422
    assert "收款金额须等于应缴金额 1691.34 元" in response.content.decode()
    assert Payment.objects.count() == 0


def test_the_staff_centre_links_the_finance_pages_for_finance_staff_only(world):
    assert "柜台收款" in signed_in(world.finance, "staff").get("/staff/").content.decode()
    assert "柜台收款" not in signed_in(world.registration, "staff").get("/staff/").content.decode()
