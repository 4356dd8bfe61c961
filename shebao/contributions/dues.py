"""The amount due on a bill (应缴金额): the one place that says how much a payer is to pay.

Every channel (the counter, an online order, the bank's deduction file) asks :func:`amount_due`
(or, for a set of bills at once, :func:`dues_of`) and never adds a bill up itself. Today the
amount due is the bill's total less what has been paid on it; the late fee (滞纳金) and earlier
arrears join here as further parts of :class:`Due`, so every caller picks them up at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Sum

from shebao.common.money import from_fen
from shebao.contributions.models import Bill

# Bills asked about per query (PostgreSQL takes at most 65,535 parameters a statement).
CHUNK = 10_000


@dataclass(frozen=True)
class Due:
    """The parts of a bill's amount due on a day, in integer fen."""

    bill_id: int
    on: date
    total_fen: int  # the bill's unit and individual shares, adjustments carried in included
    paid_fen: int  # what the payments on the bill add up to, less what refunds drew from it

    @property
    def due_fen(self) -> int:
        return max(self.total_fen - self.paid_fen, 0)

    @property
    def amount(self) -> Decimal:
        return from_fen(self.due_fen)


def dues_of(bill_ids: Iterable[int], *, on: date) -> dict[int, Due]:
    """The parts of the amount due of each bill in ``bill_ids`` on ``on``: three queries per
    ``CHUNK`` bills (the bank's deduction file asks for a month's bills at once)."""
    # The payments app records the payments; read through the model registry so that the
    # contributions app does not import the app built on it.
    from django.apps import apps

    payment = apps.get_model("payments", "Payment")
    allocation = apps.get_model("payments", "RefundAllocation")
    ids = list(bill_ids)
    dues: dict[int, Due] = {}
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        rows = Bill.objects.filter(pk__in=chunk).values_list(
            "pk",
            "unit_total_fen",
            "individual_total_fen",
            "adjustment_unit_fen",
            "adjustment_individual_fen",
        )
        paid = dict(
            payment.objects.filter(bill_id__in=chunk)
            .values("bill_id")
            .annotate(s=Sum("amount_fen"))
            .values_list("bill_id", "s")
            .order_by()
        )
        # A refund paid back out of a bill's credit (payments beyond its total) is money the
        # payer no longer has on the bill: should the total rise again (the month assessed
        # after a difference was refunded), that part is due once more.
        refunded = dict(
            allocation.objects.filter(bill_id__in=chunk)
            .values("bill_id")
            .annotate(s=Sum("amount_fen"))
            .values_list("bill_id", "s")
            .order_by()
        )
        for pk, unit, individual, adjust_unit, adjust_individual in rows:
            dues[pk] = Due(
                bill_id=pk,
                on=on,
                total_fen=unit + individual + adjust_unit + adjust_individual,
                paid_fen=int(paid.get(pk) or 0) - int(refunded.get(pk) or 0),
            )
    return dues


def due_parts(bill: Bill, *, on: date) -> Due:
    """The parts of one bill's amount due on ``on``."""
    return dues_of([bill.pk], on=on)[bill.pk]


def amount_due(bill: Bill, on: date) -> Decimal:
    """What the payer of ``bill`` is to pay on ``on`` (yuan, two decimals)."""
    return due_parts(bill, on=on).amount
