"""The local bank (本地银行渠道): a working stand-in for the outside bank, so that every money
flow of the hall runs end to end on one machine. It is not a bank and says so on every page.

- the online cashier (模拟网银, :func:`cashier_url`, the page ``payments:cashier``): the payer
  confirms; the bank's server sends its signed notice (:func:`notice_send`) to the hall's
  callback, through the very function the HTTP endpoint calls;
- the month-end deduction (:func:`deduction_run`): reads a deduction file and writes the
  result file, deterministically: an account's outcome comes from its agreement's
  ``bank_outcome`` (余额不足, 账户冻结 …), every other row succeeds;
- payouts of refunds (:func:`refund_to_card`, :func:`payout_transfer`): one line each in the
  bank's journal under ``VAR_DIR/localbank/``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import TYPE_CHECKING

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from shebao.common.money import from_fen, money_str

if TYPE_CHECKING:
    from shebao.payments.channels import Payout
    from shebao.payments.models import Payment, PaymentOrder

GATEWAY = "localbank"
BANK_CODE = "LOCAL"  # the local bank's code in deduction files


def _link_key() -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), b"localbank-cashier", hashlib.sha256).digest()


def cashier_token(order_number: str) -> str:
    """The signature the hall puts in the cashier link (as a gateway's signed redirect does):
    only whoever received the link opens the order's cashier."""
    return hmac.new(_link_key(), order_number.encode(), hashlib.sha256).hexdigest()[:32]


def cashier_token_valid(order_number: str, token: str) -> bool:
    return hmac.compare_digest(cashier_token(order_number), token or "")


def cashier_url(order: PaymentOrder) -> str:
    path = reverse("payments:cashier", args=[order.number])
    return f"{path}?t={cashier_token(order.number)}"


def notice_body(order: PaymentOrder, *, trade_no: str, amount_fen: int | None = None) -> bytes:
    """The bank's notice that ``order`` was paid, as its server sends it."""
    amount = order.amount_fen if amount_fen is None else amount_fen
    return json.dumps(
        {
            "order": order.number,
            "bill": order.bill.number,
            "amount": money_str(from_fen(amount)),
            "trade_no": trade_no,
            "status": "success",
            "paid_at": timezone.now().isoformat(),
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()


def notice_send(order: PaymentOrder) -> tuple[Payment, bool]:
    """The payer confirmed at the cashier: the bank signs its notice and delivers it to the
    hall's callback (:func:`shebao.payments.services.callback_receive`, what
    ``POST /api/v1/payments/callback/localbank`` calls with the request's body)."""
    from shebao.payments.services import callback_receive, callback_sign

    body = notice_body(order, trade_no=f"LB{order.number}")
    return callback_receive(gateway=GATEWAY, body=body, signature=callback_sign(GATEWAY, body))


# --- the month-end deduction ---------------------------------------------------------------------


def deduction_run(export_text: str) -> str:
    """The bank's run over a deduction file (:mod:`shebao.payments.bankfile` format): the
    result file. An account whose agreement has a ``bank_outcome`` fails with that code; every
    other row is deducted in full."""
    from shebao.payments.bankfile import RESULT_MESSAGES, parse_export, result_text
    from shebao.payments.models import DeductionAgreement

    header, rows = parse_export(export_text)
    accounts = {row.account for row in rows}
    flagged = dict(
        DeductionAgreement.objects.filter(account_number__in=accounts, revoked_at__isnull=True)
        .exclude(bank_outcome="")
        .values_list("account_number", "bank_outcome")
    )
    results = []
    for row in rows:
        code = flagged.get(row.account, "00")
        results.append((row, code, RESULT_MESSAGES.get(code, ""), f"LB{header.batch}{row.seq:07d}"))
    return result_text(header, results)


# --- payouts ---------------------------------------------------------------------------------------


def _journal(kind: str, refund: Payout) -> str:
    folder = settings.VAR_DIR / "localbank"
    folder.mkdir(parents=True, exist_ok=True)
    reference = f"LB{kind}{refund.number}"
    record = {
        "ref": reference,
        "kind": kind,
        "refund": refund.number,
        "account": refund.account_number,
        "name": refund.account_name,
        "amount": money_str(refund.amount),
        "at": timezone.now().isoformat(),
    }
    with (folder / "payouts.jsonl").open("a", encoding="utf-8") as journal:
        journal.write(json.dumps(record, ensure_ascii=False) + "\n")
    return reference


def refund_to_card(refund: Payout) -> str:
    """The gateway's refund to the card the payer paid with."""
    return _journal("R", refund)


def payout_transfer(refund: Payout) -> str:
    """A transfer to the payee's account (the day's payout file)."""
    return _journal("T", refund)
