"""The demo's payments: bills of the month before last paid at the counter (松江机械) and
online through the local bank's cashier (张伟's own bill), and one month-end deduction round
trip with the local bank in which one account fails (余额不足); a refund waiting for its
telephone confirmation. Idempotent: a second load changes nothing."""

from __future__ import annotations

from django.utils import timezone

from shebao.accounts.actors import actor_for
from shebao.accounts.models import User
from shebao.common.periods import YearMonth
from shebao.contributions.dues import amount_due
from shebao.contributions.models import Bill
from shebao.payments import bankfile, localbank
from shebao.payments.models import Channel, DeductionAgreement, Payment, Refund
from shebao.payments.services import counter_pay, order_create, refund_create
from shebao.registry.models import Region

# A demo bank account (Luhn-valid, fictitious).
REFUND_ACCOUNT = "6222020200112233446"


def _card(seed: int) -> str:
    from shebao.common.identifiers import luhn_valid

    body = f"62220202{seed:010d}"
    return next(body + d for d in "0123456789" if luhn_valid(body + d))


def payments_demo(*, city: str, songjiang_code: str, self_payer_id_number: str) -> dict[str, int]:
    """Pay a few bills of the month before last (the last month stays unpaid, to pay by hand)."""
    finance = actor_for(User.objects.get(username="jl-cw-01"), "staff")
    region = Region.objects.get(code=city)
    month = YearMonth.of(timezone.localdate()) - 2
    bills = Bill.objects.filter(month=month, region=region).select_related("unit", "person")
    done = {"counter": 0, "online": 0, "bank": 0}

    unit_bill = bills.filter(unit__credit_code=songjiang_code).first()
    if unit_bill is not None and unit_bill.status != Bill.Status.PAID:
        counter_pay(
            actor=finance,
            bill=unit_bill,
            amount=amount_due(unit_bill, timezone.localdate()),
            slip=f"DEMO{unit_bill.number}",
            note="现金",
        )
        done["counter"] = 1
        refund_create(
            actor=finance,
            bill=unit_bill,
            amount="100.00",
            channel=Channel.BANK,
            account_number=REFUND_ACCOUNT,
            account_name=unit_bill.unit.name,
            reason="基数差退费（演示）",
        )

    own = bills.filter(person__id_number=self_payer_id_number).first()
    if own is not None and own.status != Bill.Status.PAID:
        user = User.objects.get(person=own.person)
        order, _ = order_create(actor=actor_for(user, "individual"), bill=own)
        localbank.notice_send(order)
        done["online"] = 1

    # The month-end deduction: the other payers of the month with an agreement with the local
    # bank; the first self-payer's passbook is short (余额不足).
    if not DeductionAgreement.objects.exists():
        others = list(
            bills.filter(status__in=Bill.OPEN)
            .exclude(pk__in=[b.pk for b in (unit_bill, own) if b is not None])
            .order_by("payer_kind", "number")[:4]
        )
        short = next((b for b in others if b.person_id), None)
        for seq, bill in enumerate(others):
            payer = {"unit": bill.unit} if bill.unit_id else {"person": bill.person}
            bankfile.agreement_sign(
                actor=None,
                bank_code=localbank.BANK_CODE,
                account_number=_card(10_000 + seq),
                account_name=(bill.unit or bill.person).name,
                bank_outcome=DeductionAgreement.LocalOutcome.INSUFFICIENT if bill == short else "",
                **payer,
            )
    batch, _ = bankfile.batch_export(
        actor=None, region=region, month=month, bank_code=localbank.BANK_CODE
    )
    if batch.row_count and not batch.imports.exists():
        result = bankfile.batch_round_trip(actor=None, batch=batch)
        done["bank"] = result.paid_count
    done["payments"] = Payment.objects.count()
    done["refunds"] = Refund.objects.count()
    return done
