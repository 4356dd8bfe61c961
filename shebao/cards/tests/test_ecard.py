"""The electronic card: issued after identity verification, shown with a QR code that changes
every minute (an HMAC of the card and the minute), checked by staff."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from shebao.applications.models import Application
from shebao.cards import services
from shebao.cards.models import Card, ElectronicCard
from shebao.cards.tests.helpers import draft, submit
from shebao.common.errors import Conflict, InvalidInput, PermissionDenied
from shebao.testing import make_card, signed_in

pytestmark = pytest.mark.django_db


def test_an_electronic_card_is_issued_once_after_verification(world):
    card = make_card(world.person)

    first = services.ecard_issue(actor=world.actor())
    second = services.ecard_issue(actor=world.actor())

    assert first.pk == second.pk
    assert (first.card, first.method) == (card, "registry")
    assert card.events.order_by("-pk").first().note == "电子社保卡已签发（身份核验：登记信息比对）"


def test_the_electronic_card_matter_issues_it_at_once(world):
    make_card(world.person)
    application = submit(
        world.actor(), draft(world.actor(), "person.ecard_apply", {"agree": True}, with_photo=False)
    )
    assert application.status == Application.Status.COMPLETED
    assert ElectronicCard.objects.count() == 1


def test_a_failed_verification_issues_nothing(world):
    make_card(world.person)
    world.holder.name = "韩梅"  # the account's name no longer matches the registry
    world.holder.save()

    with pytest.raises(PermissionDenied) as refused:
        services.ecard_issue(actor=world.actor())

    assert refused.value.code == "IDENTITY_NOT_VERIFIED"
    assert ElectronicCard.objects.count() == 0


def test_no_electronic_card_for_a_lost_card(world):
    make_card(world.person, status="temp_lost")
    with pytest.raises(Conflict) as refused:
        services.ecard_issue(actor=world.actor())
    assert refused.value.code == "CARD_LOST"


def test_the_code_changes_every_minute_and_staff_check_it(world):
    make_card(world.person)
    ecard = services.ecard_issue(actor=world.actor())
    now = timezone.now().replace(second=30, microsecond=0)
    code = services.ecard_code(ecard=ecard, at=now)

    assert code != services.ecard_code(ecard=ecard, at=now + timedelta(minutes=1))
    assert code == services.ecard_code(ecard=ecard, at=now + timedelta(seconds=20))
    check = services.ecard_verify(actor=world.staff(), code=code, now=now + timedelta(seconds=50))
    assert (check.usable, check.message, check.card.person) == (
        True,
        "电子社保卡有效，卡片状态正常",
        world.person,
    )

    with pytest.raises(InvalidInput) as expired:
        services.ecard_verify(actor=world.staff(), code=code, now=now + timedelta(minutes=2))
    assert expired.value.code == "ECARD_CODE_EXPIRED"

    forged = code[:-1] + ("0" if code[-1] != "0" else "1")
    with pytest.raises(InvalidInput) as invalid:
        services.ecard_verify(actor=world.staff(), code=forged, now=now)
    assert invalid.value.code == "ECARD_CODE_INVALID"


def test_the_code_of_a_lost_card_is_not_usable(world):
    make_card(world.person)
    ecard = services.ecard_issue(actor=world.actor())
    code = services.ecard_code(ecard=ecard)
    services.card_loss_report(actor=world.actor(), kind="temporary")

    check = services.ecard_verify(actor=world.staff(), code=code)

    assert (check.usable, check.message) == (False, "该社会保障卡已挂失，不能使用")


def test_the_electronic_card_moves_to_the_replacement(world, clock):
    old = make_card(world.person)
    services.ecard_issue(actor=world.actor())
    services.card_loss_report(actor=world.actor(), kind="formal")
    submit(
        world.actor(),
        draft(
            world.actor(),
            "person.card_replace",
            {"replace_reason": "lost", "delivery": "branch", "contact_mobile": "13943119999"},
            with_photo=False,
        ),
    )
    for _ in range(3):
        services.cards_exchange(now=clock.tick())
    new = Card.objects.get(replaces=old)
    services.card_hand_over(actor=world.staff(), card=new)

    assert ElectronicCard.objects.get(card=old).revoked_at is not None
    assert ElectronicCard.objects.get(card=new).revoked_at is None


def test_the_staff_check_page_shows_the_holder(world):
    make_card(world.person)
    code = services.ecard_code(ecard=services.ecard_issue(actor=world.actor()))

    page = signed_in(world.card_staff, "staff").post("/cards/staff/check/", {"qr": code})

    assert page.status_code == 200
    body = page.content.decode()
    assert "电子社保卡有效，卡片状态正常" in body and "韩梅梅" in body


def test_the_holders_page_shows_the_qr_code(world):
    make_card(world.person)
    services.ecard_issue(actor=world.actor())

    page = signed_in(world.holder, "individual").get("/cards/ecard/code/")

    assert page.status_code == 200
    assert "<svg" in page.content.decode()
