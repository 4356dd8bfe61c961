"""SMS verification codes: sending (rate limited) and checking (expiry, attempts, single use).

A code is 6 digits; only an HMAC of it (keyed with the deployment's secret) is stored, so the
table alone does not give codes away. Checking happens inside the transaction of the action the
code authorises (registration, reset …): the code is used up only if that action commits. A
wrong guess must count even though the action is refused, so :func:`code_take` raises
:class:`CodeRejected` without writing, and the service records the attempt after its
transaction has rolled back (:meth:`CodeRejected.record`).
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from shebao.accounts.models import User, VerificationCode
from shebao.common.errors import DomainError, InvalidInput
from shebao.common.identifiers import (
    identifier_text,
    mobile_spelling,
    normalize_id_number,
    normalize_mobile,
    verification_code_spelling,
)

Purpose = VerificationCode.Purpose

# At most one code a minute and ten a day to one mobile number, whatever the purpose.
CODE_INTERVAL = timedelta(seconds=60)
CODE_DAILY_LIMIT = 10
# And at most this many an hour asked from one address: stops one client texting thousands of
# numbers, while a service hall's shared address still serves a queue of people.
CODE_IP_HOURLY_LIMIT = 60
# An activation code reaches someone appointed by their unit, who may read it days later.
ACTIVATION_TTL = timedelta(hours=72)

_HMAC_SALT = "shebao.accounts.VerificationCode"

_SMS_TEXT = {
    Purpose.REGISTER: "您正在注册社会保险网上服务大厅个人账号，验证码 {code}，{minutes} 分钟内有效。请勿将验证码告诉他人。",
    Purpose.UNIT_REGISTER: "您正在注册单位网上办事账号，验证码 {code}，{minutes} 分钟内有效。请勿将验证码告诉他人。",
    Purpose.PASSWORD_RESET: "您正在找回社会保险网上服务大厅登录密码，验证码 {code}，{minutes} 分钟内有效。如非本人操作，请忽略本短信。",
}


class TooManyRequests(DomainError):
    status = 429
    default_code = "TOO_MANY_REQUESTS"


def _hash(mobile: str, code: str) -> str:
    return salted_hmac(_HMAC_SALT, f"{mobile}|{code}", algorithm="sha256").hexdigest()


def _ttl() -> timedelta:
    return timedelta(minutes=settings.SHEBAO_CODE_TTL_MINUTES)


def _rate_limit(*, mobile: str, now: object, ip: str | None) -> None:
    recent = VerificationCode.objects.filter(mobile=mobile, created_at__gt=now - timedelta(days=1))  # type: ignore[operator]
    latest = recent.order_by("-created_at").values_list("created_at", flat=True).first()
    if latest is not None and now - latest < CODE_INTERVAL:  # type: ignore[operator]
        wait = int((CODE_INTERVAL - (now - latest)).total_seconds()) + 1  # type: ignore[operator]
        raise TooManyRequests(
            f"验证码发送过于频繁，请 {wait} 秒后再获取",
            code="CODE_TOO_FREQUENT",
            field="code",
            details={"retry_after_seconds": wait},
        )
    if recent.count() >= CODE_DAILY_LIMIT:
        raise TooManyRequests(
            f"该手机号码今日获取验证码已达 {CODE_DAILY_LIMIT} 次，请明天再试",
            code="CODE_DAILY_LIMIT",
            field="code",
        )
    if ip:
        hour = now - timedelta(hours=1)  # type: ignore[operator]
        if (
            VerificationCode.objects.filter(ip=ip, created_at__gt=hour).count()
            >= CODE_IP_HOURLY_LIMIT
        ):
            raise TooManyRequests(
                "获取验证码的请求过多，请稍后再试", code="CODE_IP_LIMIT", field="code"
            )


@transaction.atomic
def code_send(
    *,
    mobile: str,
    purpose: str,
    user: User | None = None,
    body: str | None = None,
    ttl: timedelta | None = None,
    deliver: bool = True,
    rate_limited: bool = True,
    ip: str | None = None,
) -> tuple[VerificationCode, str]:
    """Create a code for ``mobile`` and queue its SMS; returns the row and the raw code.

    ``body`` is the SMS text with ``{code}`` in it (the purpose's standard text by default).
    With ``deliver=False`` the request is recorded (and counted) but nothing is texted.
    ``rate_limited=False`` is for codes the agency or a unit manager sends on purpose (an
    activation code), not for codes anyone can ask for.
    """
    from shebao.notifications.models import OutboundMessage
    from shebao.notifications.services import sms_queue

    mobile = normalize_mobile(mobile)
    now = timezone.now()
    if rate_limited:
        _rate_limit(mobile=mobile, now=now, ip=ip)
    ttl = ttl or _ttl()
    raw = f"{secrets.randbelow(10**6):06d}"
    row = VerificationCode.objects.create(
        mobile=mobile,
        purpose=purpose,
        user=user,
        code_hash=_hash(mobile, raw),
        delivered=deliver,
        created_at=now,
        expires_at=now + ttl,
        ip=ip or None,
    )
    if deliver:
        text = body or _SMS_TEXT[purpose]
        minutes = int(ttl.total_seconds() // 60)
        sms_queue(
            to=mobile,
            body="【社保经办】" + text.format(code=raw, minutes=minutes),
            purpose=OutboundMessage.Purpose.VERIFICATION,
            user=user,
        )
    return row, raw


def code_request(*, purpose: str, mobile: str, id_number: str = "", ip: str | None = None) -> str:
    """What the "获取验证码" button does; returns the masked mobile the code went to.

    A reset code goes only to the mobile registered with the account of ``id_number``. When the
    pair matches no account the answer is the same and the request is counted, but nothing is
    sent: the page does not tell a stranger whether someone has an account.
    """
    mobile = normalize_mobile(mobile)
    if purpose in (Purpose.REGISTER, Purpose.UNIT_REGISTER):
        code_send(mobile=mobile, purpose=purpose, ip=ip)
    elif purpose == Purpose.PASSWORD_RESET:
        if not identifier_text(id_number):
            raise InvalidInput("请填写公民身份号码", code="ID_NUMBER_REQUIRED", field="id_number")
        id_number = normalize_id_number(id_number)
        user = User.objects.filter(
            username=id_number, kind=User.Kind.INDIVIDUAL, mobile=mobile, is_active=True
        ).first()
        code_send(mobile=mobile, purpose=purpose, user=user, deliver=user is not None, ip=ip)
    else:
        raise InvalidInput("验证码用途不正确", code="CODE_PURPOSE_INVALID", field="purpose")
    return mobile[:3] + "****" + mobile[7:]


class CodeRejected(Exception):
    """A wrong or dead code, or an action refused after its code was accepted; ``error`` is
    what the user is told."""

    def __init__(self, error: DomainError, *, row_id: int | None = None, uniform: bool = False):
        super().__init__(error.message)
        self.error = error
        self.row_id = row_id
        self.uniform = uniform

    def record(self) -> DomainError:
        """Count the wrong guess (in its own transaction) and return the error to raise."""
        if self.row_id is None:
            return self.error
        with transaction.atomic():
            VerificationCode.objects.filter(pk=self.row_id).update(attempts=F("attempts") + 1)
            attempts = VerificationCode.objects.get(pk=self.row_id).attempts
        if self.uniform:
            return self.error
        left = settings.SHEBAO_CODE_MAX_ATTEMPTS - attempts
        if left <= 0:
            return InvalidInput(
                "验证码错误次数过多，已失效，请重新获取",
                code="CODE_TOO_MANY_ATTEMPTS",
                field="code",
            )
        return InvalidInput(
            f"验证码不正确，还可尝试 {left} 次",
            code="CODE_INVALID",
            field="code",
            details={"remaining_attempts": left},
        )


def code_uniform_error() -> InvalidInput:
    return InvalidInput("验证码不正确或已失效，请核对或重新获取", code="CODE_INVALID", field="code")


def code_take(
    *,
    mobile: str,
    purposes: tuple[str, ...],
    code: str,
    user: User | None = None,
    uniform: bool = False,
) -> VerificationCode:
    """The newest code of ``mobile`` for ``purposes`` (and ``user``), locked, if ``code`` is it
    and it is still good; raises :class:`CodeRejected` otherwise. Writes nothing: call
    :func:`code_use` when the action succeeds.

    ``uniform`` gives one message for every failure (password reset: a stranger must not learn
    whether a code was ever sent).
    """
    code = verification_code_spelling(code)
    mobile = mobile_spelling(mobile)
    if not code:
        raise CodeRejected(
            InvalidInput("请输入短信验证码", code="CODE_REQUIRED", field="code"), uniform=uniform
        )
    rows = VerificationCode.objects.select_for_update().filter(
        mobile=mobile, purpose__in=purposes, delivered=True
    )
    if user is not None:
        rows = rows.filter(user=user)
    row = rows.order_by("-created_at", "-id").first()

    def dead(message: str, error_code: str) -> CodeRejected:
        return CodeRejected(
            code_uniform_error()
            if uniform
            else InvalidInput(message, code=error_code, field="code"),
            uniform=uniform,
        )

    if row is None or row.used_at is not None:
        raise dead("验证码不正确或已失效，请重新获取", "CODE_INVALID")
    if row.expires_at <= timezone.now():
        raise dead("验证码已过期，请重新获取", "CODE_EXPIRED")
    if row.attempts >= settings.SHEBAO_CODE_MAX_ATTEMPTS:
        raise dead("验证码错误次数过多，已失效，请重新获取", "CODE_TOO_MANY_ATTEMPTS")
    if not constant_time_compare(row.code_hash, _hash(mobile, code)):
        raise CodeRejected(
            code_uniform_error()
            if uniform
            else InvalidInput("验证码不正确", code="CODE_INVALID", field="code"),
            row_id=row.pk,
            uniform=uniform,
        )
    return row


@contextmanager
def code_spent_on_refusal(row: VerificationCode) -> Iterator[None]:
    """Around what an action checks after :func:`code_take` accepted ``row``: a refusal there
    (``ACCOUNT_EXISTS``, ``NAME_MISMATCH`` …) still uses up one of the code's attempts, so one
    code cannot test unlimited ID numbers; the user gets the refusal itself. Raises
    :class:`CodeRejected`: the service calls :meth:`CodeRejected.record` after rolling back."""
    try:
        yield
    except DomainError as refused:
        raise CodeRejected(refused, row_id=row.pk, uniform=True) from None


def code_use(row: VerificationCode) -> None:
    """Spend a code taken with :func:`code_take` (inside the same transaction)."""
    row.used_at = timezone.now()
    row.save(update_fields=["used_at"])
