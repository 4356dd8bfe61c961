"""The bank's month-end deduction: agreements (Luhn-checked cards, masked), the month's file,
the local bank's result with failures from the agreements, reconciliation to the fen in SQL,
re-importing a file is a no-op, refused files write nothing; and the property that payments
plus what stays unpaid add up to the bills' totals."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import count

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shebao.common.errors import DomainError, InvalidInput, PermissionDenied
from shebao.common.periods import YearMonth
from shebao.contributions.models import Bill
from shebao.payments import bankfile, localbank
from shebao.payments.models import (
    BankResultImport,
    BankResultRow,
    Channel,
    DeductionAgreement,
    Outcome,
    Payment,
    Receipt,
)
from shebao.payments.services import counter_pay
from shebao.registry.models import Region
from shebao.testing import id_number, make_bill, make_person, make_unit, signed_in, staff_actor

pytestmark = pytest.mark.django_db

MARCH = YearMonth(2020, 3)
CARD = "6222020200112233446"  # passes the Luhn check
BANK = localbank.BANK_CODE


def luhn_card(body: str) -> str:
    """``body`` (15–18 digits) with its Luhn check digit."""
    for digit in "0123456789":
        from shebao.common.identifiers import luhn_valid

        if luhn_valid(body + digit):
            return body + digit
    raise AssertionError


def sign(payer, *, outcome="", n=0):
    kind = {"unit": payer} if hasattr(payer, "credit_code") else {"person": payer}
    return bankfile.agreement_sign(
        actor=None,
        bank_code=BANK,
        account_number=luhn_card(f"6222020{1 if 'unit' in kind else 2}{payer.pk:010d}"),
        account_name=getattr(payer, "name", "户名"),
        bank_outcome=outcome,
        **kind,
    )


def test_an_agreement_checks_the_card_and_shows_it_masked(world):
    with pytest.raises(InvalidInput) as refused:
        bankfile.agreement_sign(
            actor=None,
            unit=world.unit,
            bank_code=BANK,
            account_number="6222020200112233445",
            account_name="单位",
        )
    assert refused.value.code == "BANK_CARD_BAD_CHECK"
    agreement = bankfile.agreement_sign(
        actor=None,
        unit=world.unit,
        bank_code=BANK,
        account_number="6222 0202 0011 2233 446",
        account_name="单位",
    )
    assert agreement.account_number == CARD
    assert agreement.masked_account == "622202*********3446"
    with pytest.raises(PermissionDenied):
        bankfile.agreement_sign(
            actor=staff_actor(world.registration),
            unit=world.unit,
            bank_code=BANK,
            account_number=CARD,
            account_name="单位",
        )


def test_a_round_trip_pays_the_deducted_bills_and_lists_the_failures(world):
    jilin = Region.objects.get(code="220200")
    frozen_unit = make_unit(name="冻结账户公司")
    poor = make_person(name="余额不足")
    no_agreement = make_unit(name="未签约公司")
    bills = {
        "ok_unit": world.unit_bill,
        "ok_self": world.self_bill,
        "frozen": make_bill(unit=frozen_unit, unit_fen=50_000, individual_fen=1),
        "poor": make_bill(person=poor, unit_fen=0, individual_fen=33_333),
        "none": make_bill(unit=no_agreement),
    }
    sign(world.unit)
    sign(world.person)
    sign(frozen_unit, outcome=DeductionAgreement.LocalOutcome.FROZEN)
    sign(poor, outcome=DeductionAgreement.LocalOutcome.INSUFFICIENT)
    actor = staff_actor(world.finance)

    batch, created = bankfile.batch_export(actor=actor, region=jilin, month=MARCH, bank_code=BANK)
    assert created and batch.row_count == 4  # the payer without an agreement is not in it
    assert batch.total_fen == 169_134 + 98_765 + 50_001 + 33_333
    again, created = bankfile.batch_export(actor=actor, region=jilin, month=MARCH, bank_code=BANK)
    assert again == batch and not created

    exported = bankfile.batch_file(batch)
    assert exported.splitlines()[0] == f"H,{batch.number},{BANK},2020-03,4,3512.33"
    result_text = localbank.deduction_run(exported)
    result, created = bankfile.result_import(
        actor=actor, data=result_text.encode(), filename="r.csv"
    )
    assert created
    assert (result.row_count, result.paid_count, result.failed_count) == (4, 2, 2)
    assert result.paid_fen == 169_134 + 98_765

    status = {key: Bill.objects.get(pk=b.pk).status for key, b in bills.items()}
    assert status == {
        "ok_unit": "paid",
        "ok_self": "paid",
        "frozen": "unpaid",
        "poor": "unpaid",
        "none": "unpaid",
    }
    assert sorted(Payment.objects.values_list("channel", "amount_fen")) == [
        (Channel.BANK, 98_765),
        (Channel.BANK, 169_134),
    ]
    assert Receipt.objects.filter(channel=Channel.BANK).count() == 2
    receipt = Receipt.objects.get(bill=world.unit_bill)
    assert (receipt.payer_code, receipt.amount_fen) == (world.unit.credit_code, 169_134)
    failures = {
        (r.bill_number, r.code, r.message, r.outcome)
        for r in BankResultRow.objects.exclude(outcome=Outcome.PAID)
    }
    assert failures == {
        (bills["frozen"].number, "62", "账户冻结", Outcome.FAILED),
        (bills["poor"].number, "51", "余额不足", Outcome.FAILED),
    }
    batch.refresh_from_db()
    assert (batch.status, batch.paid_count, batch.failed_count) == ("reconciled", 2, 2)

    # The same file again is a no-op.
    same, created = bankfile.result_import(actor=actor, data=result_text.encode())
    assert same == result and not created
    assert Payment.objects.count() == 2 and BankResultImport.objects.count() == 1

    # Another file with the same rows pays nothing twice.
    resent = bankfile.result_import(actor=actor, data=(result_text + "\n").encode())[0]
    assert resent.paid_count == 0
    assert set(resent.rows.values_list("outcome", flat=True)) == {Outcome.REPEATED, Outcome.FAILED}
    assert Payment.objects.count() == 2

    page = signed_in(world.finance, "staff").get(f"/payments/staff/bank/{batch.number}/")
    text = page.content.decode()
    assert "账户冻结" in text and "余额不足" in text and bills["poor"].number in text


def _edit(text: str, seq: int, column: int, value: str) -> str:
    lines = text.splitlines()
    cells = lines[seq].split(",")
    cells[column] = value
    lines[seq] = ",".join(cells)
    return "\n".join(lines) + "\n"


def test_a_mismatched_amount_unknown_row_or_bill_paid_meanwhile_is_listed_and_left_unpaid(world):
    jilin = Region.objects.get(code="220200")
    third = make_person(name="第三")
    third_bill = make_bill(person=third, unit_fen=0, individual_fen=10_000)
    for payer in (world.unit, world.person, third):
        sign(payer)
    actor = staff_actor(world.finance)
    batch, _ = bankfile.batch_export(actor=actor, region=jilin, month=MARCH, bank_code=BANK)
    text = localbank.deduction_run(bankfile.batch_file(batch))
    seq = {line.split(",")[2]: i for i, line in enumerate(text.splitlines()) if i}
    text = _edit(text, seq[world.unit_bill.number], 4, "1691.33")  # a fen short
    text = _edit(text, seq[third_bill.number], 2, "ZJ000000P0000000000")  # not in the file
    counter_pay(actor=actor, bill=world.self_bill, amount="987.65", slip="c")  # paid meanwhile

    result, _ = bankfile.result_import(actor=actor, data=text.encode())
    outcomes = dict(result.rows.values_list("line", "outcome"))
    assert outcomes == {
        seq[world.unit_bill.number] + 1: Outcome.MISMATCH,
        seq[third_bill.number] + 1: Outcome.UNKNOWN,
        seq[world.self_bill.number] + 1: Outcome.SETTLED,
    }
    assert Payment.objects.filter(channel=Channel.BANK).count() == 0
    assert Bill.objects.get(pk=world.unit_bill.pk).status == "unpaid"
    assert Bill.objects.get(pk=third_bill.pk).status == "unpaid"


def test_a_malformed_file_is_refused_whole(world):
    jilin = Region.objects.get(code="220200")
    sign(world.unit)
    batch, _ = bankfile.batch_export(actor=None, region=jilin, month=MARCH, bank_code=BANK)
    text = localbank.deduction_run(bankfile.batch_file(batch))
    for bad in (
        b"",
        b"\xff\xfe",
        text.replace(",00,", ",,").encode(),
        text.replace("1691.34", "16.913.4").encode(),
        text.replace(f"H,{batch.number}", "H,DK000").encode(),
        (text + "R,9,X,1,1.00,00,,\n").encode(),  # more rows than the header says
    ):
        with pytest.raises(DomainError):
            bankfile.result_import(actor=None, data=bad)
    assert BankResultImport.objects.count() == 0 and Payment.objects.count() == 0


BIRTHS = count()
AMOUNTS = st.integers(min_value=1, max_value=5_000_000)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    bills=st.lists(
        st.tuples(AMOUNTS, st.integers(0, 2_000_000), st.sampled_from(["", "51", "62", "14"])),
        min_size=1,
        max_size=8,
    ),
    short_by=st.lists(st.integers(0, 3), min_size=8, max_size=8),
    month=st.integers(1, 12),
)
def test_payments_and_what_stays_unpaid_add_up_to_the_bills_to_the_fen(
    reference_data, bills, short_by, month
):
    """Random bills and accounts, a round trip whose file the bank got partly wrong (a row a
    few fen short): the bank payments of the batch plus the amount due of every bill equal the
    bills' totals, to the fen, and only the rows that matched and succeeded paid."""
    from shebao.contributions.dues import dues_of

    region = Region.objects.get(code="220200")
    period = YearMonth(2030, month)
    made = []
    for unit_fen, individual_fen, outcome in bills:
        born = date(1950, 1, 1) + timedelta(days=next(BIRTHS))
        person = make_person(name="随机", id_no=id_number(born=f"{born:%Y%m%d}"))
        made.append(
            make_bill(person=person, month=period, unit_fen=unit_fen, individual_fen=individual_fen)
        )
        sign(person, outcome=outcome)
    bank = f"P{Bill.objects.count()}"
    DeductionAgreement.objects.filter(person__in=[b.person for b in made]).update(bank_code=bank)
    batch, _ = bankfile.batch_export(actor=None, region=region, month=period, bank_code=bank)
    text = localbank.deduction_run(bankfile.batch_file(batch))
    lines = text.splitlines()
    for i in range(1, len(lines)):
        cells = lines[i].split(",")
        asked = int(cells[4].replace(".", ""))
        short = short_by[i - 1]
        # a row a few fen short (a few fen over, where short would leave nothing)
        fen = asked - short if asked > short else asked + short
        cells[4] = f"{fen // 100}.{fen % 100:02d}"
        lines[i] = ",".join(cells)
    bankfile.result_import(actor=None, data=("\n".join(lines) + "\n").encode())

    ids = [b.pk for b in made]
    totals = sum(b.total_fen for b in made)
    paid = sum(Payment.objects.filter(bill_id__in=ids).values_list("amount_fen", flat=True))
    # Read today: the bills are not due yet, so no late fee is part of what stays unpaid.
    due = sum(d.due_fen for d in dues_of(ids, on=timezone.localdate()).values())
    assert paid + due == totals
    expected_paid = {
        b.pk
        for b, (_, _, outcome), short in zip(made, bills, short_by[: len(bills)], strict=True)
        if not outcome and not short
    }
    assert (
        set(Payment.objects.filter(bill_id__in=ids).values_list("bill_id", flat=True))
        == expected_paid
    )
    assert (
        set(Bill.objects.filter(pk__in=ids, status="paid").values_list("pk", flat=True))
        == expected_paid
    )


def test_a_line_the_bank_wrote_twice_pays_once_and_is_listed_as_repeated(world):
    """The first line of a sequence counts; a later line of the same sequence is repeated,
    whatever its amount or code, and a line not in the file sent stays unknown however often
    it comes."""
    jilin = Region.objects.get(code="220200")
    sign(world.unit)
    sign(world.person)
    batch, _ = bankfile.batch_export(actor=None, region=jilin, month=MARCH, bank_code=BANK)
    text = localbank.deduction_run(bankfile.batch_file(batch))
    header, first, second = text.splitlines()
    twice = first.replace(",00,", ",51,")  # the same row again, now said to have failed
    short = first.split(",")
    short[4] = "0.01"
    stranger = second.replace(second.split(",")[2], "ZJ000000P0000000000")
    head = header.split(",")
    head[4] = "6"
    lines = [",".join(head), first, second, twice, ",".join(short), stranger, stranger]
    result, _ = bankfile.result_import(actor=None, data=("\n".join(lines) + "\n").encode())
    outcomes = list(result.rows.order_by("line").values_list("outcome", flat=True))
    assert outcomes == [
        Outcome.PAID,
        Outcome.PAID,
        Outcome.REPEATED,
        Outcome.REPEATED,
        Outcome.UNKNOWN,
        Outcome.UNKNOWN,
    ]
    assert (result.paid_count, result.failed_count) == (2, 4)
    assert Payment.objects.filter(channel=Channel.BANK).count() == 2
    assert set(Bill.objects.filter(status="paid").values_list("pk", flat=True)) == {
        world.unit_bill.pk,
        world.self_bill.pk,
    }


def test_the_deduction_file_asks_each_bill_its_amount_due_late_fee_included(world):
    """The file's amount of each bill is its amount due today (shebao.contributions.dues):
    the total less what was paid up to today for a bill not yet due or deferred past today,
    plus the late fee for an overdue one; a bill with nothing due is left out."""
    from shebao.contributions.dues import dues_of
    from shebao.testing import policy_data_load

    policy_data_load()
    jilin = Region.objects.get(code="220200")
    today = timezone.localdate()
    now = timezone.now()

    def bill(name, *, fen, due_date=None, deferred_to=None, paid=()):
        born = date(1960, 1, 1) + timedelta(days=next(BIRTHS))
        person = make_person(name=name, id_no=id_number(born=f"{born:%Y%m%d}"))
        made = make_bill(person=person, unit_fen=0, individual_fen=fen, due_date=due_date)
        if deferred_to is not None:
            Bill.objects.filter(pk=made.pk).update(deferred_to=deferred_to)
        for n, (days, amount) in enumerate(paid):
            Payment.objects.create(
                bill=made,
                channel=Channel.COUNTER,
                reference=f"CT{made.pk}-{n}",
                amount_fen=amount,
                paid_at=now + timedelta(days=days),
            )
        sign(person)
        return made

    bills = {
        "partly paid": bill("部分", fen=50_000, paid=[(-2, 12_345)]),
        "paid tomorrow": bill("明日", fen=40_000, paid=[(1, 40_000)]),
        "covered": bill("已足额", fen=30_000, paid=[(-1, 30_000)]),
        "overdue": bill("逾期", fen=80_000, due_date=today - timedelta(days=40)),
        "overdue, partly paid": bill(
            "逾期部分", fen=90_000, due_date=today - timedelta(days=20), paid=[(-10, 45_000)]
        ),
        "deferred": bill(
            "缓缴", fen=70_000, due_date=today - timedelta(days=20), deferred_to=today
        ),
    }
    # A back-payment's bill: the late fee of its past months is due with it, before it is due.
    bills["back-payment"] = bill("补缴", fen=60_000)
    Bill.objects.filter(pk=bills["back-payment"].pk).update(backpay_late_fee_fen=4_321)
    sign(world.unit)
    sign(world.person)
    batch, _ = bankfile.batch_export(actor=None, region=jilin, month=MARCH, bank_code=BANK)

    asked = dict(batch.rows.values_list("bill_id", "amount_fen"))
    ids = [b.pk for b in bills.values()] + [world.unit_bill.pk, world.self_bill.pk]
    dues = dues_of(ids, on=today)
    assert asked == {pk: due.due_fen for pk, due in dues.items() if due.due_fen > 0}
    fee = {key: dues[b.pk].late_fee_fen for key, b in bills.items()}
    assert fee["overdue"] > 0 and fee["overdue, partly paid"] > 0
    assert fee["partly paid"] == fee["deferred"] == 0
    assert asked[bills["overdue"].pk] == 80_000 + fee["overdue"]
    assert asked[bills["partly paid"].pk] == 50_000 - 12_345
    assert asked[bills["paid tomorrow"].pk] == 40_000
    assert bills["covered"].pk not in asked
    assert asked[bills["back-payment"].pk] == 60_000 + 4_321
    # Numbered 1… in the order of the bill numbers, and the header adds them up.
    rows = list(batch.rows.order_by("seq").values_list("seq", "bill__number"))
    assert [seq for seq, _ in rows] == list(range(1, len(asked) + 1))
    assert [number for _, number in rows] == sorted(number for _, number in rows)
    assert (batch.row_count, batch.total_fen) == (len(asked), sum(asked.values()))

    # The bank deducts what the file asks: every bill in it is paid, late fees included.
    bankfile.result_import(
        actor=None, data=localbank.deduction_run(bankfile.batch_file(batch)).encode()
    )
    assert set(Bill.objects.filter(status="paid").values_list("pk", flat=True)) == set(asked)
    assert {due.due_fen for due in dues_of(list(asked), on=today).values()} == {0}
