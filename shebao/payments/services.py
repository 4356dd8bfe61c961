"""Writes of payments: a payment recorded on a bill with its receipt, at the counter and from
an online channel's notice; the online order; refunds confirmed by telephone and paid out.

The bill's row lock (``select_for_update``) serialises every write on a bill, and the unique
constraints (one open order per bill, one payment per order, one payment per channel and
reference) make a repeated request record nothing twice. The bill becomes paid in the same
transaction as the payment that settles it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from shebao.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from shebao.common.money import from_fen, money_str, to_decimal, to_fen
from shebao.contributions.dues import amount_due, due_parts
from shebao.contributions.models import Bill, PayerKind
from shebao.payments.access import finance_require, payer_district
from shebao.payments.models import Channel, Payment, PaymentOrder, Receipt, Refund

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor


class SignatureInvalid(PermissionDenied):
    status = 401
    default_code = "SIGNATURE_INVALID"


def _number(prefix: str, pk: int, day: datetime) -> str:
    """A document number: prefix + yyyymmdd + the row id on ten digits (unique as the id)."""
    return f"{prefix}{timezone.localtime(day):%Y%m%d}{pk:010d}"


def _lock_bill(bill: Bill) -> Bill:
    return (
        Bill.objects.select_for_update(of=("self",))
        .select_related("unit", "person")
        .get(pk=bill.pk)
    )


def _payer(bill: Bill) -> tuple[str, str]:
    if bill.unit_id:
        return bill.unit.credit_code, bill.unit.name
    return bill.person.id_number, bill.person.name


def _record(
    *,
    bill: Bill,
    channel: str,
    reference: str,
    amount_fen: int,
    paid_at: datetime,
    order: PaymentOrder | None = None,
    recorded_by: Any = None,
    note: str = "",
) -> Payment:
    """Record a payment on the (locked) bill with its receipt, and mark the bill paid when the
    payments cover its amount due (its total, and the late fee of an overdue bill) on the day of
    payment. The caller holds the bill's lock."""
    payment = Payment.objects.create(
        bill=bill,
        channel=channel,
        reference=reference,
        amount_fen=amount_fen,
        order=order,
        paid_at=paid_at,
        recorded_by=recorded_by,
        note=note[:100],
    )
    code, name = _payer(bill)
    Receipt.objects.create(
        number=_number("PZ", payment.pk, paid_at),
        payment=payment,
        bill=bill,
        payer_kind=bill.payer_kind,
        payer_code=code,
        payer_name=name,
        amount_fen=amount_fen,
        channel=channel,
        paid_at=paid_at,
    )
    due = due_parts(bill, on=timezone.localdate(paid_at))
    if due.due_fen == 0 and bill.status != Bill.Status.PAID:
        bill.status = Bill.Status.PAID
        bill.updated_at = timezone.now()
        bill.save(update_fields=["status", "updated_at"])
    return payment


def _due_fen(bill: Bill) -> int:
    return to_fen(amount_due(bill, timezone.localdate()))


# --- the counter -------------------------------------------------------------------------------


@transaction.atomic
def counter_pay(
    *, actor: Actor, bill: Bill, amount: Decimal | str, slip: str, note: str = ""
) -> tuple[Payment, bool]:
    """Finance staff take the amount due on ``bill`` at the counter (柜台缴费) and issue the
    receipt. ``slip`` is the counter's own number of the transaction (the form's one-time key):
    a second submission of the same slip returns the first payment, ``(payment, False)``."""
    finance_require(actor, district=payer_district(bill))
    slip = (slip or "").strip()[:40]
    if not slip:
        raise InvalidInput("缺少收款流水号，请刷新页面后重试", code="SLIP_REQUIRED")
    reference = f"CT{slip}"
    existing = Payment.objects.filter(channel=Channel.COUNTER, reference=reference).first()
    if existing is not None:
        return existing, False
    locked = _lock_bill(bill)
    value = to_decimal(amount, field="amount")
    due = _due_fen(locked)
    if locked.status == Bill.Status.CANCELLED:
        raise Conflict("该征集单的欠费已注销，不能缴费", code="BILL_CANCELLED")
    if locked.status == Bill.Status.PAID or due == 0:
        raise Conflict("该征集单已缴清，无需再缴", code="BILL_PAID")
    if value * 100 != (value * 100).to_integral_value() or to_fen(value) != due:
        raise InvalidInput(
            f"收款金额须等于应缴金额 {money_str(from_fen(due))} 元",
            code="AMOUNT_MISMATCH",
            field="amount",
        )
    try:
        with transaction.atomic():
            payment = _record(
                bill=locked,
                channel=Channel.COUNTER,
                reference=reference,
                amount_fen=due,
                paid_at=timezone.now(),
                recorded_by=actor.user,
                note=note,
            )
    except IntegrityError:  # the same slip raced in: it is the same payment
        return Payment.objects.get(channel=Channel.COUNTER, reference=reference), False
    return payment, True


# --- online orders and the channel's notice ----------------------------------------------------


def gateway_secret(gateway: str) -> bytes:
    secrets = settings.SHEBAO_PAYMENT_SECRETS
    if gateway not in secrets:
        raise NotFound("未知的支付渠道", code="CHANNEL_UNKNOWN")
    return secrets[gateway].encode()


def callback_sign(gateway: str, body: bytes) -> str:
    """The channel's signature of a notice body: hex HMAC-SHA256 under the channel's secret."""
    return hmac.new(gateway_secret(gateway), body, hashlib.sha256).hexdigest()


@transaction.atomic
def order_create(
    *, actor: Actor, bill: Bill, gateway: str = "localbank"
) -> tuple[PaymentOrder, bool]:
    """The open payment order of ``bill`` for the amount due (the payer's side pays): the one
    already open when its amount is still the amount due (``created`` False), else a new one
    (an open order for an outdated amount is closed first)."""
    gateway_secret(gateway)
    locked = _lock_bill(bill)
    due = _due_fen(locked)
    if locked.status == Bill.Status.CANCELLED:
        raise Conflict("该征集单的欠费已注销，不能缴费", code="BILL_CANCELLED")
    if locked.status == Bill.Status.PAID or due == 0:
        raise Conflict("该征集单已缴清，无需再缴", code="BILL_PAID")
    current = (
        PaymentOrder.objects.select_for_update()
        .filter(bill=locked, status=PaymentOrder.Status.OPEN)
        .first()
    )
    if current is not None:
        if current.amount_fen == due and current.gateway == gateway:
            return current, False
        current.status = PaymentOrder.Status.CLOSED
        current.save(update_fields=["status"])
    now = timezone.now()
    order = PaymentOrder.objects.create(
        number=f"TMP{uuid.uuid4().hex[:20]}",
        bill=locked,
        gateway=gateway,
        amount_fen=due,
        created_by=actor.user,
        created_at=now,
    )
    order.number = _number("DD", order.pk, now)
    order.save(update_fields=["number"])
    return order, True


def _notice(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise InvalidInput("通知内容不是有效的 JSON", code="NOTICE_MALFORMED") from None
    if not isinstance(data, dict):
        raise InvalidInput("通知内容不是有效的 JSON 对象", code="NOTICE_MALFORMED")
    for key in ("order", "bill", "amount", "trade_no", "status"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise InvalidInput(f"通知缺少字段 {key}", code="NOTICE_MALFORMED", field=key)
    return data


def callback_receive(*, gateway: str, body: bytes, signature: str) -> tuple[Payment, bool]:
    """A channel's server-to-server notice that an order was paid. The body is JSON ``{"order",
    "bill", "amount" ("123.45"), "trade_no", "status": "success", "paid_at"}`` signed with the
    channel's secret (hex HMAC-SHA256 in the ``X-Signature`` header), checked in constant time.

    Checked against the order: its bill, its amount, its state. The same notice again returns
    the same payment (``created`` False); anything else is refused with a stable code and
    nothing is written."""
    expected = callback_sign(gateway, body)
    if not hmac.compare_digest(expected, (signature or "").strip().lower()):
        raise SignatureInvalid("通知签名无效", code="SIGNATURE_INVALID")
    data = _notice(body)
    amount = to_decimal(data["amount"], field="amount")
    if amount * 100 != (amount * 100).to_integral_value() or amount <= 0:
        raise InvalidInput("通知金额无效", code="NOTICE_MALFORMED", field="amount")
    amount_fen = to_fen(amount)
    if data["status"] != "success":
        raise InvalidInput("只接受支付成功的通知", code="NOTICE_NOT_SUCCESS", field="status")
    paid_at = parse_datetime(data.get("paid_at") or "") or timezone.now()
    if timezone.is_naive(paid_at):
        paid_at = timezone.make_aware(paid_at)
    trade_no = data["trade_no"].strip()[:60]
    with transaction.atomic():
        order = (
            PaymentOrder.objects.select_for_update()
            .select_related("bill")
            .filter(number=data["order"].strip(), gateway=gateway)
            .first()
        )
        if order is None:
            raise NotFound("订单不存在", code="ORDER_NOT_FOUND")
        if order.bill.number != data["bill"].strip():
            raise Conflict("通知的征集单与订单不符", code="BILL_MISMATCH")
        if amount_fen != order.amount_fen:
            raise Conflict(
                f"通知金额与订单金额 {money_str(order.amount)} 元不符", code="AMOUNT_MISMATCH"
            )
        if order.status == PaymentOrder.Status.PAID:
            payment = order.payment
            if payment.reference != f"{gateway}:{trade_no}":
                raise Conflict("订单已由另一笔交易支付", code="ORDER_ALREADY_PAID")
            return payment, False
        if order.status != PaymentOrder.Status.OPEN:
            raise Conflict("订单已关闭", code="ORDER_CLOSED")
        bill = _lock_bill(order.bill)
        if bill.status == Bill.Status.PAID:
            raise Conflict("征集单已缴清，该笔支付须退回", code="BILL_PAID")
        if bill.status == Bill.Status.CANCELLED:
            raise Conflict("征集单的欠费已注销，该笔支付须退回", code="BILL_CANCELLED")
        payment = _record(
            bill=bill,
            channel=Channel.ONLINE,
            reference=f"{gateway}:{trade_no}",
            amount_fen=amount_fen,
            paid_at=paid_at,
            order=order,
            note=f"订单 {order.number}",
        )
        order.status = PaymentOrder.Status.PAID
        order.paid_at = paid_at
        order.save(update_fields=["status", "paid_at"])
    return payment, True


# --- refunds -----------------------------------------------------------------------------------


def _refund_district(refund: Refund) -> str:
    return (refund.unit.district_id if refund.unit_id else refund.person.district_id) or ""


@transaction.atomic
def refund_create(
    *,
    actor: Actor | None,
    amount: Decimal | str,
    channel: str,
    bill: Bill | None = None,
    unit: Any = None,
    person: Any = None,
    account_number: str = "",
    account_name: str = "",
    reason: str = "",
    application: Any = None,
) -> Refund:
    """A refund to pay back (the refund matter's approval makes it; staff may too). The payee is
    the bill's payer unless ``unit``/``person`` says otherwise; a bank refund needs an account
    (a card number passes its Luhn check)."""
    from shebao.common.identifiers import normalize_bank_account, normalize_bank_card

    if actor is not None:
        district = (
            payer_district(bill)
            if bill is not None
            else ((unit.district_id if unit else person.district_id) or None)
        )
        finance_require(actor, district=district)
    value = to_decimal(amount, field="amount")
    if value <= 0 or value * 100 != (value * 100).to_integral_value():
        raise InvalidInput("退费金额须大于零，精确到分", code="AMOUNT_INVALID", field="amount")
    channel = Channel(channel)
    if bill is not None and unit is None and person is None:
        unit, person = (bill.unit, None) if bill.unit_id else (None, bill.person)
    if (unit is None) == (person is None):
        raise InvalidInput("须指定退付对象（单位或个人）", code="PAYEE_REQUIRED")
    account = ""
    if channel == Channel.BANK:
        raw = (account_number or "").strip()
        digits = "".join(raw.split())
        account = (
            normalize_bank_card(digits, field="account_number")
            if 16 <= len(digits) <= 19
            else normalize_bank_account(digits, field="account_number")
        )
        if not account_name.strip():
            raise InvalidInput("请填写收款户名", code="ACCOUNT_NAME_REQUIRED", field="account_name")
    now = timezone.now()
    refund = Refund.objects.create(
        number=f"TMP{uuid.uuid4().hex[:20]}",
        payer_kind=PayerKind.UNIT if unit is not None else PayerKind.SELF,
        payer_id=(unit or person).pk,
        unit=unit,
        person=person,
        bill=bill,
        application=application,
        amount_fen=to_fen(value),
        channel=channel,
        account_number=account,
        account_name=account_name.strip()[:100],
        reason=reason.strip()[:200],
        created_at=now,
    )
    refund.number = _number("TF", refund.pk, now)
    refund.save(update_fields=["number"])
    return refund


def phone_number(phone: str) -> str:
    """The number a confirmation call was made to: a mobile (checked) or a landline with its
    area code (digits and hyphens); ``PHONE_INVALID`` otherwise."""
    from shebao.common.identifiers import normalize_mobile

    text = "".join((phone or "").split())
    if text.isdigit() and len(text) == 11:
        return normalize_mobile(text, field="phone")
    if not (text.replace("-", "").isdigit() and 7 <= len(text) <= 20):
        raise InvalidInput("请填写核实所拨打的电话号码", code="PHONE_INVALID", field="phone")
    return text


@transaction.atomic
def refund_confirm_phone(
    *, actor: Actor, refund: Refund, phone: str, note: str, spoke_with: str = ""
) -> Refund:
    """Record the telephone confirmation with the payee (who called, when, which number, who
    answered, what was said): the condition of any payout."""
    finance_require(actor, district=_refund_district(refund))
    locked = Refund.objects.select_for_update().get(pk=refund.pk)
    if locked.status != Refund.Status.PENDING:
        raise Conflict("该退费已核实", code="REFUND_ALREADY_CONFIRMED")
    text = phone_number(phone)
    if not (note or "").strip():
        raise InvalidInput("请填写电话核实情况", code="NOTE_REQUIRED", field="note")
    locked.status = Refund.Status.CONFIRMED
    locked.confirmed_by = actor.user
    locked.confirmed_at = timezone.now()
    locked.confirmed_phone = text
    locked.confirmed_with = " ".join((spoke_with or "").split())[:50]
    locked.confirmed_note = note.strip()[:200]
    locked.save(
        update_fields=[
            "status",
            "confirmed_by",
            "confirmed_at",
            "confirmed_phone",
            "confirmed_with",
            "confirmed_note",
        ]
    )
    return locked


def refund_pay(refund: Refund, actor: Actor) -> Refund:
    """Pay the refund back through its channel's adapter, once: finance staff of the payee's
    district, after the telephone confirmation. A second call on a paid refund changes
    nothing and returns it."""
    from shebao.payments.channels import adapter_for

    finance_require(actor, district=_refund_district(refund))
    with transaction.atomic():
        locked = (
            Refund.objects.select_for_update(of=("self",))
            .select_related("unit", "person", "bill")
            .get(pk=refund.pk)
        )
        if locked.status == Refund.Status.PAID:
            return locked
        if locked.status != Refund.Status.CONFIRMED or locked.confirmed_at is None:
            raise Conflict("退费须先与参保人电话核实确认，方可支付", code="REFUND_NOT_CONFIRMED")
        reference = adapter_for(locked.channel).payout(locked, actor)
        locked.status = Refund.Status.PAID
        locked.paid_by = actor.user
        locked.paid_at = timezone.now()
        locked.reference = reference
        locked.save(update_fields=["status", "paid_by", "paid_at", "reference"])
        if locked.application_id is not None:
            _complete_case(locked, actor)
    return locked


def _complete_case(refund: Refund, actor: Actor) -> None:
    """The refund matter is done (办结) when its money has gone back: the payout completes the
    approved application in the payout's transaction."""
    from shebao.applications.models import Application
    from shebao.applications.services import application_complete

    application = Application.objects.get(pk=refund.application_id)
    if application.status == Application.Status.APPROVED:
        application_complete(
            actor=actor,
            application=application,
            version=application.version,
            reason="退费已支付",
        )
