"""Checking credentials for a sign-in (pages and API alike), with lockout and an audit trail.

After ``SHEBAO_LOGIN_MAX_FAILURES`` consecutive wrong passwords an account is locked for
``SHEBAO_LOGIN_LOCK_MINUTES``; a successful sign-in (or a password reset) clears the count.
Every attempt is written to :class:`~shebao.accounts.models.SignInEvent`. An identifier that
matches no account gets the same answers, counted from those events, so that the sign-in form
does not tell which ID numbers have accounts, and in the same time: an unknown or locked
account still costs one password hash, like a wrong password.

Across accounts, failed sign-ins from one client address are limited
(``signin_failures`` in :mod:`shebao.common.limits`): guessing one password for many ID
numbers is stopped although no single account reaches its lockout. ``/admin/`` signs in
through the same checks (context ``"admin"``: a user allowed into system configuration).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from shebao.accounts import actors
from shebao.accounts.models import SignInEvent, User
from shebao.accounts.services.audit import sign_in_event_record
from shebao.common import limits
from shebao.common.errors import InvalidInput, PermissionDenied, Unauthenticated
from shebao.common.identifiers import (
    identifier_text,
    looks_like_mobile,
    normalize_credit_code,
    normalize_id_number,
    normalize_mobile,
)
from shebao.registry.models import Unit

Outcome = SignInEvent.Outcome
# Signing in to /admin/ (system configuration): any user with ``is_staff``, by username.
ADMIN = "admin"
KINDS = (actors.INDIVIDUAL, actors.UNIT, actors.STAFF, ADMIN)
# Refusals that do not count as a failed attempt: the password was right.
_NOT_FAILURES = {"PASSWORD_CHANGE_REQUIRED"}


@dataclass(frozen=True)
class SignIn:
    """A checked sign-in: who, and in which context (see :mod:`shebao.accounts.actors`)."""

    user: User
    context: str


def _lock_span() -> timedelta:
    return timedelta(minutes=settings.SHEBAO_LOGIN_LOCK_MINUTES)


def locked_error(until: datetime, *, kind: str) -> PermissionDenied:
    when = timezone.localtime(until).strftime("%Y-%m-%d %H:%M")
    hint = (
        "请稍后再试。"
        if kind in (actors.STAFF, ADMIN)
        else "请稍后再试，或通过“找回密码”重设密码后立即解锁。"
    )
    return PermissionDenied(
        f"连续登录失败次数过多，账号已锁定至 {when}。{hint}",
        code="ACCOUNT_LOCKED",
        details={"locked_until": until.isoformat()},
    )


def _failed_error(remaining: int) -> Unauthenticated:
    return Unauthenticated(
        f"账号或密码错误，还可尝试 {remaining} 次",
        code="LOGIN_FAILED",
        details={"remaining_attempts": remaining},
    )


def _context_refused(kind: str) -> PermissionDenied:
    message = {
        actors.UNIT: "您不是该单位的有效用户。请核对统一社会信用代码；如需办理单位业务，请联系单位法定代表人或管理员为您授权。",
        actors.STAFF: "该账号未配置经办人员信息，请联系系统管理员。",
        ADMIN: "该账号没有系统配置权限。",
    }.get(kind, "该账号不能以个人身份登录。")
    return PermissionDenied(message, code="CONTEXT_NOT_ALLOWED")


def _parse(*, kind: str, identifier: str, credit_code: str) -> tuple[str, User | None, str | None]:
    """The normalised identifier, its account (or None) and, for a unit, the credit code.

    The identifier is in its one spelling before it is looked up or recorded, so that the
    failures counted against it (and the lockout) are the same whatever digits were typed.
    """
    text = identifier_text(identifier)
    if kind == actors.UNIT:
        code = normalize_credit_code(credit_code)
        if not text:
            raise InvalidInput(
                "请填写您本人的公民身份号码", code="ID_NUMBER_REQUIRED", field="id_number"
            )
        text = normalize_id_number(text, field="id_number")
        return text, User.objects.filter(username=text, kind=User.Kind.INDIVIDUAL).first(), code
    if kind == actors.INDIVIDUAL:
        if not text:
            raise InvalidInput(
                "请填写公民身份号码或手机号码", code="IDENTIFIER_REQUIRED", field="identifier"
            )
        if looks_like_mobile(text):
            text = normalize_mobile(text, field="identifier")
            users = list(User.objects.filter(kind=User.Kind.INDIVIDUAL, mobile=text)[:2])
            if len(users) > 1:
                raise InvalidInput(
                    "该手机号码对应多个账号，请使用公民身份号码登录",
                    code="MOBILE_AMBIGUOUS",
                    field="identifier",
                )
            return text, (users[0] if users else None), None
        text = normalize_id_number(text, field="identifier")
        return text, User.objects.filter(username=text, kind=User.Kind.INDIVIDUAL).first(), None
    if kind == ADMIN:
        if not text:
            raise InvalidInput("请填写用户名", code="USERNAME_REQUIRED", field="username")
        return text, User.objects.filter(username=text).first(), None
    if not text:
        raise InvalidInput("请填写工号", code="STAFF_NUMBER_REQUIRED", field="staff_number")
    return text, User.objects.filter(username=text, kind=User.Kind.STAFF).first(), None


def _unknown_account(
    *, identifier: str, password: str, kind: str, record: dict[str, object]
) -> None:
    """Answer as for an account: failures are counted from the sign-in events."""
    password_hash_spend(password)
    now = timezone.now()
    recent = SignInEvent.objects.filter(
        identifier=identifier,
        user__isnull=True,
        outcome=Outcome.FAILURE,
        created_at__gt=now - _lock_span(),
    ).order_by("created_at")
    failures = recent.count()
    maximum = settings.SHEBAO_LOGIN_MAX_FAILURES
    if failures >= maximum:
        sign_in_event_record(user=None, outcome=Outcome.LOCKED, code="ACCOUNT_LOCKED", **record)  # type: ignore[arg-type]
        first = recent.values_list("created_at", flat=True)[failures - maximum]
        raise locked_error(first + _lock_span(), kind=kind)
    sign_in_event_record(user=None, outcome=Outcome.FAILURE, code="LOGIN_FAILED", **record)  # type: ignore[arg-type]
    if failures + 1 >= maximum:
        raise locked_error(now + _lock_span(), kind=kind)
    raise _failed_error(maximum - failures - 1)


def password_hash_spend(password: str) -> None:
    """Do the work of one password check without checking anything, so that an unknown or a
    locked account answers in the time a wrong password takes (no timing tells them apart)."""
    make_password(password)


def _wrong_password(*, user: User, kind: str, record: dict[str, object]) -> None:
    now = timezone.now()
    with transaction.atomic():
        row = User.objects.select_for_update().get(pk=user.pk)
        if row.is_locked(now):  # a concurrent attempt locked it meanwhile
            raise locked_error(row.locked_until, kind=kind)  # type: ignore[arg-type]
        failures = row.failed_logins + 1
        if failures >= settings.SHEBAO_LOGIN_MAX_FAILURES:
            row.failed_logins = 0
            row.locked_until = now + _lock_span()
        else:
            row.failed_logins = failures
        row.save(update_fields=["failed_logins", "locked_until"])
        code = "ACCOUNT_LOCKED" if row.locked_until and row.locked_until > now else "LOGIN_FAILED"
        sign_in_event_record(user=row, outcome=Outcome.FAILURE, code=code, **record)  # type: ignore[arg-type]
    if code == "ACCOUNT_LOCKED":
        raise locked_error(row.locked_until, kind=kind)  # type: ignore[arg-type]
    raise _failed_error(settings.SHEBAO_LOGIN_MAX_FAILURES - failures)


def password_failure_record(*, user: User, kind: str, channel: str, ip: str | None) -> None:
    """Count a wrong password given elsewhere than the sign-in form (e.g. when linking an
    existing account at unit registration) exactly like a failed sign-in; always raises."""
    record = {
        "identifier": user.username,
        "context": kind,
        "channel": channel,
        "ip": ip,
        "user_agent": "",
    }
    if user.is_locked():
        raise locked_error(user.locked_until, kind=kind)  # type: ignore[arg-type]
    _wrong_password(user=user, kind=kind, record=record)


def sign_in_authenticate(
    *,
    kind: str,
    identifier: str,
    password: str,
    credit_code: str = "",
    channel: str = SignInEvent.Channel.PAGE,
    ip: str | None = None,
    user_agent: str = "",
) -> SignIn:
    """Check credentials for signing in as ``kind`` ("individual", "unit", "staff" or
    "admin").

    - individual: ``identifier`` is the ID number (15 or 18 digits) or the mobile number;
    - unit: ``credit_code`` is the unit's, ``identifier`` the unit user's own ID number;
    - staff: ``identifier`` is the staff number (工号);
    - admin: ``identifier`` is the username of a user allowed into /admin/ (``is_staff``).

    Returns the user and context to sign in with; raises ``LOGIN_FAILED`` (401),
    ``ACCOUNT_LOCKED``, ``ACCOUNT_DISABLED``, ``CONTEXT_NOT_ALLOWED`` or
    ``PASSWORD_CHANGE_REQUIRED`` (API only) (403), ``RATE_LIMITED`` (429: too many failures
    from the client address ``ip``), or an input error (422). Each attempt is recorded;
    failures are committed even though the call raises.
    """
    if kind not in KINDS:
        raise InvalidInput(
            "请选择登录身份：个人、单位或经办人员", code="CONTEXT_INVALID", field="context"
        )
    limits.limit_check("signin_failures", ip)
    try:
        return _authenticate(
            kind=kind,
            identifier=identifier,
            password=password,
            credit_code=credit_code,
            channel=channel,
            ip=ip,
            user_agent=user_agent,
        )
    except (Unauthenticated, PermissionDenied) as refused:
        if refused.code not in _NOT_FAILURES:
            limits.limit_count("signin_failures", ip)
        raise


def _authenticate(
    *,
    kind: str,
    identifier: str,
    password: str,
    credit_code: str,
    channel: str,
    ip: str | None,
    user_agent: str,
) -> SignIn:
    identifier, user, code = _parse(kind=kind, identifier=identifier, credit_code=credit_code)
    if not password:
        raise InvalidInput("请输入密码", code="PASSWORD_REQUIRED", field="password")
    record: dict[str, object] = {
        "identifier": identifier,
        "context": kind,
        "channel": channel,
        "ip": ip,
        "user_agent": user_agent,
    }
    if user is None:
        _unknown_account(identifier=identifier, password=password, kind=kind, record=record)
    assert user is not None
    if user.is_locked():
        password_hash_spend(password)
        sign_in_event_record(user=user, outcome=Outcome.LOCKED, code="ACCOUNT_LOCKED", **record)  # type: ignore[arg-type]
        raise locked_error(user.locked_until, kind=kind)  # type: ignore[arg-type]
    if not user.check_password(password):
        _wrong_password(user=user, kind=kind, record=record)
    if not user.is_active:
        sign_in_event_record(user=user, outcome=Outcome.REFUSED, code="ACCOUNT_DISABLED", **record)  # type: ignore[arg-type]
        raise PermissionDenied("该账号已停用，如有疑问请联系经办机构", code="ACCOUNT_DISABLED")

    context: str | None = kind
    if kind == actors.UNIT:
        unit_id = Unit.objects.filter(credit_code=code).values_list("pk", flat=True).first()
        context = f"{actors.UNIT}:{unit_id}" if unit_id else None
    if kind == ADMIN:
        allowed = user.is_staff
    else:
        allowed = context is not None and not actors.actor_for(user, context).is_anonymous
    if not allowed:
        sign_in_event_record(
            user=user, outcome=Outcome.REFUSED, code="CONTEXT_NOT_ALLOWED", **record
        )  # type: ignore[arg-type]
        raise _context_refused(kind)
    record["context"] = context
    if channel == SignInEvent.Channel.API and user.password_must_change:
        sign_in_event_record(
            user=user,
            outcome=Outcome.REFUSED,
            code="PASSWORD_CHANGE_REQUIRED",
            **record,  # type: ignore[arg-type]
        )
        raise PermissionDenied(
            "您的密码是经办机构发放的临时密码，请先登录网上服务大厅修改密码",
            code="PASSWORD_CHANGE_REQUIRED",
        )
    with transaction.atomic():
        if user.failed_logins or user.locked_until:
            User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
            user.failed_logins, user.locked_until = 0, None
        sign_in_event_record(user=user, outcome=Outcome.SUCCESS, **record)  # type: ignore[arg-type]
    return SignIn(user=user, context=context)


@transaction.atomic
def account_unlock(*, user: User, by: User | None, ip: str | None = None) -> User:
    """Clear a lock and the failure count (an administrator's action)."""
    from shebao.accounts.models import AccountEvent
    from shebao.accounts.services.audit import account_event_record

    row = User.objects.select_for_update().get(pk=user.pk)
    was = row.locked_until
    row.failed_logins = 0
    row.locked_until = None
    row.save(update_fields=["failed_logins", "locked_until"])
    account_event_record(
        action=AccountEvent.Action.ACCOUNT_UNLOCKED,
        actor=by,
        subject=row,
        detail={"locked_until": was.isoformat() if was else None},
        ip=ip,
    )
    return row


def sign_in_record(
    *, user: User, context: str, channel: str, ip: str | None = None, user_agent: str = ""
) -> None:
    """Record a sign-in that needed no password check here: the one right after registering."""
    sign_in_event_record(
        user=user,
        identifier=user.username,
        context=context,
        channel=channel,
        outcome=Outcome.SUCCESS,
        code="REGISTERED",
        ip=ip,
        user_agent=user_agent,
    )


def sign_out_record(
    *, user: User, context: str, channel: str, ip: str | None = None, user_agent: str = ""
) -> None:
    sign_in_event_record(
        user=user,
        identifier=user.username,
        context=context,
        channel=channel,
        outcome=Outcome.SIGN_OUT,
        ip=ip,
        user_agent=user_agent,
    )
