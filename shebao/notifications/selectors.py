"""Reads: a user's inbox (scoped to the actor's context) and, in demo mode, the SMS outbox."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet

from shebao.accounts.actors import Actor
from shebao.common.errors import NotFound
from shebao.notifications.models import Notification, OutboundMessage


def notifications_for(*, actor: Actor) -> QuerySet[Notification]:
    if actor.is_anonymous or actor.user is None:
        return Notification.objects.none()
    return Notification.objects.filter(recipient=actor.user, context=actor.context)


def unread_count(*, actor: Actor) -> int:
    return notifications_for(actor=actor).filter(read_at__isnull=True).count()


def demo_outbox(*, limit: int = 100) -> QuerySet[OutboundMessage]:
    """The SMS outbox, shown only in demo mode (it holds verification codes)."""
    if not settings.SHEBAO_DEMO:
        raise NotFound("页面不存在", code="NOT_FOUND")
    return OutboundMessage.objects.all()[:limit]


def unit_managers_receive(*, unit_id: int) -> str:
    """What the unit's legal representative and administrators hear of others' applications:
    ``"decisions"`` (the default), ``"all"`` or ``"none"``."""
    from shebao.notifications.models import UnitNotificationPreference

    chosen = (
        UnitNotificationPreference.objects.filter(unit_id=unit_id)
        .values_list("managers_receive", flat=True)
        .first()
    )
    return chosen or UnitNotificationPreference.Managers.DECISIONS
