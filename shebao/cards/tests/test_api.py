"""The card API: GET /api/v1/me/card, POST and DELETE /api/v1/me/card/loss."""

from __future__ import annotations

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.test import Client

from shebao.accounts.tokens import token_issue
from shebao.cards import services
from shebao.cards.models import Card, CardEvent
from shebao.cards.tests.helpers import apply_first_card
from shebao.testing import make_card, signed_in

pytestmark = pytest.mark.django_db
iso = DjangoJSONEncoder().default  # how the API writes a datetime


def call(method: str, user, path: str = "/api/v1/me/card/loss", context="individual", **kwargs):
    token = token_issue(user=user, context=context)
    return getattr(Client(), method)(path, HTTP_AUTHORIZATION=f"Bearer {token}", **kwargs)


def test_my_card_shows_the_card_being_made_with_its_progress(world, clock):
    apply_first_card(world.actor(), world.staff())
    services.cards_exchange(now=clock.tick())
    services.cards_exchange(now=clock.tick())
    card = Card.objects.get()
    events = list(card.events.order_by("at", "pk"))

    response = call("get", world.holder, "/api/v1/me/card")

    assert response.status_code == 200
    assert response.json() == {
        "status": "made",
        "card_number": "J0****001",
        "bank": "中国工商银行吉林分行",
        "issued_at": iso(card.issued_at),
        "progress": [{"state": e.state, "at": iso(e.at), "note": e.note} for e in events],
        "tracking_number": "",
    }
    assert [p["state"] for p in response.json()["progress"]] == [
        "applied",
        "sent",
        "making",
        "made",
    ]


def test_loss_reports_and_their_cancellation_through_the_api(world):
    make_card(world.person, number="J00000042")

    temporary = call(
        "post", world.holder, data={"kind": "temporary"}, content_type="application/json"
    )
    formal = call("post", world.holder, data={"kind": "formal"}, content_type="application/json")
    again = call("post", world.holder, data={"kind": "formal"}, content_type="application/json")
    cancelled = call("delete", world.holder)
    not_lost = call("delete", world.holder)

    assert (temporary.status_code, temporary.json()["status"]) == (200, "temp_lost")
    assert (formal.status_code, formal.json()["status"]) == (200, "lost")
    assert (again.status_code, again.json()["code"]) == (409, "CARD_ALREADY_LOST")
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "active")
    assert (not_lost.status_code, not_lost.json()) == (
        409,
        {"code": "CARD_NOT_LOST", "message": "您的社会保障卡未挂失，无需解挂"},
    )
    assert cancelled.json()["card_number"] == "J0****042"


def test_a_wrong_kind_is_refused_and_nothing_written(world):
    make_card(world.person)
    before = CardEvent.objects.count()

    response = call("post", world.holder, data={"kind": "forever"}, content_type="application/json")

    assert (response.status_code, response.json()["code"]) == (422, "INVALID_INPUT")
    assert CardEvent.objects.count() == before


def test_without_a_card_the_api_says_so(world):
    response = call("get", world.holder, "/api/v1/me/card")
    loss = call("post", world.holder, data={"kind": "temporary"}, content_type="application/json")

    assert (response.status_code, response.json()["code"]) == (404, "CARD_NOT_FOUND")
    assert (loss.status_code, loss.json()["code"]) == (404, "CARD_NOT_FOUND")


def test_staff_have_no_card_of_their_own(world):
    response = call("get", world.card_staff, "/api/v1/me/card", context="staff")
    assert response.status_code == 403


def test_the_application_says_where_to_follow_the_card(world):
    application = apply_first_card(world.actor(), world.staff())

    response = call("get", world.holder, f"/api/v1/applications/{application.number}")
    page = signed_in(world.holder, "individual").get(f"/applications/{application.number}/")

    assert response.status_code == 200
    assert response.json()["result"] == {"card_status": "待报送制卡", "link": "/cards/"}
    assert "已生成制卡申请，当前状态：待报送制卡" in page.content.decode()
