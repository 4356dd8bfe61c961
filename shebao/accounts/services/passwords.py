"""Passwords: strength, change (signed in), reset by SMS code (signed out)."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from shebao.accounts.models import AccountEvent, ApiToken, User, VerificationCode
from shebao.accounts.services.audit import account_event_record
from shebao.accounts.services.codes import (
    CodeRejected,
    code_take,
    code_uniform_error,
    code_use,
)
from shebao.common import limits
from shebao.common.errors import InvalidInput
from shebao.common.identifiers import normalize_id_number, normalize_mobile

# Our own wording for Django's validators: their translations lag behind their English texts.
_REASONS = {
    "password_too_short": "长度不能少于 {min_length} 位",
    "password_too_common": "过于常见，容易被猜中",
    "password_entirely_numeric": "不能全部为数字",
    "password_too_similar": "与您的个人信息过于相似",
}


def password_validate(password: str, *, user: User | None = None, field: str = "password") -> None:
    """Django's password validators (settings.AUTH_PASSWORD_VALIDATORS), in Chinese."""
    if not password:
        raise InvalidInput("请设置登录密码", code="PASSWORD_REQUIRED", field=field)
    try:
        validate_password(password, user)
    except ValidationError as error:
        reasons = []
        for item in error.error_list:
            template = _REASONS.get(item.code or "")
            if template is None:
                reasons.append(str(item.message) % (item.params or {}))
            else:
                reasons.append(template.format(**(item.params or {})))
        raise InvalidInput(
            "密码不符合要求：" + "；".join(reasons) + "。", code="PASSWORD_TOO_WEAK", field=field
        ) from None


def _tokens_revoke(user: User) -> int:
    """A new password ends the sessions of apps signed in with the old one."""
    return (
        ApiToken.objects.filter(user=user, revoked_at__isnull=True)
        .exclude(context="partner")
        .update(revoked_at=timezone.now())
    )


def _password_set(user: User, password: str) -> None:
    user.set_password(password)
    user.password_changed_at = timezone.now()
    user.password_must_change = False
    user.failed_logins = 0
    user.locked_until = None
    user.save(
        update_fields=[
            "password",
            "password_changed_at",
            "password_must_change",
            "failed_logins",
            "locked_until",
        ]
    )


@transaction.atomic
def password_change(
    *, user: User, old_password: str, new_password: str, ip: str | None = None
) -> User:
    """Change a signed-in user's password; the old one is required.

    Other browser sessions end (Django ties sessions to the password hash; the caller keeps the
    current one with ``update_session_auth_hash``) and the user's app tokens are revoked.
    """
    row = User.objects.select_for_update().get(pk=user.pk)
    if not row.check_password(old_password or ""):
        raise InvalidInput("原密码不正确", code="OLD_PASSWORD_WRONG", field="old_password")
    if old_password == new_password:
        raise InvalidInput(
            "新密码不能与原密码相同", code="PASSWORD_UNCHANGED", field="new_password"
        )
    password_validate(new_password, user=row, field="new_password")
    _password_set(row, new_password)
    revoked = _tokens_revoke(row)
    account_event_record(
        action=AccountEvent.Action.PASSWORD_CHANGED,
        actor=row,
        subject=row,
        detail={"tokens_revoked": revoked},
        ip=ip,
    )
    return row


def password_reset(
    *, id_number: str, mobile: str, code: str, new_password: str, ip: str | None = None
) -> User:
    """Set a new password with a code sent to the account's registered mobile (a reset code,
    or the activation code sent when a unit appointed the person). Unlocks the account.

    Every failure to match (no such account, another mobile, a wrong or dead code) gives the
    same ``CODE_INVALID`` answer. Submissions from one client address ``ip`` are limited
    (``code_checks``: ``RATE_LIMITED``).
    """
    limits.limit_take("code_checks", ip)
    id_number = normalize_id_number(id_number)
    mobile = normalize_mobile(mobile)
    password_validate(new_password, field="new_password")
    try:
        with transaction.atomic():
            user = (
                User.objects.select_for_update()
                .filter(username=id_number, kind=User.Kind.INDIVIDUAL, mobile=mobile)
                .first()
            )
            if user is None:
                raise CodeRejected(code_uniform_error(), uniform=True)
            row = code_take(
                mobile=mobile,
                purposes=(
                    VerificationCode.Purpose.PASSWORD_RESET,
                    VerificationCode.Purpose.ACTIVATION,
                ),
                code=code,
                user=user,
                uniform=True,
            )
            code_use(row)
            _password_set(user, new_password)
            revoked = _tokens_revoke(user)
            account_event_record(
                action=AccountEvent.Action.PASSWORD_RESET,
                actor=user,
                subject=user,
                detail={"code_purpose": row.purpose, "tokens_revoked": revoked},
                ip=ip,
            )
            return user
    except CodeRejected as rejected:
        raise rejected.record() from None
