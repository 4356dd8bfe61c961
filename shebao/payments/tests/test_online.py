"""The online channel: one open order per bill for the amount due; the channel's signed
notice, verified in constant time, checked against the order, idempotent under 50 concurrent
deliveries (on SQLite and on PostgreSQL, threads with their own connections); refusals carry a
stable code and write nothing; the local bank's cashier round trip."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection

from shebao.accounts.tokens import token_issue
from shebao.common.errors import DomainError
from shebao.contributions.models import Bill
from shebao.payments import localbank
from shebao.payments.models import Payment, PaymentOrder, Receipt
from shebao.payments.services import callback_receive, callback_sign, order_create
from shebao.testing import act, make_bill, signed_in, staff_actor, unit_actor

GATEWAY = localbank.GATEWAY


def _api(client: Any, user: Any, context: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=user, context=context)}"}


def _post_notice(client: Any, body: bytes, signature: str, channel: str = GATEWAY) -> Any:
    return client.post(
        f"/api/v1/payments/callback/{channel}",
        data=body,
        content_type="application/json",
        HTTP_X_SIGNATURE=signature,
    )


def _state() -> tuple[int, int, list[str], list[str]]:
    return (
        Payment.objects.count(),
        Receipt.objects.count(),
        sorted(Bill.objects.values_list("status", flat=True)),
        sorted(PaymentOrder.objects.values_list("status", flat=True)),
    )


@pytest.mark.django_db
def test_the_payer_opens_one_order_for_the_amount_due(world, client):
    headers = _api(client, world.individual, "individual")
    first = client.post(
        "/api/v1/payments/orders",
        {"bill": world.self_bill.number},
        content_type="application/json",
        **headers,
    )
    assert first.status_code == 200, first.content
    body = first.json()
    assert body["amount"] == "987.65" and body["status"] == "open" and body["created"] is True
    assert body["pay_url"].startswith(f"http://testserver/payments/localbank/{body['number']}/?t=")
    again = client.post(
        "/api/v1/payments/orders",
        {"bill": world.self_bill.number},
        content_type="application/json",
        **headers,
    ).json()
    assert again["number"] == body["number"] and again["created"] is False
    assert PaymentOrder.objects.count() == 1


@pytest.mark.django_db
def test_another_payer_or_staff_cannot_open_an_order(world, client):
    for user, context in (
        (world.individual, "individual"),
        (world.finance, "staff"),
    ):
        response = client.post(
            "/api/v1/payments/orders",
            {"bill": world.unit_bill.number},
            content_type="application/json",
            **_api(client, user, context),
        )
        assert response.status_code == 404 and response.json()["code"] == "BILL_NOT_FOUND"
    assert PaymentOrder.objects.count() == 0


@pytest.mark.django_db
def test_a_signed_notice_pays_the_order_and_the_bill_in_one_go_and_again_changes_nothing(
    world, client
):
    order, _ = order_create(actor=unit_actor(world.admin, world.unit), bill=world.unit_bill)
    body = localbank.notice_body(order, trade_no="T-1")
    response = _post_notice(client, body, callback_sign(GATEWAY, body))
    assert response.status_code == 200, response.content
    out = response.json()
    assert (out["code"], out["amount"], out["duplicate"]) == ("SUCCESS", "1691.34", False)
    assert Bill.objects.get(pk=world.unit_bill.pk).status == Bill.Status.PAID
    order.refresh_from_db()
    assert order.status == PaymentOrder.Status.PAID
    assert Receipt.objects.get().number == out["receipt"]
    replay = _post_notice(client, body, callback_sign(GATEWAY, body))
    assert replay.status_code == 200 and replay.json()["duplicate"] is True
    assert Payment.objects.count() == 1


@pytest.mark.django_db
def test_refused_notices_have_stable_codes_and_write_nothing(world, client):
    order, _ = order_create(actor=act(world.individual), bill=world.self_bill)
    good = localbank.notice_body(order, trade_no="T-9")
    before = _state()

    def refused(body: bytes, signature: str, channel: str = GATEWAY) -> tuple[int, str]:
        response = _post_notice(client, body, signature, channel)
        return response.status_code, response.json()["code"]

    assert refused(good, "0" * 64) == (401, "SIGNATURE_INVALID")
    assert refused(good, "") == (401, "SIGNATURE_INVALID")
    tampered = good.replace(b"987.65", b"987.66")
    assert refused(tampered, callback_sign(GATEWAY, good)) == (401, "SIGNATURE_INVALID")
    other_amount = localbank.notice_body(order, trade_no="T-9", amount_fen=1)
    assert refused(other_amount, callback_sign(GATEWAY, other_amount)) == (409, "AMOUNT_MISMATCH")
    data = json.loads(good)
    unknown = json.dumps({**data, "order": "DD000"}).encode()
    assert refused(unknown, callback_sign(GATEWAY, unknown)) == (404, "ORDER_NOT_FOUND")
    other_bill = json.dumps({**data, "bill": world.unit_bill.number}).encode()
    assert refused(other_bill, callback_sign(GATEWAY, other_bill)) == (409, "BILL_MISMATCH")
    assert refused(good, callback_sign(GATEWAY, good), "nobank") == (404, "CHANNEL_UNKNOWN")
    assert refused(b"[1]", callback_sign(GATEWAY, b"[1]")) == (422, "NOTICE_MALFORMED")
    assert _state() == before

    # Paid: a replay with another amount, or another trade for the same order, pays nothing.
    assert _post_notice(client, good, callback_sign(GATEWAY, good)).status_code == 200
    paid = _state()
    assert refused(other_amount, callback_sign(GATEWAY, other_amount)) == (409, "AMOUNT_MISMATCH")
    second = localbank.notice_body(order, trade_no="T-10")
    assert refused(second, callback_sign(GATEWAY, second)) == (409, "ORDER_ALREADY_PAID")
    assert _state() == paid


@pytest.mark.django_db
def test_the_local_banks_cashier_sends_the_notice_on_confirm(world):
    client = signed_in(world.individual, "individual")
    started = client.post(f"/payments/bills/{world.self_bill.number}/pay/")
    assert started.status_code == 302
    url = started["Location"]
    page = client.get(url).content.decode()
    assert "模拟网银" in page and "本地支付渠道" in page and "987.65 元" in page
    assert client.get(url.split("?")[0] + "?t=forged").status_code == 404
    done = client.post(url)
    assert done.status_code == 200 and "支付成功" in done.content.decode()
    assert Bill.objects.get(pk=world.self_bill.pk).status == Bill.Status.PAID
    assert Payment.objects.get().reference.startswith("localbank:LB")


@pytest.mark.django_db
def test_an_order_for_an_outdated_amount_is_replaced(world):
    actor = act(world.individual)
    old, _ = order_create(actor=actor, bill=world.self_bill)
    Bill.objects.filter(pk=world.self_bill.pk).update(individual_total_fen=50_000)
    new, created = order_create(actor=actor, bill=Bill.objects.get(pk=world.self_bill.pk))
    old.refresh_from_db()
    assert created and new.amount_fen == 50_000 and old.status == PaymentOrder.Status.CLOSED
    body = localbank.notice_body(old, trade_no="late")
    with pytest.raises(DomainError) as refused:
        callback_receive(gateway=GATEWAY, body=body, signature=callback_sign(GATEWAY, body))
    assert refused.value.code == "ORDER_CLOSED"


# --- 50 concurrent deliveries of one notice ------------------------------------------------------

CONCURRENT = 50


@pytest.fixture
def parallel_database(tmp_path) -> Iterator[Callable[[Callable[[], Any]], Any]]:
    """Threads with their own connections to one database; yields ``on_db(fn)``, which runs
    ``fn`` on a connection of its own (to read what the threads wrote). PostgreSQL: the test
    database. SQLite: its in-memory test database cannot be opened by another thread, so the
    test's data is copied into a file that every new connection opens from then on (with the
    deployment's IMMEDIATE transactions and busy timeout); the test's own connection stays on
    the in-memory database."""
    if connection.vendor != "sqlite":
        yield lambda fn: fn()
        return
    path = tmp_path / "parallel.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()
    settings = connection.settings_dict
    name = settings["NAME"]
    settings["NAME"] = str(path)
    try:
        yield lambda fn: run_parallel(lambda i: fn(), 1)[0]
    finally:
        settings["NAME"] = name


def run_parallel(work: Callable[[int], Any], count: int) -> list[Any]:
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def target(index: int) -> None:
        try:
            barrier.wait()
            results[index] = work(index)
        except Exception as error:  # the test inspects every outcome
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_identical_notices_make_exactly_one_payment(reference_data, request):
    from shebao.testing import make_individual

    user = make_individual(name="并发")
    bill = make_bill(person=user.person, unit_fen=0, individual_fen=70_001)
    order, _ = order_create(actor=act(user), bill=bill)
    body = localbank.notice_body(order, trade_no="SAME")
    signature = callback_sign(GATEWAY, body)
    on_db = request.getfixturevalue("parallel_database")

    results = run_parallel(
        lambda i: callback_receive(gateway=GATEWAY, body=body, signature=signature), CONCURRENT
    )

    assert all(isinstance(r, tuple) for r in results), [
        r for r in results if not isinstance(r, tuple)
    ]
    assert len({payment.pk for payment, _ in results}) == 1
    assert sum(1 for _, created in results if created) == 1
    assert on_db(lambda: (Payment.objects.count(), Receipt.objects.count())) == (1, 1)
    assert on_db(lambda: Payment.objects.get().amount_fen) == 70_001
    assert on_db(lambda: Bill.objects.get(pk=bill.pk).status) == Bill.Status.PAID
    assert on_db(lambda: PaymentOrder.objects.get().status) == PaymentOrder.Status.PAID


@pytest.mark.django_db
def test_staff_see_the_receipt_of_their_district_only(world):
    counter = staff_actor(world.finance)
    from shebao.payments.services import counter_pay

    payment, _ = counter_pay(actor=counter, bill=world.self_bill, amount="987.65", slip="r")
    url = f"/payments/receipts/{payment.receipt.number}/"
    assert signed_in(world.registration, "staff").get(url).status_code == 200
    assert signed_in(world.finance_there, "staff").get(url).status_code == 404
    assert signed_in(world.individual, "individual").get(url).status_code == 200
    assert signed_in(world.admin, f"unit:{world.unit.pk}").get(url).status_code == 404
