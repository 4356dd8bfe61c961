"""Writes: notify a user, queue an SMS, deliver the outbox."""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from shebao.accounts import actors
from shebao.accounts.actors import Actor
from shebao.accounts.models import User
from shebao.common.errors import InvalidInput, PermissionDenied
from shebao.notifications.gateways import GatewayError, sms_gateway
from shebao.notifications.models import Notification, OutboundMessage

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5


def notify(
    *,
    recipient: User,
    context: str,
    title: str,
    body: str,
    link: str = "",
    category: str = "application",
    sms: bool = False,
) -> Notification:
    """Put a message in ``recipient``'s inbox for ``context``; optionally also text it.

    Call inside the transaction of the action that causes the message: if the action rolls
    back, no message exists and no SMS goes out.
    """
    notification = Notification.objects.create(
        recipient=recipient, context=context, category=category, title=title, body=body, link=link
    )
    if sms and recipient.mobile:
        sms_queue(
            to=recipient.mobile,
            body=f"【社保经办】{title}：{body}",
            purpose=OutboundMessage.Purpose.NOTICE,
            user=recipient,
        )
    return notification


def sms_queue(*, to: str, body: str, purpose: str, user: User | None = None) -> OutboundMessage:
    """Write an SMS to the outbox; it is sent after the surrounding transaction commits."""
    from shebao.notifications.tasks import deliver_outbound

    message = OutboundMessage.objects.create(to=to, body=body, purpose=purpose, user=user)
    transaction.on_commit(lambda: deliver_outbound.enqueue(message.pk))
    return message


def outbound_deliver(*, message_id: int) -> str:
    """Send a pending outbox message; returns its status. Safe to call twice."""
    with transaction.atomic():
        message = OutboundMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None or message.status == OutboundMessage.Status.SENT:
            return "sent" if message else "missing"
        message.attempts += 1
        try:
            message.gateway_ref = sms_gateway().send(to=message.to, body=message.body)
        except GatewayError as error:
            message.error = str(error)[:300]
            if message.attempts >= MAX_ATTEMPTS:
                message.status = OutboundMessage.Status.FAILED
            message.save(update_fields=["attempts", "error", "status"])
            logger.warning("SMS %s not sent: %s", message.pk, error)
            return message.status
        message.status = OutboundMessage.Status.SENT
        message.sent_at = timezone.now()
        message.error = ""
        if message.purpose == OutboundMessage.Purpose.VERIFICATION and not settings.SHEBAO_DEMO:
            # Once the gateway has it, a verification code has no business in our database.
            message.body = re.sub(r"\d{4,8}", "******", message.body)
        message.save(
            update_fields=["attempts", "gateway_ref", "status", "sent_at", "error", "body"]
        )
        return message.status


def outbound_retry_pending() -> int:
    """Re-enqueue outbox messages still pending (after a gateway outage); returns the count."""
    from shebao.notifications.tasks import deliver_outbound

    ids = list(
        OutboundMessage.objects.filter(status=OutboundMessage.Status.PENDING).values_list(
            "pk", flat=True
        )
    )
    for message_id in ids:
        deliver_outbound.enqueue(message_id)
    return len(ids)


def notifications_mark_read(*, recipient: User, context: str, ids: list[int] | None = None) -> int:
    """Mark the recipient's messages (all of the context, or the given ones) as read."""
    rows = Notification.objects.filter(recipient=recipient, context=context, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=ids)
    return rows.update(read_at=timezone.now())


@transaction.atomic
def unit_notification_preference_set(*, actor: Actor, managers_receive: str) -> str:
    """The unit's legal representative or an administrator chooses what the unit's managers
    hear of applications other users of the unit make (``decisions``, ``all`` or ``none``)."""
    from shebao.notifications.models import UnitNotificationPreference

    actor.require(actors.UNIT)
    if not actor.is_unit_manager:
        raise PermissionDenied(
            "只有法定代表人或管理员可以设置单位的消息接收方式", code="UNIT_MANAGER_REQUIRED"
        )
    if managers_receive not in UnitNotificationPreference.Managers.values:
        raise InvalidInput(
            "请选择消息接收方式", code="PREFERENCE_INVALID", field="managers_receive"
        )
    UnitNotificationPreference.objects.update_or_create(
        unit=actor.unit,
        defaults={"managers_receive": managers_receive, "updated_by": actor.user},
    )
    return managers_receive
