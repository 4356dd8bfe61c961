"""Bad input: a photo that is not an image, too small or the wrong shape; a second application
while a card is in production; unloss of a card that is not lost; a bad tracking number. Each
gets a Chinese message and a stable code, and nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from shebao.applications import services as engine
from shebao.applications.models import Application, ApplicationEvent, Material
from shebao.cards import services
from shebao.cards.models import Card, CardEvent
from shebao.cards.tests.helpers import APPLY_DATA, apply_first_card, draft, fresh
from shebao.catalogue.models import Matter
from shebao.common.errors import Conflict, InvalidInput
from shebao.notifications.models import Notification
from shebao.testing import make_card, photo

pytestmark = pytest.mark.django_db


def stored_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def blank_draft(world) -> Application:
    matter = Matter.objects.get(code="person.card_apply")
    application, _ = engine.application_create(actor=world.actor(), matter=matter, data=APPLY_DATA)
    return application


@pytest.mark.parametrize(
    ("upload", "code", "message"),
    [
        (
            SimpleUploadedFile(
                "照片.jpg", b"\xff\xd8\xff\xe0" + b"not a picture" * 20, "image/jpeg"
            ),
            "PHOTO_NOT_IMAGE",
            "照片无法识别：请上传 JPG 或 PNG 格式的彩色照片文件",
        ),
        (
            photo(200, 250),
            "PHOTO_TOO_SMALL",
            "照片太小（200×250 像素）：至少须宽 358 像素、高 441 像素",
        ),
        (
            photo(800, 450, "PNG"),
            "PHOTO_WRONG_SHAPE",
            "照片比例不符（800×450 像素）：须为竖版证件照，高约为宽的 1.2 至 1.4 倍",
        ),
        (
            photo(500, 500),
            "PHOTO_WRONG_SHAPE",
            "照片比例不符（500×500 像素）：须为竖版证件照，高约为宽的 1.2 至 1.4 倍",
        ),
    ],
    ids=["not_an_image", "too_small", "landscape", "square"],
)
def test_a_bad_photo_is_refused_on_upload_and_nothing_is_kept(world, upload, code, message):
    application = blank_draft(world)
    before = (ApplicationEvent.objects.count(), stored_files())

    with pytest.raises(InvalidInput) as refused:
        engine.material_upload(
            actor=world.actor(), application=application, code="photo", file=upload
        )

    assert (refused.value.code, refused.value.message) == (code, message)
    assert Material.objects.filter(application=application).count() == 0
    assert (ApplicationEvent.objects.count(), stored_files()) == before


def test_a_pdf_is_not_a_photo(world):
    from shebao.testing import pdf

    with pytest.raises(InvalidInput) as refused:
        engine.material_upload(
            actor=world.actor(), application=blank_draft(world), code="photo", file=pdf()
        )
    assert refused.value.code == "UPLOAD_TYPE_NOT_ALLOWED"


def test_a_good_photo_in_png_and_a_two_inch_photo_are_accepted(world):
    application = blank_draft(world)
    for upload in (photo(358, 441, "PNG"), photo(413, 579)):
        engine.material_upload(
            actor=world.actor(), application=application, code="photo", file=upload
        )
    assert Material.objects.filter(application=application, code="photo").count() == 2


def test_a_first_application_without_a_photo_is_not_submitted(world):
    application = draft(world.actor(), "person.card_apply", APPLY_DATA, with_photo=False)

    with pytest.raises(InvalidInput) as refused:
        engine.application_submit(
            actor=world.actor(), application=application, version=application.version
        )

    assert (refused.value.code, refused.value.details) == (
        "MATERIALS_MISSING",
        {"missing": ["photo"]},
    )
    assert fresh(application).status == "draft"


def test_mail_delivery_needs_an_address_at_submission(world):
    application = draft(world.actor(), "person.card_apply", {**APPLY_DATA, "mailing_address": ""})

    with pytest.raises(InvalidInput) as refused:
        engine.application_submit(
            actor=world.actor(), application=application, version=application.version
        )

    assert (refused.value.code, refused.value.field) == ("ADDRESS_REQUIRED", "mailing_address")
    assert (fresh(application).status, Card.objects.count()) == ("draft", 0)


def test_a_second_application_while_a_card_is_in_production_is_refused(world):
    apply_first_card(world.actor(), world.staff())
    second = draft(
        world.actor(),
        "person.card_replace",
        {"replace_reason": "damaged", "delivery": "branch", "contact_mobile": "13943119999"},
        with_photo=False,
    )
    before = (Card.objects.count(), CardEvent.objects.count(), Notification.objects.count())

    with pytest.raises(Conflict) as refused:
        engine.application_submit(actor=world.actor(), application=second, version=second.version)

    assert (refused.value.code, refused.value.message) == (
        "CARD_IN_PRODUCTION",
        "您有一张社会保障卡正在制作中，请等待制卡完成，可在“制卡进度查询”中查看进度",
    )
    assert fresh(second).status == "draft"
    assert (Card.objects.count(), CardEvent.objects.count(), Notification.objects.count()) == before


def test_a_first_application_of_a_holder_is_refused(world):
    make_card(world.person)
    application = draft(world.actor(), "person.card_apply", APPLY_DATA)

    with pytest.raises(Conflict) as refused:
        engine.application_submit(
            actor=world.actor(), application=application, version=application.version
        )

    assert refused.value.code == "CARD_ALREADY_ISSUED"
    assert Card.objects.count() == 1


def test_a_lost_card_replacement_needs_a_formal_loss_first(world):
    make_card(world.person)
    services.card_loss_report(actor=world.actor(), kind="temporary")
    application = draft(
        world.actor(),
        "person.card_replace",
        {"replace_reason": "lost", "delivery": "branch", "contact_mobile": "13943119999"},
        with_photo=False,
    )

    with pytest.raises(Conflict) as refused:
        engine.application_submit(
            actor=world.actor(), application=application, version=application.version
        )

    assert refused.value.code == "CARD_NOT_FORMALLY_LOST"
    assert Card.objects.count() == 1


def test_unloss_of_a_card_not_lost_is_refused_and_writes_nothing(world):
    card = make_card(world.person)
    before = (CardEvent.objects.count(), Notification.objects.count())

    with pytest.raises(Conflict) as refused:
        services.card_loss_cancel(actor=world.actor())

    assert (refused.value.code, refused.value.message) == (
        "CARD_NOT_LOST",
        "您的社会保障卡未挂失，无需解挂",
    )
    card.refresh_from_db()
    assert card.status == Card.Status.ACTIVE
    assert (CardEvent.objects.count(), Notification.objects.count()) == before


def test_a_second_loss_report_of_the_same_kind_is_refused(world):
    make_card(world.person)
    services.card_loss_report(actor=world.actor(), kind="formal")
    with pytest.raises(Conflict) as refused:
        services.card_loss_report(actor=world.actor(), kind="temporary")
    assert (refused.value.code, refused.value.message) == (
        "CARD_ALREADY_LOST",
        "您的社会保障卡已正式挂失，无需重复办理",
    )


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("EA123456784CN", "TRACKING_NUMBER_BAD_CHECK"),
        ("EA12345678CN", "TRACKING_NUMBER_MALFORMED"),
        ("1234567890123", "TRACKING_NUMBER_MALFORMED"),
    ],
)
def test_a_bad_tracking_number_is_refused_and_the_card_stays_made(world, number, code):
    card = make_card(world.person, status="made")
    before = CardEvent.objects.count()

    with pytest.raises(InvalidInput) as refused:
        services.card_mail(actor=world.staff(), card=card, tracking_number=number)

    assert (refused.value.code, refused.value.field) == (code, "tracking_number")
    card.refresh_from_db()
    assert (card.status, card.tracking_number) == (Card.Status.MADE, "")
    assert CardEvent.objects.count() == before


def test_a_good_tracking_number_in_any_spelling_posts_the_card(world, clock):
    card = make_card(world.person, status="made")

    services.card_mail(actor=world.staff(), card=card, tracking_number=" ea 123456785 cn ")

    card.refresh_from_db()
    assert (card.status, card.tracking_number) == (Card.Status.MAILED, "EA123456785CN")
    for _ in range(4):  # 收寄 when posted, then 运输中, 派送中, 已签收
        services.cards_exchange(now=clock.tick())
    card.refresh_from_db()
    assert card.status == Card.Status.ACTIVE
