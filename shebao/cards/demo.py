"""The demo's social security cards: among the demo persons, a card in every state, built
through the real services — applications through the workflow engine, the exchange with the
local bureau and the local courier run at past moments (one stage a day), loss reports, a
replacement handed over at the branch, another in the post, an electronic card.

Who has what (the accounts print with ``make run``):

- 张伟: a card in force (posted by EMS two months ago) and his electronic card;
- 李娜: no card; her first application was returned (the photo is not a passport photo);
- 刘志远: his card temporarily reported lost (临时挂失);
- 陈晓燕: her card formally lost (正式挂失) and its replacement in the post (已寄出), two tracking
  events so far;
- 杨帆: a first card being made (制卡中); 周慧敏: one made, waiting to be posted (已制成);
- 王德福: one waiting at the bank's branch (待网点领取);
- 孙立军: a replacement collected at the branch, his old card cancelled (已注销);
- 赵建业: one in the batch sent to the bureau (已报送制卡机构); and one more insured person
  (an account of its own) whose application was just approved (待报送制卡).

The exchange task moves them on from there once the hall runs (``manage.py periodic``).
Built once: a second load finds the cards and changes nothing.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from shebao.accounts.actors import Actor
from shebao.applications import services as engine
from shebao.applications.models import Application
from shebao.cards import services
from shebao.cards.models import Card
from shebao.catalogue.models import Matter

DAY = 24 * 60  # minutes: the demo's bureau and courier take a day a stage
BANKS = ["中国工商银行吉林分行", "中国建设银行吉林分行", "吉林银行", "中国农业银行吉林分行"]


def _photo() -> SimpleUploadedFile:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (358, 441), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.ellipse((119, 70, 239, 210), fill=(222, 184, 150))  # a face on a white ground
    draw.rectangle((79, 230, 279, 441), fill=(40, 60, 110))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return SimpleUploadedFile("证件照.jpg", buffer.getvalue(), content_type="image/jpeg")


@contextmanager
def _at(moment: datetime) -> Iterator[None]:
    from freezegun import freeze_time

    with freeze_time(moment):
        yield


def _fresh(application: Application) -> Application:
    return Application.objects.get(pk=application.pk)


def _apply(
    person: Actor, code: str, data: dict[str, Any], *, photo: bool, reviewer: Actor | None
) -> Application:
    matter = Matter.objects.get(code=code)
    application, _ = engine.application_create(actor=person, matter=matter, data=data)
    if photo:
        engine.material_upload(actor=person, application=application, code="photo", file=_photo())
    if matter.material("id_card") is not None:
        from shebao.applications.demo import SAMPLE_PDF

        engine.material_upload(
            actor=person,
            application=application,
            code="id_card",
            file=SimpleUploadedFile("身份证.pdf", SAMPLE_PDF, "application/pdf"),
        )
    application = _fresh(application)
    engine.application_submit(actor=person, application=application, version=application.version)
    application = _fresh(application)
    if reviewer is not None and application.status == Application.Status.SUBMITTED:
        engine.application_accept(
            actor=reviewer, application=application, version=application.version
        )
        application = _fresh(application)
        engine.application_approve(
            actor=reviewer, application=application, version=application.version
        )
    return _fresh(application)


def _first(person: Actor, reviewer: Actor, *, bank: int, delivery: str = "ems") -> Application:
    district = person.person.district.name if person.person.district else ""
    return _apply(
        person,
        "person.card_apply",
        {
            "bank": BANKS[bank % len(BANKS)],
            "delivery": delivery,
            "mailing_address": f"吉林省吉林市{district}松江中路{10 + bank}号 {person.user.name}"
            if delivery == "ems"
            else "",
            "contact_mobile": person.user.mobile or "13800000000",
        },
        photo=True,
        reviewer=reviewer,
    )


def _replace(person: Actor, *, reason: str, delivery: str) -> Application:
    district = person.person.district.name if person.person.district else ""
    return _apply(
        person,
        "person.card_replace",
        {
            "replace_reason": reason,
            "delivery": delivery,
            "mailing_address": f"吉林省吉林市{district}重庆街6号 {person.user.name}"
            if delivery == "ems"
            else "",
            "contact_mobile": person.user.mobile or "13800000000",
        },
        photo=False,
        reviewer=None,  # no new photo: answered at once
    )


def cards_demo(*, people: dict[str, Actor], extra: Actor, reviewer: Actor) -> int:
    """Build the demo's cards (see the module docstring); returns how many cards were made."""
    if Card.objects.exists():
        return 0
    now = timezone.now().replace(microsecond=0)

    def day(days: float) -> datetime:
        return now - timedelta(days=days)

    def exchange(days: float) -> None:
        services.cards_exchange(now=day(days))

    with override_settings(SHEBAO_CARD_BUREAU_STAGE_MINUTES=DAY, SHEBAO_COURIER_STAGE_MINUTES=DAY):
        # Two months ago: four first cards, posted by EMS, delivered within the week.
        with _at(day(62)):
            for index, key in enumerate(("zhang", "liu", "chen", "sun")):
                _first(people[key], reviewer, bank=index)
        for days in (61, 60, 59, 55):
            exchange(days)
        with _at(day(50)):
            services.ecard_issue(actor=people["zhang"])
            # 李娜's photo is rejected by the reviewer: her application is returned.
            returned = _apply(
                people["li"],
                "person.card_apply",
                {"bank": BANKS[1], "delivery": "branch", "contact_mobile": "13943110002"},
                photo=True,
                reviewer=None,
            )
            engine.application_accept(
                actor=reviewer, application=returned, version=returned.version
            )
            returned = _fresh(returned)
            engine.application_return(
                actor=reviewer,
                application=returned,
                version=returned.version,
                reason="照片背景不是白色、未露双耳，不符合制卡要求，请上传近期白底免冠彩色证件照",
            )
        # Three weeks ago 孙立军 lost his card; the replacement was collected at the branch.
        with _at(day(21)):
            services.card_loss_report(actor=people["sun"], kind="formal", reason="遗失")
            _replace(people["sun"], reason="lost", delivery="branch")
        for days in (20, 19, 18):
            exchange(days)
        with _at(day(17)):
            services.card_hand_over(
                actor=reviewer,
                card=Card.objects.get(person=people["sun"].person, status=Card.Status.AT_BRANCH),
            )
        with _at(day(8)):
            services.card_loss_report(actor=people["liu"], kind="temporary")
        # This week: 陈晓燕's replacement and 王德福's first card; then 周慧敏's, 杨帆's, 赵建业's.
        with _at(day(5)):
            services.card_loss_report(actor=people["chen"], kind="formal", reason="被盗")
            _replace(people["chen"], reason="lost", delivery="ems")
            _first(people["wang"], reviewer, bank=2, delivery="branch")
        exchange(4)  # sent, in production
        exchange(3)  # made
        with _at(day(2.5)):
            _first(people["zhou"], reviewer, bank=1)
        exchange(2)  # 陈晓燕's posted, 王德福's at the branch; 周慧敏's in production
        with _at(day(1.5)):
            _first(people["yang"], reviewer, bank=3)
        exchange(1)  # 陈晓燕's in transit, 周慧敏's made, 杨帆's in production
        with _at(day(0.2)):
            _first(people["zhao"], reviewer, bank=0)
        services.cards_send(now=day(0.1))  # 赵建业's batch is with the bureau, not yet read
        with _at(day(0.05)):
            _first(extra, reviewer, bank=1)
    return Card.objects.count()
