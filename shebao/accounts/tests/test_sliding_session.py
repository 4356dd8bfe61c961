"""A signed-in session stays alive while it is used, written at most once a refresh interval."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from shebao.testing import make_individual, signed_in

pytestmark = pytest.mark.django_db


def _expiry(client: Client):
    return Session.objects.get(session_key=client.session.session_key).expire_date


def test_a_used_session_is_pushed_forward_at_most_once_a_refresh_interval(settings):
    settings.SHEBAO_SESSION_REFRESH_SECONDS = 60
    client = signed_in(make_individual(), "individual")
    client.get("/me/")  # the first request records its refresh
    refreshed = _expiry(client)

    client.get("/me/")
    assert _expiry(client) == refreshed  # within the minute: not written again

    session = client.session
    session["_shebao_refreshed"] = 0  # as if the last refresh were long ago
    session.save()
    Session.objects.filter(session_key=session.session_key).update(
        expire_date=timezone.now() + timedelta(minutes=5)
    )
    client.get("/me/")
    pushed = _expiry(client)
    assert pushed > timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)


def test_a_visitor_without_a_session_gets_none():
    client = Client()
    client.get("/")
    client.get("/matters/")
    assert Session.objects.count() == 0
    assert "sessionid" not in client.cookies
