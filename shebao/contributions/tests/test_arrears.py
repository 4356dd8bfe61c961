"""Arrears (欠费) and the late fee (滞纳金) in a bill's amount due: a bill unpaid after the day
it is payable by is in arrears, read on any day and set by the daily step; the late fee runs
from the day after, on what remains unpaid, stops on payment and is waived where Beijing's
emergency measure says so (seed 003) — the same record and rule as the late-fee calculator."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone
from freezegun import freeze_time

from shebao.calculators.services import late_fee_calculate
from shebao.common.periods import YearMonth
from shebao.contributions.dues import (
    bill_state,
    bills_mark_arrears,
    bills_with_state,
    due_parts,
)
from shebao.contributions.models import Bill
from shebao.payments.models import Channel, Payment
from shebao.payments.services import counter_pay
from shebao.testing import make_bill, make_finance_staff, make_unit, staff_actor

pytestmark = pytest.mark.django_db

BEIJING = "110000"


@pytest.fixture
def beijing_unit(hall):
    return make_unit(name="北京朝阳测试有限公司", district="110105")


def test_the_late_fee_waived_inside_an_emergency_window_and_charged_outside_it(beijing_unit):
    # A bill of 10,000.00 yuan payable by 2020-03-31 (January 2020, its collection extended).
    bill = make_bill(
        unit=beijing_unit,
        month=YearMonth(2020, 1),
        unit_fen=700_000,
        individual_fen=300_000,
        region=BEIJING,
        due_date=date(2020, 3, 31),
    )
    inside = due_parts(bill, on=date(2020, 8, 31))
    assert inside.arrears and inside.late_fee_fen == 0
    assert inside.due_fen == 1_000_000
    assert inside.late_fee is not None and inside.late_fee.waived_days == 153

    # After the late-handling time (to 2020-09-30) the fee runs: October, 31 days.
    outside = due_parts(bill, on=date(2020, 10, 31))
    assert outside.late_fee_fen == 15_500  # 10,000 × 0.05% × 31
    assert outside.due_fen == 1_015_500
    # The calculator says the same, from the same record.
    calculated = late_fee_calculate(
        amount=Decimal("10000"), start=date(2020, 4, 1), end=date(2020, 10, 31), region=BEIJING
    )
    assert calculated.fee == Decimal("155.00") and calculated.waived_days == 183


def test_a_bill_outside_any_window_is_charged_from_the_day_after_it_was_due(beijing_unit):
    bill = make_bill(
        unit=beijing_unit,
        month=YearMonth(2024, 1),
        unit_fen=700_000,
        individual_fen=300_000,
        region=BEIJING,
        due_date=date(2024, 1, 31),
    )
    assert due_parts(bill, on=date(2024, 1, 31)).late_fee_fen == 0
    assert not due_parts(bill, on=date(2024, 1, 31)).arrears
    due = due_parts(bill, on=date(2024, 3, 2))  # 1 February to 2 March: 31 days
    assert (due.late_fee_fen, due.due_fen, due.arrears) == (15_500, 1_015_500, True)


def test_payment_stops_the_fee_and_a_partial_one_leaves_it_running_on_the_rest(beijing_unit):
    finance = staff_actor(make_finance_staff(districts=("110105",)))
    bill = make_bill(
        unit=beijing_unit,
        month=YearMonth(2024, 1),
        unit_fen=700_000,
        individual_fen=300_000,
        region=BEIJING,
        due_date=date(2024, 1, 31),
    )
    # 4,000 paid on 10 February (a bank transfer recorded by the channel).
    with freeze_time("2024-02-10 10:00:00+08:00"):
        Payment.objects.create(
            bill=bill,
            channel=Channel.COUNTER,
            reference="CTPART",
            amount_fen=400_000,
            paid_at=timezone.now(),
        )
    # 10,000 × 0.05% × 10 (1–10 Feb) + 6,000 × 0.05% × 19 (11–29 Feb) = 50 + 57
    due = due_parts(bill, on=date(2024, 2, 29))
    assert due.late_fee_fen == 10_700
    assert due.due_fen == 600_000 + 10_700
    assert bill_state(bill, on=date(2024, 2, 29)) == Bill.Status.ARREARS

    # The rest and the fee paid at the counter on the 29th: the bill is paid; the fee stops.
    with freeze_time("2024-02-29 10:00:00+08:00"):
        counter_pay(actor=finance, bill=bill, amount="6107.00", slip="REST")
    bill.refresh_from_db()
    assert bill.status == Bill.Status.PAID
    later = due_parts(bill, on=date(2024, 6, 30))
    assert (later.late_fee_fen, later.due_fen) == (10_700, 0)
    assert bill_state(bill, on=date(2024, 6, 30)) == Bill.Status.PAID


def test_paying_only_the_total_of_an_overdue_bill_leaves_it_in_arrears_for_the_fee(beijing_unit):
    bill = make_bill(
        unit=beijing_unit,
        month=YearMonth(2024, 1),
        unit_fen=700_000,
        individual_fen=300_000,
        region=BEIJING,
        due_date=date(2024, 1, 31),
    )
    with freeze_time("2024-02-01 10:00:00+08:00"):
        Payment.objects.create(
            bill=bill,
            channel=Channel.COUNTER,
            reference="CTT",
            amount_fen=1_000_000,
            paid_at=timezone.now(),
        )
    due = due_parts(bill, on=date(2024, 5, 1))
    assert (due.late_fee_fen, due.due_fen, due.arrears) == (500, 500, True)


def test_arrears_are_read_on_any_day_and_set_by_the_daily_step(beijing_unit):
    other = make_unit(name="北京海淀测试有限公司", district="110108")
    overdue = make_bill(
        unit=beijing_unit, month=YearMonth(2024, 1), region=BEIJING, due_date=date(2024, 1, 31)
    )
    current = make_bill(
        unit=other, month=YearMonth(2024, 1), region=BEIJING, due_date=date(2024, 2, 29)
    )
    on = date(2024, 2, 10)
    # Read before any step ran: the state comes from the dates.
    assert overdue.status == Bill.Status.UNPAID
    assert bill_state(overdue, on=on) == Bill.Status.ARREARS
    assert bill_state(current, on=on) == Bill.Status.UNPAID
    bills = Bill.objects.filter(pk__in=[overdue.pk, current.pk])
    assert list(bills_with_state(bills, state="arrears", on=on)) == [overdue]
    assert list(bills_with_state(bills, state="unpaid", on=on)) == [current]

    # The daily step stores it, set-based; again the same day changes nothing.
    assert bills_mark_arrears(on=on) == 1
    assert bills_mark_arrears(on=on) == 0
    overdue.refresh_from_db()
    current.refresh_from_db()
    assert (overdue.status, current.status) == (Bill.Status.ARREARS, Bill.Status.UNPAID)

    # A deferral that moves the day past ``on`` brings the bill back to unpaid.
    Bill.objects.filter(pk=overdue.pk).update(deferred_to=date(2024, 3, 31))
    assert bills_mark_arrears(on=on) == 1
    overdue.refresh_from_db()
    assert overdue.status == Bill.Status.UNPAID
    assert due_parts(overdue, on=date(2024, 3, 31)).late_fee_fen == 0


def test_beijings_january_and_february_2020_are_assessed_payable_by_the_end_of_march(hall):
    """Seed 003: 1月、2月应缴社会保险费征收期延长至3月底 — the due date from the same record."""
    from shebao.contributions.assessment import collection_due_date

    assert collection_due_date(region=BEIJING, month=YearMonth(2020, 1)) == date(2020, 3, 31)
    assert collection_due_date(region=BEIJING, month=YearMonth(2020, 2)) == date(2020, 3, 31)
    assert collection_due_date(region=BEIJING, month=YearMonth(2020, 3)) == date(2020, 3, 31)
    assert collection_due_date(region=BEIJING, month=YearMonth(2020, 4)) == date(2020, 4, 30)


# --- what the payer reads ----------------------------------------------------------------------


def _api(user, context):
    from django.test import Client

    from shebao.accounts.tokens import token_issue

    token = token_issue(user=user, context=context)
    client = Client()
    return lambda url: client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_the_api_gives_arrears_with_the_late_fee_to_date_and_filters_by_them(beijing_unit):
    from shebao.testing import make_member

    overdue = make_bill(
        unit=beijing_unit,
        month=YearMonth(2024, 1),
        unit_fen=700_000,
        individual_fen=300_000,
        region=BEIJING,
        due_date=date(2024, 1, 31),
    )
    current = make_bill(unit=beijing_unit, month=YearMonth(2024, 2), region=BEIJING)
    get = _api(make_member(beijing_unit, "admin"), f"unit:{beijing_unit.pk}")
    with freeze_time("2024-03-02 10:00:00+08:00"):
        listed = get("/api/v1/bills?status=arrears").json()
        assert [i["number"] for i in listed["items"]] == [overdue.number]
        assert listed["items"][0]["status"] == "arrears"
        assert [i["number"] for i in get("/api/v1/bills?status=unpaid").json()["items"]] == [
            current.number
        ]
        assert get("/api/v1/bills?status=nonsense").json()["total"] == 0
        body = get(f"/api/v1/bills/{overdue.number}").json()
    # 1 February to 2 March, 31 days × 0.05% × 10,000.00
    assert (body["status"], body["late_fee"], body["amount_due"], body["total"]) == (
        "arrears",
        "155.00",
        "10155.00",
        "10000.00",
    )
    with freeze_time("2024-03-02 10:00:00+08:00"):
        fresh = get(f"/api/v1/bills/{current.number}").json()
    assert (fresh["late_fee"], fresh["amount_due"]) == ("0.00", "1400.00")


def test_the_bills_pages_show_arrears_and_the_late_fee_with_its_explanation(beijing_unit):
    from shebao.testing import make_member, signed_in

    overdue = make_bill(
        unit=beijing_unit,
        month=YearMonth(2020, 1),
        unit_fen=700_000,
        individual_fen=300_000,
        region=BEIJING,
        due_date=date(2020, 3, 31),
    )
    client = signed_in(make_member(beijing_unit, "admin"), f"unit:{beijing_unit.pk}")
    with freeze_time("2020-10-31 10:00:00+08:00"):
        listing = client.get("/contributions/bills/?status=arrears").content.decode()
        page = client.get(f"/contributions/bills/{overdue.number}/").content.decode()
    assert overdue.number in listing and "欠费" in listing and "155.00" in listing
    assert "欠费" in page and "155.00" in page and "10,155.00" in page
    # The waiver and the record it comes from are in the explanation.
    assert "新冠肺炎疫情防控期间社会保险经办措施（北京市）" in page
    assert "免收滞纳金" in page
