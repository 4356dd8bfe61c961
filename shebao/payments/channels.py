"""The payment channels behind one interface (DESIGN principle 8: outside systems behind
adapters, each with a working local implementation).

Every channel collects money on bills and pays refunds back:

- :class:`CounterChannel` (柜台): finance staff take the money in person
  (:func:`shebao.payments.services.counter_pay`); a refund is paid out in cash at the counter
  against the payee's signature, numbered in the counter's own sequence.
- :class:`OnlineChannel` (网上支付): an order (:func:`~shebao.payments.services.order_create`)
  sent to a payment gateway whose server notifies the hall
  (:func:`~shebao.payments.services.callback_receive`); the local gateway is
  :mod:`shebao.payments.localbank` (模拟网银). A refund goes back through the gateway.
- :class:`BankChannel` (银行代扣): the month's deduction file out, the bank's result file in
  (:mod:`shebao.payments.bankfile`); the local bank is :func:`shebao.payments.localbank.
  deduction_run`. A refund is a transfer line in the day's payout file to the bank.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from django.urls import reverse

from shebao.payments import localbank
from shebao.payments.models import Channel, PaymentOrder

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor


class Payout(Protocol):
    """Money the agency pays out: a refund (退费), a 稳岗返还 to a unit."""

    number: str
    account_number: str
    account_name: str

    @property
    def amount(self) -> Decimal: ...


class ChannelAdapter(ABC):
    channel: Channel
    label: str

    @abstractmethod
    def payout(self, refund: Payout, actor: Actor | None) -> str:
        """Move the payout's money to the payee; return the channel's reference of it."""


class CounterChannel(ChannelAdapter):
    channel = Channel.COUNTER
    label = "柜台"

    def payout(self, refund: Payout, actor: Actor | None) -> str:
        # Cash handed over at the counter: the counter's slip number is the reference.
        return f"CT-{refund.number}"


class OnlineChannel(ChannelAdapter):
    channel = Channel.ONLINE
    label = "网上支付"
    gateway = localbank.GATEWAY

    def pay_url(self, order: PaymentOrder) -> str:
        """Where the payer goes to pay the order: the gateway's cashier (local: 模拟网银)."""
        return localbank.cashier_url(order)

    def payout(self, refund: Payout, actor: Actor | None) -> str:
        return localbank.refund_to_card(refund)


class BankChannel(ChannelAdapter):
    channel = Channel.BANK
    label = "银行代扣"

    def export_url(self, batch_number: str) -> str:
        return reverse("payments:bank_file", args=[batch_number])

    def payout(self, refund: Payout, actor: Actor | None) -> str:
        return localbank.payout_transfer(refund)


ADAPTERS: dict[str, ChannelAdapter] = {
    a.channel: a for a in (CounterChannel(), OnlineChannel(), BankChannel())
}


def adapter_for(channel: str) -> ChannelAdapter:
    return ADAPTERS[Channel(channel)]
