"""Signing a browser session in and out, in one context (see :mod:`shebao.accounts.actors`)."""

from __future__ import annotations

from django.contrib.auth import login, logout
from django.http import HttpRequest

from shebao.accounts.actors import CONTEXT_SESSION_KEY, Actor, actor_for
from shebao.accounts.models import User
from shebao.common.errors import PermissionDenied


def session_sign_in(request: HttpRequest, *, user: User, context: str) -> Actor:
    """Start a session for ``user`` acting in ``context``; refuse a context the user lacks.

    The session key is rotated (Django's ``login``) so a session fixed before sign-in is void.
    """
    actor = actor_for(user, context)
    if actor.is_anonymous:
        raise PermissionDenied("您没有以该身份登录的权限", code="CONTEXT_NOT_ALLOWED")
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[CONTEXT_SESSION_KEY] = context
    request.actor = actor  # type: ignore[attr-defined]
    return actor


def session_sign_out(request: HttpRequest) -> None:
    logout(request)
