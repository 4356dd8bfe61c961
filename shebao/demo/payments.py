"""The demo's payments: every month assessed is paid month by month, on the day it was paid,
through the channels' services — so the contribution records, bills, receipts and arrears of
the demo city read like six years of a working fund.

Each month from the first one assessed to last month, on the month's pay day (``PAY_DAY``,
before the bills fall due at the month's end):

- the month-end deduction with the local bank (银行代扣): every payer but two signs an
  agreement when its first bill comes; the deduction file goes out, the local bank's result
  file comes back and is reconciled. One flexible worker's new passbook is short (余额不足)
  from ``SHORT_FROM`` months before this one: those rows fail and their bills stay unpaid;
- 德福饺子馆 pays at the counter, the receipt issued by the finance section, and stops paying
  ``ARREARS_MONTHS`` months before this one;
- 张伟 pays his own bill online (the order, the local bank's signed notice), except his last
  ``ZHANG_ARREARS`` months.

What is not paid is in arrears (欠费) with its late fee to today; this month's bills are not due
yet. 松江机械's back-payment bill (补缴) is in its month's deduction file, or, issued after that
month's pay day, paid at the counter a few days after its approval.
Two refunds of 松江机械: one confirmed by telephone and paid back to its account, one waiting for
its confirmation. Idempotent: a month whose deduction batch exists is not paid again.

The steps run at their own moments (freezegun, as :mod:`shebao.applications.demo` does; from a
management command only), so payments, receipts and late fees carry their own dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from shebao.accounts.actors import Actor, actor_for
from shebao.accounts.models import User
from shebao.common.periods import YearMonth
from shebao.contributions.dues import amount_due, bills_mark_arrears
from shebao.contributions.models import Bill, PayerKind
from shebao.payments import bankfile, localbank
from shebao.payments.models import BankBatch, Channel, DeductionAgreement, Refund
from shebao.payments.services import (
    counter_pay,
    order_create,
    refund_confirm_phone,
    refund_create,
    refund_pay,
)
from shebao.registry.models import Region

# A demo bank account (Luhn-valid, fictitious).
REFUND_ACCOUNT = "6222020200112233446"
# The day of the month the demo's payers pay that month's bills (due at the month's end).
PAY_DAY = 20
# 德福饺子馆 stops paying this many months before this one (the months since are in arrears).
ARREARS_MONTHS = 3
# 张伟's last months left unpaid (in arrears), before this one.
ZHANG_ARREARS = 2
# The flexible worker whose passbook is short from this many months before this one.
SHORT_FROM = 3
# The month (before this one) of 松江机械's bill the refund paid back draws on.
REFUND_PAID_MONTH = 6


@dataclass
class PaymentsReport:
    months_paid: int = 0  # months whose payments were made on this run
    counter: int = 0
    online: int = 0
    bank: int = 0  # bills paid by the month-end deductions
    bank_failed: int = 0  # deduction rows the bank returned unpaid
    refunds_paid: int = 0


def _moment(day: date, hour: int = 10) -> datetime:
    """``hour`` o'clock of ``day``, local time."""
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _card(seed: int) -> str:
    from shebao.common.identifiers import luhn_valid

    body = f"62220202{seed:010d}"
    return next(body + d for d in "0123456789" if luhn_valid(body + d))


def _sign_agreements(bills: list[Bill], *, finance: Actor) -> None:
    """An agreement with the local bank for each payer of ``bills`` without one in force."""
    signed = set(
        DeductionAgreement.objects.filter(
            bank_code=localbank.BANK_CODE, revoked_at__isnull=True
        ).values_list("payer_kind", "payer_id")
    )
    for bill in sorted(bills, key=lambda b: (b.payer_kind, b.payer_id)):
        key = (bill.payer_kind, bill.payer_id)
        if key in signed:
            continue
        signed.add(key)
        payer = {"unit": bill.unit} if bill.unit_id else {"person": bill.person}
        bankfile.agreement_sign(
            actor=finance,
            bank_code=localbank.BANK_CODE,
            account_number=_card(bill.payer_id * 10 + (1 if bill.unit_id else 0)),
            account_name=(bill.unit or bill.person).name,
            bank_outcome="",
            **payer,
        )


def _short_passbook(person_id: int, *, finance: Actor) -> None:
    """The worker's deductions move to a passbook that is short (余额不足) from now on."""
    from shebao.registry.models import Person

    person = Person.objects.get(pk=person_id)
    bankfile.agreement_sign(
        actor=finance,
        bank_code=localbank.BANK_CODE,
        account_number=_card(900_000 + person_id),
        account_name=person.name,
        person=person,
        bank_outcome=DeductionAgreement.LocalOutcome.INSUFFICIENT,
    )


def _counter(finance: Actor, bill: Bill | None) -> int:
    if bill is None or bill.status not in Bill.OPEN:
        return 0
    counter_pay(
        actor=finance,
        bill=bill,
        amount=amount_due(bill, timezone.localdate()),
        slip=f"DEMO{bill.number}",
        note="现金",
    )
    return 1


def _online(payer: Actor, bill: Bill | None) -> int:
    if bill is None or bill.status not in Bill.OPEN:
        return 0
    order, _ = order_create(actor=payer, bill=bill)
    localbank.notice_send(order)
    return 1


def payments_demo(
    *,
    city: str,
    first: YearMonth,
    songjiang_code: str,
    dumplings_code: str,
    self_payer_id_number: str,
) -> PaymentsReport:
    """Pay the demo city's bills month by month from ``first`` to last month (see above)."""
    from freezegun import freeze_time

    finance = actor_for(User.objects.get(username="jl-cw-01"), "staff")
    zhang_user = User.objects.get(username=self_payer_id_number)
    zhang = actor_for(zhang_user, "individual")
    region = Region.objects.get(code=city)
    today = timezone.localdate()
    this = YearMonth.of(today)
    report = PaymentsReport()
    done = set(
        BankBatch.objects.filter(region=region, bank_code=localbank.BANK_CODE).values_list(
            "month", flat=True
        )
    )
    months = [m for m in _months(first, this) if m not in done]
    # One clock moved from pay day to pay day (a freeze per month would rescan every module).
    with freeze_time(_moment(first.day(PAY_DAY))) as clock:
        short_person: int | None = None
        for month in months:
            clock.move_to(_moment(month.day(PAY_DAY)))
            bills = list(
                Bill.objects.filter(region=region, month=month, kind=Bill.Kind.MONTHLY)
                .select_related("unit", "person")
                .order_by("number")
            )
            units = {b.unit.credit_code: b for b in bills if b.unit_id}
            own = next((b for b in bills if b.person_id == zhang_user.person_id), None)
            by_bank = [b for b in bills if b is not own and b is not units.get(dumplings_code)]
            if short_person is None and this - month <= SHORT_FROM:
                short_person = _first_lasting_self_payer(by_bank, this)
                if short_person is not None:
                    _short_passbook(short_person, finance=finance)
            _sign_agreements(by_bank, finance=finance)
            batch, _ = bankfile.batch_export(
                actor=None, region=region, month=month, bank_code=localbank.BANK_CODE
            )
            if batch.row_count and not batch.imports.exists():
                result = bankfile.batch_round_trip(actor=None, batch=batch)
                report.bank += result.paid_count
                report.bank_failed += result.failed_count
            if this - month > ARREARS_MONTHS:
                report.counter += _counter(finance, units.get(dumplings_code))
            if this - month > ZHANG_ARREARS:
                report.online += _online(zhang, own)
            if this - month == REFUND_PAID_MONTH:
                songjiang = Bill.objects.filter(pk=units[songjiang_code].pk).first()
                report.refunds_paid += _refund_paid(finance, songjiang, clock)
            if this - month == 1:
                _refund_pending(finance, units.get(songjiang_code))
            report.months_paid += 1
        report.counter += _backpay_paid(finance, clock)
    bills_mark_arrears(on=today)
    return report


def _months(first: YearMonth, end: YearMonth) -> list[YearMonth]:
    """The months from ``first`` up to, not including, ``end``."""
    months, month = [], first
    while month < end:
        months.append(month)
        month = month + 1
    return months


def _first_lasting_self_payer(bills: list[Bill], this: YearMonth) -> int | None:
    """A flexible worker of ``bills`` still insured this month (their arrears keep showing)."""
    from shebao.insurance.models import Category, Relation

    persons = sorted(b.person_id for b in bills if b.person_id)
    return (
        Relation.objects.current()
        .covering(this)
        .filter(person_id__in=persons, unit__isnull=True, category=Category.FLEXIBLE)
        .order_by("person_id")
        .values_list("person_id", flat=True)
        .first()
    )


def _refund_paid(finance: Actor, bill: Bill | None, clock: Any) -> int:
    """A refund of 松江机械 entered by the finance section on its paid bill, confirmed by
    telephone with the unit three days later and paid back to the unit's account."""
    if bill is None or bill.status != Bill.Status.PAID or Refund.objects.filter(bill=bill).exists():
        return 0
    refund = refund_create(
        actor=finance,
        bill=bill,
        amount="236.80",
        channel=Channel.BANK,
        account_number=REFUND_ACCOUNT,
        account_name=bill.unit.name,
        reason="基数差退费（演示）",
    )
    clock.move_to(timezone.now() + timedelta(days=3, hours=5))
    refund = refund_confirm_phone(
        actor=finance,
        refund=refund,
        phone=bill.unit.phone,
        spoke_with=f"法定代表人 {bill.unit.legal_rep_name}",
        note="核实退费金额与收款账户无误，同意退付",
    )
    refund_pay(refund, finance)
    return 1


def _refund_pending(finance: Actor, bill: Bill | None) -> None:
    """A refund of 松江机械 waiting for its telephone confirmation."""
    if bill is None or Refund.objects.filter(bill=bill).exists():
        return
    refund_create(
        actor=finance,
        bill=bill,
        amount="100.00",
        channel=Channel.BANK,
        account_number=REFUND_ACCOUNT,
        account_name=bill.unit.name,
        reason="基数差退费（演示）",
    )


def _backpay_paid(finance: Actor, clock: Any) -> int:
    """The approved back-payment's bill (补缴征集单) not paid by its month's deduction (issued
    after the pay day): paid at the counter five days after it was issued, by its due date."""
    bill = (
        Bill.objects.filter(kind=Bill.Kind.BACK_PAYMENT, status__in=Bill.OPEN)
        .filter(payer_kind=PayerKind.UNIT)
        .select_related("unit", "person")
        .order_by("pk")
        .first()
    )
    if bill is None:
        return 0
    issued = timezone.localdate(bill.created_at)
    clock.move_to(_moment(max(min(issued + timedelta(days=5), bill.due_date), issued), hour=14))
    return _counter(finance, bill)
