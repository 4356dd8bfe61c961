"""Audit rows and one-time form keys, written inside the caller's transaction."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction

from shebao.accounts.models import AccountEvent, SignInEvent, SubmissionKey, User
from shebao.common.errors import Conflict
from shebao.registry.models import Unit


def account_event_record(
    *,
    action: str,
    actor: User | None,
    subject: User | None = None,
    unit: Unit | None = None,
    detail: dict[str, Any] | None = None,
    ip: str | None = None,
) -> AccountEvent:
    return AccountEvent.objects.create(
        action=action, actor=actor, subject=subject, unit=unit, detail=detail or {}, ip=ip or None
    )


def sign_in_event_record(
    *,
    user: User | None,
    identifier: str,
    context: str,
    channel: str,
    outcome: str,
    code: str = "",
    ip: str | None = None,
    user_agent: str = "",
) -> SignInEvent:
    return SignInEvent.objects.create(
        user=user,
        identifier=identifier[:64],
        context=context[:40],
        channel=channel,
        outcome=outcome,
        code=code,
        ip=ip or None,
        user_agent=user_agent[:200],
    )


def submission_claim(*, key: str) -> None:
    """Take a form's one-time key inside the caller's transaction; a key already taken (a double
    click, a reload of the POST) refuses the whole action. An empty key claims nothing.

    On PostgreSQL a concurrent second insert waits for the first transaction and then fails; on
    SQLite writers are serialised, so the second finds the row.
    """
    if not key:
        return
    try:
        with transaction.atomic():
            SubmissionKey.objects.create(key=key[:64])
    except IntegrityError:
        raise Conflict("该表单已经提交过，请勿重复提交。", code="ALREADY_SUBMITTED") from None
