"""The amount due on a bill (应缴金额): the one place that says how much a payer is to pay.

Every channel (the counter, an online order, the bank's deduction file) asks :func:`amount_due`
(or, for a set of bills at once, :func:`dues_of`, or for bills not yet overdue the same rule as
an SQL expression, :func:`due_fen_sql`) and never adds a bill up itself. The amount
due is the bill's total less what has been paid on it, plus the late fee (滞纳金) once the day
by which it is payable has passed:

- the bill is payable by its due date, or by the later day a deferral (缓缴) moved it to
  (``Bill.deferred_to``); after that day an unpaid bill is in arrears (欠费);
- the late fee runs from the day after, on what remains unpaid of the bill's total, up to and
  including the day the total is paid (a partial payment stops it on what it paid); the days an
  emergency measure of the bill's region waives it on are not charged. It is computed by the
  one late-fee calculation (:func:`shebao.calculators.services.late_fee_calculate`, the rule
  :func:`shebao.rules.latefee.late_fee`) that the public calculator uses;
- a back-payment's bill (补缴征集单) adds the late fee of its past months, fixed when it was
  issued (:mod:`shebao.contributions.backpay`), or the interest of a flexible worker's
  interruption back-payment (:mod:`shebao.contributions.gap_backpay`); its own late fee runs
  on its total, as any bill's, once it is overdue itself;
- payments cover the total first, then the late fee.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import (
    BigIntegerField,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from shebao.common.money import from_fen, to_fen
from shebao.contributions.models import Bill
from shebao.rules.latefee import LateFeeResult

# Bills asked about per query (PostgreSQL takes at most 65,535 parameters a statement).
CHUNK = 10_000


@dataclass(frozen=True)
class Due:
    """The parts of a bill's amount due on a day, in integer fen."""

    bill_id: int
    on: date
    total_fen: int  # the bill's unit and individual shares, adjustments carried in included
    paid_fen: int  # the payments on the bill up to ``on``, less what refunds drew from it
    payable_by: date = date.max  # the due date, or the later day a deferral moved it to
    late_fee_fen: int = 0  # the late fee up to ``on`` (or up to the day the total was paid)
    late_fee: LateFeeResult | None = None  # its calculation, for the explanation
    cancelled: bool = False  # given up by its payer (已注销): nothing is due on it
    interest_fen: int = 0  # a back-payment's interest on its past months (补缴利息), fixed

    @property
    def due_fen(self) -> int:
        if self.cancelled:
            return 0
        return max(self.total_fen + self.late_fee_fen + self.interest_fen - self.paid_fen, 0)

    @property
    def principal_due_fen(self) -> int:
        """What of the bill's total is still unpaid (payments cover the total first)."""
        return 0 if self.cancelled else max(self.total_fen - self.paid_fen, 0)

    @property
    def amount(self) -> Decimal:
        return from_fen(self.due_fen)

    @property
    def late_fee_amount(self) -> Decimal:
        return from_fen(self.late_fee_fen)

    @property
    def overdue(self) -> bool:
        """Whether ``on`` is past the day the bill was payable by."""
        return self.on > self.payable_by

    @property
    def arrears(self) -> bool:
        """Something is still to be paid after the day it was payable by (欠费)."""
        return self.overdue and self.due_fen > 0


def payable_by(bill: Bill) -> date:
    """The last day ``bill`` may be paid without a late fee."""
    return max(bill.due_date, bill.deferred_to) if bill.deferred_to else bill.due_date


def _fee(
    *,
    region: str,
    total_fen: int,
    deadline: date,
    on: date,
    payments: list[tuple[date, int]],
) -> LateFeeResult | None:
    """The late fee on a bill's total payable by ``deadline``, as of ``on``, or None when none
    runs (not overdue, nothing to pay, or the total paid by the deadline)."""
    from shebao.calculators.services import late_fee_calculate

    if on <= deadline or total_fen <= 0:
        return None
    start = deadline + timedelta(days=1)
    end = on
    # What paid the total, by day: the payments go to the total first, the late fee after.
    towards: list[tuple[date, Decimal]] = []
    covered = 0
    for day, fen in sorted(payments):
        if covered >= total_fen:
            break
        part = min(fen, total_fen - covered)
        covered += part
        towards.append((day, from_fen(part)))
        if covered >= total_fen:
            end = min(end, day)
    if end < start:
        return None  # the total was paid by the deadline
    return late_fee_calculate(
        amount=from_fen(total_fen), start=start, end=end, region=region, payments=towards
    )


def dues_of(bill_ids: Iterable[int], *, on: date) -> dict[int, Due]:
    """The parts of the amount due of each bill in ``bill_ids`` on ``on``: three queries per
    ``CHUNK`` bills (the bank's deduction file asks for a month's bills at once), and the late
    fee of each overdue one."""
    # The payments app records the payments; read through the model registry so that the
    # contributions app does not import the app built on it.
    from django.apps import apps

    from shebao.policy.selectors import policy_scope

    payment = apps.get_model("payments", "Payment")
    allocation = apps.get_model("payments", "RefundAllocation")
    ids = list(bill_ids)
    dues: dict[int, Due] = {}
    with policy_scope():
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            rows = Bill.objects.filter(pk__in=chunk).values_list(
                "pk",
                "region_id",
                "due_date",
                "deferred_to",
                "unit_total_fen",
                "individual_total_fen",
                "adjustment_unit_fen",
                "adjustment_individual_fen",
                "backpay_late_fee_fen",
                "status",
                "backpay_interest_fen",
            )
            paid: dict[int, list[tuple[date, int]]] = defaultdict(list)
            for bill_id, paid_at, fen in payment.objects.filter(bill_id__in=chunk).values_list(
                "bill_id", "paid_at", "amount_fen"
            ):
                day = timezone.localdate(paid_at)
                if day <= on:
                    paid[bill_id].append((day, fen))
            # A refund paid back out of a bill's credit (payments beyond what it asks) is money
            # the payer no longer has on the bill: should the total rise again (the month
            # assessed after a difference was refunded), that part is due once more.
            refunded = dict(
                allocation.objects.filter(bill_id__in=chunk)
                .values("bill_id")
                .annotate(s=Sum("amount_fen"))
                .values_list("bill_id", "s")
                .order_by()
            )
            for row in rows:
                pk, region, due, deferred, unit, individual, adj_unit, adj_individual = row[:8]
                # A back-payment's late fee of its past months, fixed when it was issued.
                accrued = row[8]
                cancelled = row[9] == Bill.Status.CANCELLED
                deadline = max(due, deferred) if deferred else due
                total = unit + individual + adj_unit + adj_individual
                fee = (
                    None
                    if cancelled
                    else _fee(
                        region=region, total_fen=total, deadline=deadline, on=on, payments=paid[pk]
                    )
                )
                dues[pk] = Due(
                    bill_id=pk,
                    on=on,
                    total_fen=total,
                    paid_fen=sum(fen for _day, fen in paid[pk]) - int(refunded.get(pk) or 0),
                    payable_by=deadline,
                    late_fee_fen=0
                    if cancelled
                    else accrued + (to_fen(fee.fee) if fee is not None else 0),
                    late_fee=fee,
                    cancelled=cancelled,
                    interest_fen=0 if cancelled else row[10],
                )
    return dues


def total_fen_sql() -> CombinedExpression:
    """A bill's total (what :attr:`Bill.total_fen` says) as an SQL expression over the bill."""
    return (
        F("unit_total_fen")
        + F("individual_total_fen")
        + F("adjustment_unit_fen")
        + F("adjustment_individual_fen")
    )


def due_fen_sql(*, on: date) -> Func:
    """The amount due on ``on`` of a bill not past the day it is payable by, as one SQL
    expression over the bill, to annotate a set of bills at once (the bank's deduction file):
    the same as :func:`dues_of` gives it — the total and a back-payment's late fee or interest
    of its past months, less the payments up to the end of ``on`` (local time), plus what refunds drew from
    it, and never below nothing. No late fee of its own runs yet; for an overdue bill ask
    :func:`dues_of`."""
    from django.apps import apps

    payment = apps.get_model("payments", "Payment")
    allocation = apps.get_model("payments", "RefundAllocation")
    until = timezone.make_aware(datetime.combine(on + timedelta(days=1), time.min))

    def sum_of(model: Any, **where: Any) -> Coalesce:
        rows = model.objects.filter(bill_id=OuterRef("pk"), **where).order_by()
        total = rows.values("bill_id").annotate(s=Sum("amount_fen")).values("s")
        return Coalesce(Subquery(total), Value(0), output_field=BigIntegerField())

    due = (
        total_fen_sql()
        + F("backpay_late_fee_fen")
        + F("backpay_interest_fen")
        - sum_of(payment, paid_at__lt=until)
        + sum_of(allocation)
    )
    return Greatest(due, Value(0), output_field=BigIntegerField())


def due_parts(bill: Bill, *, on: date) -> Due:
    """The parts of one bill's amount due on ``on``."""
    return dues_of([bill.pk], on=on)[bill.pk]


def amount_due(bill: Bill, on: date) -> Decimal:
    """What the payer of ``bill`` is to pay on ``on`` (yuan, two decimals)."""
    return due_parts(bill, on=on).amount


# --- arrears (欠费) ------------------------------------------------------------------------------


def overdue_q(on: date) -> Q:
    """Bills not paid whose payable day is before ``on``: in arrears on ``on``, whatever the
    stored status says (the housekeeping may not have run yet today)."""
    return (
        ~Q(status__in=(Bill.Status.PAID, Bill.Status.CANCELLED))
        & Q(due_date__lt=on)
        & (Q(deferred_to__isnull=True) | Q(deferred_to__lt=on))
    )


def bills_with_state(bills: QuerySet[Bill], *, state: str, on: date) -> QuerySet[Bill]:
    """``bills`` in ``state`` (unpaid, arrears or paid) as read on ``on``."""
    if state == Bill.Status.ARREARS:
        return bills.filter(overdue_q(on))
    if state == Bill.Status.UNPAID:
        return bills.filter(status__in=Bill.OPEN).exclude(overdue_q(on))
    return bills.filter(status=state)


def bill_state(bill: Bill, *, on: date) -> str:
    """The bill's state on ``on``: paid, arrears (not paid after the day it was payable by) or
    unpaid."""
    if bill.status in (Bill.Status.PAID, Bill.Status.CANCELLED):
        return bill.status
    return Bill.Status.ARREARS if on > payable_by(bill) else Bill.Status.UNPAID


def bills_mark_arrears(*, on: date) -> int:
    """The daily step (housekeeping): every unpaid bill whose payable day is before ``on``
    becomes arrears, and an arrears bill whose payable day a deferral moved past ``on`` is
    unpaid again; two statements, whatever the number of bills. Returns the bills changed."""
    now = timezone.now()
    changed = (
        Bill.objects.filter(status=Bill.Status.UNPAID)
        .filter(overdue_q(on))
        .update(status=Bill.Status.ARREARS, updated_at=now)
    )
    changed += (
        Bill.objects.filter(status=Bill.Status.ARREARS)
        .exclude(overdue_q(on))
        .update(status=Bill.Status.UNPAID, updated_at=now)
    )
    return changed
