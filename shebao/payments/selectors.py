"""Reads of payments, receipts, batches and refunds, scoped by the actor: a receipt and a
bill's payments by whoever may read the bill (the payer's side, staff of the district); the
batches and refunds by finance staff."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q

from shebao.common.errors import NotFound
from shebao.contributions import selectors as bills
from shebao.payments.access import finance_districts, finance_require
from shebao.payments.models import (
    BankBatch,
    BankResultImport,
    BankResultRow,
    DeductionAgreement,
    Outcome,
    Payment,
    PaymentOrder,
    Receipt,
    Refund,
)

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor
    from shebao.contributions.models import Bill


def bill_payments(*, bill: Bill) -> list[Payment]:
    """The payments of a bill the caller already read through its scope, with receipts."""
    return list(
        Payment.objects.filter(bill=bill)
        .select_related("receipt", "recorded_by")
        .order_by("paid_at")
    )


def bill_open_order(*, bill: Bill) -> PaymentOrder | None:
    return PaymentOrder.objects.filter(bill=bill, status=PaymentOrder.Status.OPEN).first()


def receipt_for_reader(*, actor: Actor, number: str) -> Receipt:
    receipt = (
        Receipt.objects.select_related("bill", "payment", "payment__recorded_by")
        .filter(number=number.strip().upper())
        .first()
    )
    if receipt is None:
        raise NotFound("未找到该缴费凭证", code="RECEIPT_NOT_FOUND")
    try:
        bills.bill_for_reader(actor=actor, number=receipt.bill.number)
    except NotFound:
        raise NotFound("未找到该缴费凭证", code="RECEIPT_NOT_FOUND") from None
    return receipt


def receipts_for_payer(
    *, actor: Actor, limit: int = 20, offset: int = 0
) -> tuple[int, list[Receipt]]:
    """``(total, page)`` of the receipts of the bills the payer's side may read (a unit's
    readers, a self-paying person), newest first: two queries."""
    rows = (
        Receipt.objects.filter(bill__in=bills.bills_readable(actor=actor))
        .select_related("bill")
        .order_by("-paid_at", "-id")
    )
    return rows.count(), list(rows[offset : offset + limit])


def order_for_cashier(*, number: str) -> PaymentOrder | None:
    """The order the local bank's cashier shows (its link was signed by the hall)."""
    return PaymentOrder.objects.select_related("bill").filter(number=number).first()


def _finance_scope(actor: Actor) -> Q:
    codes = finance_districts(actor)
    return Q(unit__district_id__in=codes) | Q(person__district_id__in=codes)


def batches_for(*, actor: Actor, limit: int = 30) -> list[BankBatch]:
    finance_require(actor, district=None)
    return list(BankBatch.objects.select_related("region").order_by("-created_at", "-id")[:limit])


def batch_for(*, actor: Actor, number: str) -> BankBatch:
    finance_require(actor, district=None)
    batch = BankBatch.objects.select_related("region").filter(number=number).first()
    if batch is None:
        raise NotFound("未找到该代扣批次", code="BATCH_NOT_FOUND")
    return batch


def batch_problems(*, batch: BankBatch, limit: int = 200) -> list[BankResultRow]:
    """The result rows of the batch that did not pay, with why (the batch from
    :func:`batch_for`)."""
    return list(
        BankResultRow.objects.filter(result__batch=batch)
        .exclude(outcome=Outcome.PAID)
        .select_related("result")
        .order_by("result_id", "line")[:limit]
    )


def batch_imports(*, batch: BankBatch) -> list[BankResultImport]:
    return list(BankResultImport.objects.filter(batch=batch).select_related("imported_by"))


def agreements_for(*, actor: Actor, limit: int = 50) -> list[DeductionAgreement]:
    finance_require(actor, district=None)
    return list(
        DeductionAgreement.objects.filter(revoked_at__isnull=True)
        .filter(_finance_scope(actor))
        .select_related("unit", "person")
        .order_by("-id")[:limit]
    )


def refunds_for(*, actor: Actor, limit: int = 50) -> list[Refund]:
    finance_require(actor, district=None)
    return list(
        Refund.objects.filter(_finance_scope(actor))
        .select_related("unit", "person", "confirmed_by", "paid_by")
        .order_by("-created_at", "-id")[:limit]
    )


def refund_for(*, actor: Actor, number: str) -> Refund:
    finance_require(actor, district=None)
    refund = (
        Refund.objects.filter(_finance_scope(actor))
        .select_related("unit", "person", "confirmed_by", "paid_by", "bill", "application")
        .filter(number=number)
        .first()
    )
    if refund is None:
        raise NotFound("未找到该退费", code="REFUND_NOT_FOUND")
    return refund
