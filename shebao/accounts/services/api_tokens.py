"""API tokens for apps (after a password sign-in) and for channel partners (issued by admins)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from shebao.accounts import actors
from shebao.accounts.models import AccountEvent, ApiToken, User
from shebao.accounts.services.audit import account_event_record
from shebao.accounts.services.signin import SignIn
from shebao.accounts.tokens import token_issue, token_record
from shebao.common.errors import InvalidInput, NotFound

# An app signs in again after half a day, like a browser session after its idle time.
APP_TOKEN_TTL = timedelta(hours=12)
PARTNER_TOKEN_DEFAULT_DAYS = 180


@dataclass(frozen=True)
class IssuedToken:
    raw: str  # shown once; only its hash is stored
    context: str
    expires_at: datetime


@transaction.atomic
def app_token_issue(*, sign_in: SignIn, ip: str | None = None) -> IssuedToken:
    """A token for an app whose user just signed in (``sign_in`` from
    :func:`~shebao.accounts.services.signin.sign_in_authenticate`)."""
    raw = token_issue(user=sign_in.user, context=sign_in.context, name="app", ttl=APP_TOKEN_TTL)
    token = token_record(raw)
    assert token is not None and token.expires_at is not None
    account_event_record(
        action=AccountEvent.Action.TOKEN_ISSUED,
        actor=sign_in.user,
        subject=sign_in.user,
        detail={"prefix": token.prefix, "context": sign_in.context, "name": "app"},
        ip=ip,
    )
    return IssuedToken(raw=raw, context=sign_in.context, expires_at=token.expires_at)


@transaction.atomic
def app_token_revoke(*, user: User, raw: str, ip: str | None = None) -> bool:
    """Revoke the calling token (sign-out of an app); True if it was live."""
    token = token_record(raw)
    if token is None or token.user_id != user.pk or token.revoked_at is not None:
        return False
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    account_event_record(
        action=AccountEvent.Action.TOKEN_REVOKED,
        actor=user,
        subject=user,
        detail={"prefix": token.prefix},
        ip=ip,
    )
    return True


@transaction.atomic
def partner_token_issue(
    *,
    partner_username: str,
    name: str,
    days: int = PARTNER_TOKEN_DEFAULT_DAYS,
    issued_by: User | None = None,
) -> IssuedToken:
    """A token for a channel partner (bank, app vendor): a user of kind ``partner``."""
    partner = User.objects.filter(username=partner_username, kind=User.Kind.PARTNER).first()
    if partner is None:
        raise NotFound(f"未找到合作渠道用户“{partner_username}”", code="PARTNER_NOT_FOUND")
    if not partner.is_active:
        raise InvalidInput("该合作渠道用户已停用", code="PARTNER_INACTIVE")
    name = (name or "").strip()
    if not name:
        raise InvalidInput("请填写令牌用途", code="TOKEN_NAME_REQUIRED", field="name")
    if not 1 <= days <= 3660:
        raise InvalidInput("有效期应为 1 至 3660 天", code="TOKEN_TTL_INVALID", field="days")
    raw = token_issue(
        user=partner, context=actors.PARTNER, name=name[:100], ttl=timedelta(days=days)
    )
    token = token_record(raw)
    assert token is not None and token.expires_at is not None
    account_event_record(
        action=AccountEvent.Action.TOKEN_ISSUED,
        actor=issued_by,
        subject=partner,
        detail={"prefix": token.prefix, "context": actors.PARTNER, "name": name, "days": days},
    )
    return IssuedToken(raw=raw, context=actors.PARTNER, expires_at=token.expires_at)


@transaction.atomic
def tokens_revoke(*, token_ids: list[int], by: User | None, ip: str | None = None) -> int:
    """Revoke tokens by id (an administrator's action); returns how many were live."""
    live = list(
        ApiToken.objects.select_for_update().filter(pk__in=token_ids, revoked_at__isnull=True)
    )
    now = timezone.now()
    for token in live:
        token.revoked_at = now
        token.save(update_fields=["revoked_at"])
        account_event_record(
            action=AccountEvent.Action.TOKEN_REVOKED,
            actor=by,
            subject=token.user,
            detail={"prefix": token.prefix, "context": token.context},
            ip=ip,
        )
    return len(live)
