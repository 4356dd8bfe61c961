"""A card's whole life through the adapters' local implementations: the first application with
its photo, the batch file to the bureau and its results, the post (到付) with its tracking, the
card in force; then loss reports, a replacement and the old card's cancellation."""

from __future__ import annotations

import csv

import pytest
from django.conf import settings

from shebao.cards import services
from shebao.cards.models import BureauFile, Card, CardEvent, TrackingEvent
from shebao.cards.tests.helpers import apply_first_card, draft, submit
from shebao.common.identifiers import normalize_tracking_number
from shebao.notifications.models import Notification, OutboundMessage
from shebao.testing import make_card

pytestmark = pytest.mark.django_db

S = Card.Status


def states(card: Card) -> list[str]:
    return list(card.events.order_by("at", "pk").values_list("state", flat=True))


def test_a_first_card_goes_from_application_to_the_holders_hands(world, clock):
    # given a holder who applies with a photo, and the card service approves
    application = apply_first_card(world.actor(), world.staff())
    card = Card.objects.get(person=world.person)
    assert (application.status, card.status, card.kind) == ("completed", S.APPLIED, "first")
    assert (card.bank, card.delivery, card.address) == (
        "中国工商银行吉林分行",
        "ems",
        "吉林省吉林市昌邑区解放北路88号 韩梅梅",
    )

    # when the exchange runs: the batch goes to the bureau, which takes it into production
    report = services.cards_exchange(now=clock.tick())
    card.refresh_from_db()
    assert (report.sent, report.bureau_lines, report.imported) == (1, 1, 1)
    assert card.status == S.MAKING
    folder = settings.SHEBAO_CARD_EXCHANGE_DIR / "to_bureau" / card.batch
    with (folder / "request.csv").open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert rows == [
        ["参考号", "公民身份号码", "姓名", "性别", "出生日期", "合作银行", "照片"],
        [
            card.reference,
            world.person.id_number,
            "韩梅梅",
            world.person.sex,
            world.person.birth_date.isoformat(),
            "中国工商银行吉林分行",
            f"{card.reference}.jpg",
        ],
    ]
    assert (folder / f"{card.reference}.jpg").read_bytes()[:3] == b"\xff\xd8\xff"

    # one stage later the card is made, with the bureau's number
    services.cards_exchange(now=clock.tick())
    card.refresh_from_db()
    assert (card.status, card.card_number, card.masked_number) == (S.MADE, "J00000001", "J0****001")
    assert card.issued_at == clock.now

    # the next round posts it (到付) with a valid item number
    services.cards_exchange(now=clock.tick())
    card.refresh_from_db()
    assert card.status == S.MAILED
    assert normalize_tracking_number(card.tracking_number) == card.tracking_number
    assert "邮费到付" in card.events.get(state=S.MAILED).note

    # the courier reports each step; delivery puts the card in force
    for _ in range(3):
        services.cards_exchange(now=clock.tick())
    card.refresh_from_db()
    assert card.status == S.ACTIVE and card.usable
    assert list(TrackingEvent.objects.filter(card=card).values_list("code", flat=True)) == [
        "accepted",
        "transit",
        "delivering",
        "delivered",
    ]
    assert states(card) == [S.APPLIED, S.SENT, S.MAKING, S.MADE, S.MAILED, S.ACTIVE]
    # every state change told the holder
    titles = list(
        Notification.objects.filter(recipient=world.holder, category="card")
        .order_by("pk")
        .values_list("title", flat=True)
    )
    assert titles == [services.TITLES[s] for s in states(card)]
    assert (
        OutboundMessage.objects.filter(
            to=world.holder.mobile, body__contains="社会保障卡已寄出"
        ).count()
        == 1
    )

    # a further round changes nothing, and the imported result files are not imported again
    before = (CardEvent.objects.count(), TrackingEvent.objects.count(), BureauFile.objects.count())
    services.cards_exchange(now=clock.tick())
    assert (
        CardEvent.objects.count(),
        TrackingEvent.objects.count(),
        BureauFile.objects.count(),
    ) == before


def test_a_card_for_the_branch_waits_there_until_staff_hand_it_over(world, clock):
    apply_first_card(world.actor(), world.staff(), {"delivery": "branch", "mailing_address": ""})
    for _ in range(3):
        services.cards_exchange(now=clock.tick())
    card = Card.objects.get(person=world.person)
    assert (card.status, card.address, card.tracking_number) == (S.AT_BRANCH, "", "")

    services.card_hand_over(actor=world.staff(), card=card)

    card.refresh_from_db()
    assert card.status == S.ACTIVE
    assert card.events.get(state=S.ACTIVE).actor == world.card_staff


def test_loss_reports_a_replacement_and_the_old_card_cancelled_on_delivery(world, clock, settings):
    from shebao.policy.models import PolicyParameter

    old = make_card(world.person, number="J00000077")
    # a region that charges for a replacement (the national value is a demo 0.00)
    PolicyParameter.objects.create(
        region_id="220200",
        key="card.replacement_fee",
        valid_from="2020-01-01",
        value="20.00",
        status="final",
        source="测试文号",
    )
    actor = world.actor()

    # 临时挂失 at once, then 正式挂失
    services.card_loss_report(actor=actor, kind="temporary")
    old.refresh_from_db()
    assert old.status == S.TEMP_LOST and not old.usable
    services.card_loss_report(actor=actor, kind="formal")
    old.refresh_from_db()
    assert old.status == S.LOST

    # 补卡 without a new photo: answered at once, made from the photo on file
    application = submit(
        actor,
        draft(
            actor,
            "person.card_replace",
            {
                "replace_reason": "lost",
                "delivery": "ems",
                "mailing_address": "吉林市船营区北京路5号",
                "contact_mobile": "13943119999",
            },
            with_photo=False,
        ),
    )
    assert application.status == "completed"
    new = Card.objects.get(person=world.person, kind=Card.Kind.REPLACE)
    assert (new.status, new.replaces, new.fee_fen, new.fee_source) == (
        S.APPLIED,
        old,
        2000,
        "测试文号",
    )
    assert "工本费 20.00 元" in new.events.get().note

    # the lost card cannot be found again while its replacement is made
    with pytest.raises(services.Conflict) as refused:
        services.card_loss_cancel(actor=actor)
    assert refused.value.code == "CARD_REPLACEMENT_IN_PRODUCTION"

    for _ in range(6):
        services.cards_exchange(now=clock.tick())
    old.refresh_from_db()
    new.refresh_from_db()
    assert (new.status, old.status) == (S.ACTIVE, S.CANCELLED)
    assert states(old)[-1] == S.CANCELLED
    assert Card.objects.filter(person=world.person, status__in=Card.IN_FORCE).count() == 1


def test_a_temporary_loss_is_cancelled_and_the_card_is_usable_again(world):
    card = make_card(world.person)
    services.card_loss_report(actor=world.actor(), kind="temporary")

    services.card_loss_cancel(actor=world.actor())

    card.refresh_from_db()
    assert card.status == S.ACTIVE and card.usable
    assert states(card)[-2:] == [S.TEMP_LOST, S.ACTIVE]


def test_a_lost_card_cannot_be_used(world):
    card = make_card(world.person)
    services.card_loss_report(actor=world.actor(), kind="temporary")
    card.refresh_from_db()

    with pytest.raises(services.Conflict) as refused:
        services.card_use_check(card=card)

    assert (refused.value.code, refused.value.message) == (
        "CARD_LOST",
        "该社会保障卡已挂失，不能使用",
    )


def test_the_formal_loss_matter_and_its_cancellation_apply_at_once(world):
    card = make_card(world.person)
    actor = world.actor()

    application = submit(
        actor,
        draft(
            actor,
            "person.card_report_loss",
            {"loss_reason": "stolen", "loss_date": "2026-01-02", "contact_mobile": "13943119999"},
            with_photo=False,
        ),
    )
    card.refresh_from_db()
    assert (application.status, card.status) == ("completed", S.LOST)
    assert "原因：被盗" in card.events.get(state=S.LOST).note

    application = submit(
        actor,
        draft(
            actor,
            "person.card_cancel_loss",
            {"found": True, "contact_mobile": "13943119999"},
            with_photo=False,
        ),
    )
    card.refresh_from_db()
    assert (application.status, card.status) == ("completed", S.ACTIVE)


def test_a_result_file_of_a_batch_the_hall_never_sent_is_not_imported(world, clock):
    inbox = settings.SHEBAO_CARD_EXCHANGE_DIR / "from_bureau"
    inbox.mkdir(parents=True)
    (inbox / "ZK20200101000000000000001-1.csv").write_text(
        "参考号,状态,卡号,时间,说明\nSBK0000000001,made,J99999999,2020-01-01T00:00:00+08:00,制卡完成\n",
        encoding="utf-8",
    )

    report = services.cards_exchange(now=clock.tick())

    assert report.imported == 0
    assert report.problems == ["ZK20200101000000000000001-1.csv：不是本系统报送的制卡批次"]
    assert BureauFile.objects.count() == 0
