"""Refund payout: the telephone confirmation (who, when, which number, what was said) comes
before any money moves; finance staff of the payee's district pay it once through the
channel's adapter."""

from __future__ import annotations

import json

import pytest
from django.conf import settings

from shebao.common.errors import Conflict, InvalidInput, PermissionDenied
from shebao.payments.models import Channel, Refund
from shebao.payments.services import refund_confirm_phone, refund_create, refund_pay
from shebao.testing import signed_in, staff_actor

pytestmark = pytest.mark.django_db


def _journal() -> list[dict]:
    path = settings.VAR_DIR / "localbank" / "payouts.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.fixture(autouse=True)
def _var(settings, tmp_path):
    settings.VAR_DIR = tmp_path


@pytest.fixture
def refund(world):
    return refund_create(
        actor=staff_actor(world.finance),
        bill=world.unit_bill,
        amount="200.50",
        channel=Channel.BANK,
        account_number="6222 0202 0011 2233 446",
        account_name="吉林市松花江纺织有限公司",
        reason="基数差退费",
    )


def test_a_refund_is_paid_only_after_the_telephone_confirmation(world, refund):
    actor = staff_actor(world.finance)
    assert (refund.unit, refund.amount_fen, refund.status) == (world.unit, 20_050, "pending")
    with pytest.raises(Conflict) as refused:
        refund_pay(refund, actor)
    assert refused.value.code == "REFUND_NOT_CONFIRMED"
    assert Refund.objects.get(pk=refund.pk).paid_at is None and _journal() == []

    confirmed = refund_confirm_phone(
        actor=actor, refund=refund, phone="13943110001", note="法人确认多缴，同意退至单位账户"
    )
    assert (confirmed.confirmed_by, confirmed.confirmed_phone) == (world.finance, "13943110001")
    assert confirmed.confirmed_at is not None

    paid = refund_pay(confirmed, actor)
    assert paid.status == "paid" and paid.paid_by == world.finance
    assert paid.paid_at >= paid.confirmed_at
    assert paid.reference.startswith("LBT")
    (line,) = _journal()
    assert (line["ref"], line["amount"], line["account"]) == (
        paid.reference,
        "200.50",
        "6222020200112233446",
    )
    again = refund_pay(paid, actor)
    assert again.reference == paid.reference and len(_journal()) == 1


@pytest.mark.parametrize("who", ["registration", "finance_there"])
def test_staff_without_finance_in_the_district_may_not_confirm_or_pay(world, refund, who):
    actor = staff_actor(getattr(world, who))
    with pytest.raises(PermissionDenied):
        refund_confirm_phone(actor=actor, refund=refund, phone="13943110001", note="确认")
    refund_confirm_phone(
        actor=staff_actor(world.finance), refund=refund, phone="13943110001", note="确认"
    )
    with pytest.raises(PermissionDenied):
        refund_pay(refund, actor)
    assert Refund.objects.get(pk=refund.pk).status == "confirmed" and _journal() == []


def test_a_confirmation_needs_a_number_and_what_was_said(world, refund):
    actor = staff_actor(world.finance)
    with pytest.raises(InvalidInput):
        refund_confirm_phone(actor=actor, refund=refund, phone="abc", note="确认")
    with pytest.raises(InvalidInput):
        refund_confirm_phone(actor=actor, refund=refund, phone="0432-62345678", note=" ")
    assert Refund.objects.get(pk=refund.pk).status == "pending"


def test_a_bank_refund_needs_a_valid_account(world):
    with pytest.raises(InvalidInput) as refused:
        refund_create(
            actor=None,
            bill=world.unit_bill,
            amount="1.00",
            channel=Channel.BANK,
            account_number="6222020200112233445",
            account_name="单位",
        )
    assert refused.value.code == "BANK_CARD_BAD_CHECK"
    assert Refund.objects.count() == 0


@pytest.mark.parametrize("channel", [Channel.COUNTER, Channel.ONLINE])
def test_each_channel_pays_out_through_its_adapter(world, channel):
    actor = staff_actor(world.finance)
    refund = refund_create(actor=actor, bill=world.self_bill, amount="10.00", channel=channel)
    refund_confirm_phone(actor=actor, refund=refund, phone="13943110002", note="本人确认")
    paid = refund_pay(refund, actor)
    prefix = {Channel.COUNTER: "CT-TF", Channel.ONLINE: "LBRTF"}[channel]
    assert paid.reference.startswith(prefix) and paid.person == world.person


def test_the_refund_pages_confirm_and_pay(world, refund):
    client = signed_in(world.finance, "staff")
    url = f"/payments/staff/refunds/{refund.number}/"
    assert refund.number in client.get("/payments/staff/refunds/").content.decode()
    refused = client.post(url, {"action": "pay"})
    assert refused.status_code == 422 and "须先与参保人电话核实" in refused.content.decode()
    client.post(url, {"action": "confirm", "phone": "13943110001", "note": "法人确认"})
    client.post(url, {"action": "pay"})
    shown = client.get(url).content.decode()
    assert "已退付" in shown and "13943110001" in shown and "622202*********3446" in shown
    assert signed_in(world.finance_there, "staff").get(url).status_code == 404
