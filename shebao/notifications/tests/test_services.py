import json

import pytest

from shebao.accounts.models import User
from shebao.notifications import selectors
from shebao.notifications.gateways import GatewayError
from shebao.notifications.models import Notification, OutboundMessage
from shebao.notifications.services import (
    MAX_ATTEMPTS,
    notifications_mark_read,
    notify,
    outbound_deliver,
    sms_queue,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return User.objects.create_user(
        "11010519491231002X",
        "pw-not-used",
        kind=User.Kind.INDIVIDUAL,
        name="张三",
        mobile="13800001234",
    )


def test_notify_with_sms_writes_inbox_and_outbox_and_sends_after_commit(
    user, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.VAR_DIR = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        notify(recipient=user, context="individual", title="申请已受理", body="编号 X", sms=True)

    message = OutboundMessage.objects.get()
    assert message.status == OutboundMessage.Status.SENT
    assert message.to == "13800001234"
    assert message.body == "【社保经办】申请已受理：编号 X"
    journal = (tmp_path / "sms" / "outbox.jsonl").read_text(encoding="utf-8").splitlines()
    assert json.loads(journal[0])["ref"] == message.gateway_ref
    assert Notification.objects.get().title == "申请已受理"


def test_nothing_is_sent_when_the_action_rolls_back(user, django_capture_on_commit_callbacks):
    from django.db import transaction

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        sms_queue(to="13800001234", body="x", purpose="notice")
        raise RuntimeError
    assert callbacks == []
    assert OutboundMessage.objects.count() == 0


class BrokenGateway:
    def send(self, *, to, body):
        raise GatewayError("运营商不可达")


def test_a_failing_gateway_keeps_the_message_pending_then_gives_up(user, settings):
    settings.SHEBAO_SMS_GATEWAY = f"{__name__}.BrokenGateway"
    message = OutboundMessage.objects.create(to="13800001234", body="x", purpose="notice")

    assert outbound_deliver(message_id=message.pk) == "pending"
    for _ in range(MAX_ATTEMPTS - 1):
        outbound_deliver(message_id=message.pk)

    message.refresh_from_db()
    assert message.status == OutboundMessage.Status.FAILED
    assert message.attempts == MAX_ATTEMPTS
    assert message.error == "运营商不可达"


def test_delivering_twice_sends_once(user, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    message = OutboundMessage.objects.create(to="13800001234", body="x", purpose="notice")
    outbound_deliver(message_id=message.pk)
    outbound_deliver(message_id=message.pk)
    assert len((tmp_path / "sms" / "outbox.jsonl").read_text().splitlines()) == 1


def test_inbox_is_scoped_to_the_context(user):
    from shebao.accounts.actors import Actor

    notify(recipient=user, context="individual", title="个人消息", body="")
    notify(recipient=user, context="unit:1", title="单位消息", body="")
    actor = Actor(kind="individual", user=user)
    assert [n.title for n in selectors.notifications_for(actor=actor)] == ["个人消息"]
    assert selectors.unread_count(actor=actor) == 1
    assert notifications_mark_read(recipient=user, context="individual") == 1
    assert selectors.unread_count(actor=actor) == 0


def test_outbox_is_hidden_outside_demo_mode(client, settings):
    settings.SHEBAO_DEMO = False
    assert client.get("/notifications/outbox/").status_code == 404
    settings.SHEBAO_DEMO = True
    assert client.get("/notifications/outbox/").status_code == 200


def test_a_delivered_verification_code_is_blanked_in_the_outbox(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.SHEBAO_DEMO = False
    message = OutboundMessage.objects.create(
        to="13800001234",
        body="【社保经办】您的验证码为 483920，10分钟内有效。",
        purpose="verification",
    )
    outbound_deliver(message_id=message.pk)

    message.refresh_from_db()
    assert message.body == "【社保经办】您的验证码为 ******，10分钟内有效。"
    journal = (tmp_path / "sms" / "outbox.jsonl").read_text(encoding="utf-8")
    assert "483920" in journal  # the gateway got the real code


def test_the_demo_outbox_keeps_codes_readable(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.SHEBAO_DEMO = True
    message = OutboundMessage.objects.create(
        to="13800001234", body="验证码 483920", purpose="verification"
    )
    outbound_deliver(message_id=message.pk)
    message.refresh_from_db()
    assert message.body == "验证码 483920"
