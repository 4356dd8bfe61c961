"""API bearer tokens: ``sb_<prefix>_<secret>``; only a SHA-256 of the whole token is stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from shebao.accounts.actors import ANONYMOUS_ACTOR, Actor, actor_for
from shebao.accounts.models import ApiToken, User

TOKEN_PREFIX = "sb_"


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def token_issue(*, user: User, context: str, name: str = "", ttl: timedelta | None = None) -> str:
    """Create a token for ``user`` acting in ``context``; returns the raw token (shown once)."""
    prefix = secrets.token_hex(6)
    raw = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    ApiToken.objects.create(
        user=user,
        context=context,
        name=name,
        prefix=prefix,
        key_hash=_hash(raw),
        expires_at=timezone.now() + ttl if ttl else None,
    )
    return raw


def _lookup(raw: str) -> ApiToken | None:
    if not raw.startswith(TOKEN_PREFIX) or raw.count("_") < 2:
        return None
    prefix = raw[len(TOKEN_PREFIX) :].split("_", 1)[0]
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.key_hash, _hash(raw)):
        return None
    return token


def token_record(raw: str) -> ApiToken | None:
    """The stored token for a raw value (any state), or None."""
    return _lookup(raw)


def token_actor(raw: str) -> Actor:
    """The actor a raw token stands for; the anonymous actor if it is unknown, expired or
    revoked, or if its user may no longer act in its context."""
    token = _lookup(raw)
    now = timezone.now()
    if token is None or token.revoked_at is not None:
        return ANONYMOUS_ACTOR
    if token.expires_at is not None and token.expires_at <= now:
        return ANONYMOUS_ACTOR
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return actor_for(token.user, token.context)


def token_revoke(*, raw: str) -> bool:
    """Revoke a token by its raw value; True if it was live."""
    token = _lookup(raw)
    if token is None or token.revoked_at is not None:
        return False
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    return True
