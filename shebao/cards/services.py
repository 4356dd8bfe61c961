"""Writes of social security cards: a card requested by an approved application, its production
through the card bureau and its delivery by the courier (the exchange task), loss reports and
their cancellation, the hand-over at a branch, and the electronic card.

Every change of a card's state is one transition: the holder's row lock (so two requests of
one person never interleave), a guard on the current state, the new state, an event row (the
card's timeline and audit trail) and a notification to the holder, in one transaction. The
database holds the rules no race may break: one card in force and one in production per person.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from shebao.accounts.capabilities import Capability, staff_require
from shebao.cards.bureau import FileExchange, LocalBureau, RequestLine
from shebao.cards.courier import DELIVERED, Parcel, courier
from shebao.cards.models import BureauFile, Card, CardEvent, ElectronicCard, TrackingEvent
from shebao.cards.proof import card_proofs_revoke
from shebao.cards.selectors import card_staff_may
from shebao.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from shebao.common.identifiers import normalize_tracking_number
from shebao.common.money import from_fen, money_str, to_fen
from shebao.notifications.services import notify
from shebao.registry.models import Person

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor
    from shebao.applications.models import Application

Status = Card.Status

# How each state reads in the holder's notification title.
TITLES = {
    Status.APPLIED: "社会保障卡申请已受理",
    Status.SENT: "社会保障卡已报送制卡",
    Status.MAKING: "社会保障卡制卡中",
    Status.MADE: "社会保障卡已制成",
    Status.MAILED: "社会保障卡已寄出",
    Status.AT_BRANCH: "社会保障卡可以领取",
    Status.ACTIVE: "社会保障卡已启用",
    Status.TEMP_LOST: "社会保障卡已临时挂失",
    Status.LOST: "社会保障卡已正式挂失",
    Status.CANCELLED: "社会保障卡已注销",
}
# States whose news also goes out by SMS (the holder must act, or someone else might).
SMS_STATES = {Status.MAILED, Status.AT_BRANCH, Status.TEMP_LOST, Status.LOST, Status.ACTIVE}
# 遗失补卡 is a replacement (补卡); a damaged, changed or expired card is exchanged (换卡).
REASON_KIND = {"lost": Card.Kind.REPLACE}
FEE_KEY = "card.replacement_fee"


# --- transitions -------------------------------------------------------------------------------


def _lock_person(person: Person) -> Person:
    return Person.objects.select_for_update().get(pk=person.pk)


def _holder(person: Person) -> Any:
    from shebao.accounts.models import User

    return User.objects.filter(person=person, kind=User.Kind.INDIVIDUAL, is_active=True).first()


def _move(
    card: Card,
    to: str,
    note: str,
    *,
    at: datetime,
    actor: Actor | None = None,
    source: str = "hall",
    data: dict[str, Any] | None = None,
    notify_holder: bool = True,
) -> CardEvent:
    """Put the card in state ``to`` with its event and the holder's notification. The caller
    holds the holder's lock and has checked the guard. A card leaving production (in force,
    or cancelled) takes its 领卡证明 with it: they are revoked in the same transaction."""
    left_production = card.status in Card.IN_PRODUCTION and to not in Card.IN_PRODUCTION
    card.status = to
    card.stage_at = at
    card.save()
    event = CardEvent.objects.create(
        card=card,
        state=to,
        at=at,
        note=note[:200],
        actor=actor.user if actor is not None else None,
        source=source,
        data=data or {},
    )
    if notify_holder:
        user = _holder(card.person)
        if user is not None:
            notify(
                recipient=user,
                context="individual",
                category="card",
                title=TITLES[Status(to)],
                body=note,
                link=reverse("cards:mine"),
                sms=to in SMS_STATES,
            )
    if left_production:
        card_proofs_revoke(card=card)
    return event


def _in_force(person: Person) -> Card | None:
    return Card.objects.filter(person=person, status__in=Card.IN_FORCE).first()


def _in_production(person: Person) -> Card | None:
    return Card.objects.filter(person=person, status__in=Card.IN_PRODUCTION).first()


def card_request_refusal(*, person: Person, kind: str, reason: str = "") -> Conflict | None:
    """Why ``person`` may not have a card of ``kind`` requested now (None if they may)."""
    if _in_production(person) is not None:
        return Conflict(
            "您有一张社会保障卡正在制作中，请等待制卡完成，可在“制卡进度查询”中查看进度",
            code="CARD_IN_PRODUCTION",
        )
    current = _in_force(person)
    if kind == Card.Kind.FIRST:
        if current is not None:
            return Conflict(
                "您已领取社会保障卡，不能再次首次申领；遗失或损坏请申请补换卡",
                code="CARD_ALREADY_ISSUED",
            )
        return None
    if current is None:
        return Conflict("您还没有在用的社会保障卡，请办理社会保障卡首次申领", code="CARD_NOT_FOUND")
    if reason == "lost" and current.status != Status.LOST:
        return Conflict(
            "遗失补卡须先办理社会保障卡正式挂失（临时挂失的请先转为正式挂失）",
            code="CARD_NOT_FORMALLY_LOST",
        )
    return None


@dataclass(frozen=True)
class Fee:
    fen: int
    source: str

    @property
    def amount(self) -> str:
        return money_str(from_fen(self.fen))


def replacement_fee(*, person: Person, on: Any = None) -> Fee:
    """The fee (工本费) of a replacement card where the person lives, from policy."""
    from shebao.policy.display import public_source
    from shebao.policy.selectors import param

    region = person.district_id or settings.SHEBAO_HALL_REGION
    found = param(region=region, key=FEE_KEY, on=on or timezone.localdate())
    return Fee(fen=to_fen(found.value), source=public_source(found.ref.source))


def _photo_of(application: Application) -> str:
    material = (
        application.materials.filter(code="photo", removed_at__isnull=True)
        .order_by("-uploaded_at", "-pk")
        .first()
    )
    return material.file.name if material is not None else ""


@transaction.atomic
def card_request(
    *, actor: Actor | None, application: Application, kind: str, reason: str = ""
) -> Card:
    """The card an approved application asks for (首次申领 or 补换卡), waiting for the next
    exchange with the bureau. Refused (and the approval with it) if the person's cards no
    longer allow it."""
    person = _lock_person(application.person)
    refusal = card_request_refusal(person=person, kind=kind, reason=reason)
    if refusal is not None:
        raise refusal
    data = application.data or {}
    replaces = _in_force(person) if kind != Card.Kind.FIRST else None
    photo = _photo_of(application) or (replaces.photo if replaces is not None else "")
    fee = replacement_fee(person=person) if replaces is not None else Fee(0, "")
    now = timezone.now()
    delivery = data.get("delivery") or Card.Delivery.EMS
    card = Card(
        person=person,
        kind=kind,
        reason=reason,
        status=Status.APPLIED,
        bank=data.get("bank") or (replaces.bank if replaces is not None else ""),
        delivery=delivery,
        address=(data.get("mailing_address") or "")[:200] if delivery == "ems" else "",
        mobile=data.get("contact_mobile") or person.mobile,
        photo=photo,
        fee_fen=fee.fen,
        fee_source=fee.source[:200],
        application=application,
        replaces=replaces,
        stage_at=now,
        created_at=now,
    )
    try:
        with transaction.atomic():
            card.save()
    except IntegrityError:  # a card entered production in between: the constraint held
        raise Conflict(
            "您有一张社会保障卡正在制作中，请等待制卡完成", code="CARD_IN_PRODUCTION"
        ) from None
    what = Card.Kind(kind).label
    note = f"{what}申请已受理（申请编号 {application.number}），等待报送制卡机构"
    if fee.fen:
        note += f"；工本费 {fee.amount} 元"
    _move(card, Status.APPLIED, note, at=now, actor=actor, data={"application": application.number})
    return card


# --- the exchange with the bureau and the courier ------------------------------------------------


@dataclass
class ExchangeReport:
    tracked: int = 0
    delivered: int = 0
    dispatched: int = 0
    sent: int = 0
    bureau_lines: int = 0
    imported: int = 0
    problems: list[str] = field(default_factory=list)


def _batch_name(now: datetime, first: int) -> str:
    return f"ZK{timezone.localtime(now):%Y%m%d%H%M%S}{first:010d}"


def cards_send(*, now: datetime) -> int:
    """Send every card waiting to be made to the bureau, in one batch."""
    with transaction.atomic():
        cards = list(
            Card.objects.select_for_update()
            .filter(status=Status.APPLIED)
            .select_related("person")
            .order_by("pk")
        )
        if not cards:
            return 0
        batch = _batch_name(now, cards[0].pk)
        lines = [
            RequestLine(
                reference=card.reference,
                id_number=card.person.id_number,
                name=card.person.name,
                sex=card.person.sex,
                birth_date=card.person.birth_date.isoformat(),
                bank=card.bank,
                photo=_photo_path(card.photo),
            )
            for card in cards
        ]
        BureauFile.objects.create(
            direction=BureauFile.Direction.REQUEST, name=batch, lines=len(lines), at=now
        )
        for card in cards:
            card.batch = batch
            _move(card, Status.SENT, f"已报送制卡机构（制卡批次 {batch}）", at=now, source="hall")
        # The file is written last: if it fails, the transaction rolls back and nothing is sent.
        FileExchange().send(batch=batch, lines=lines)
    return len(cards)


def _photo_path(name: str) -> Any:
    from pathlib import Path

    if not name or not default_storage.exists(name):
        return None
    return Path(default_storage.path(name))


def cards_import(*, now: datetime, report: ExchangeReport) -> int:
    """Import the bureau's result files, each once; returns the lines applied."""
    exchange = FileExchange()
    applied = 0
    for result in exchange.results():
        with transaction.atomic():
            if BureauFile.objects.filter(
                direction=BureauFile.Direction.RESULT, name=result.name
            ).exists():
                exchange.done(result.name)
                continue
            if not BureauFile.objects.filter(
                direction=BureauFile.Direction.REQUEST, name=result.batch
            ).exists():
                report.problems.append(f"{result.name}：不是本系统报送的制卡批次")
                continue
            BureauFile.objects.create(
                direction=BureauFile.Direction.RESULT,
                name=result.name,
                lines=len(result.lines),
                at=now,
            )
            for line in result.lines:
                applied += _apply_result(line, batch=result.batch, report=report)
        exchange.done(result.name)
    return applied


def _card_by_reference(reference: str, batch: str) -> Card | None:
    if not reference.startswith("SBK") or not reference[3:].isdigit():
        return None
    return Card.objects.filter(pk=int(reference[3:]), batch=batch).first()


def _apply_result(line: Any, *, batch: str, report: ExchangeReport) -> int:
    card = _card_by_reference(line.reference, batch)
    if card is None:
        report.problems.append(f"{line.reference}：批次 {batch} 中没有这张卡")
        return 0
    _lock_person(card.person)
    card.refresh_from_db()
    if line.state == "making" and card.status == Status.SENT:
        _move(card, Status.MAKING, line.note or "制卡中", at=line.at, source="bureau")
        return 1
    if line.state == "made" and card.status in (Status.SENT, Status.MAKING):
        card.card_number = line.card_number
        card.issued_at = line.at
        _move(
            card,
            Status.MADE,
            f"{line.note or '制卡完成'}，卡号 {card.masked_number}",
            at=line.at,
            source="bureau",
        )
        return 1
    if line.state == "rejected" and card.status in (Status.SENT, Status.MAKING):
        _move(
            card,
            Status.CANCELLED,
            f"制卡机构未能制卡：{line.note}。请重新提交申请",
            at=line.at,
            source="bureau",
        )
        return 1
    return 0  # a result already applied, or out of order: nothing to do


def _parcel(card: Card) -> Parcel:
    return Parcel(
        reference=card.reference,
        name=card.person.name,
        mobile=card.mobile,
        address=card.address,
        cash_on_delivery=True,
    )


def cards_dispatch(*, now: datetime) -> int:
    """Cards made: those to be posted go to the courier (到付), the others to the branch."""
    done = 0
    ids = list(
        Card.objects.filter(status=Status.MADE, stage_at__lte=now).values_list("pk", flat=True)
    )
    for pk in ids:
        with transaction.atomic():
            card = Card.objects.select_related("person").get(pk=pk)
            _lock_person(card.person)
            card.refresh_from_db()
            if card.status != Status.MADE:
                continue
            if card.delivery == Card.Delivery.EMS:
                number = courier().ship(_parcel(card), at=now)
                card.tracking_number = number
                _move(
                    card,
                    Status.MAILED,
                    f"已交中国邮政速递（EMS）寄出，邮费到付，邮件号 {number}",
                    at=now,
                )
            else:
                _move(
                    card,
                    Status.AT_BRANCH,
                    f"新卡已送达{card.bank}网点，请携带身份证件到网点领取",
                    at=now,
                )
            done += 1
    return done


def cards_track(*, now: datetime, report: ExchangeReport) -> int:
    """Record the courier's new tracking events of every card in the post; a delivered card
    comes into force (and the card it replaces is cancelled)."""
    added = 0
    ids = list(Card.objects.filter(status=Status.MAILED).values_list("pk", flat=True))
    for pk in ids:
        with transaction.atomic():
            card = Card.objects.select_related("person").get(pk=pk)
            _lock_person(card.person)
            card.refresh_from_db()
            if card.status != Status.MAILED or not card.tracking_number:
                continue
            for event in courier().track(card.tracking_number, now=now):
                _, created = TrackingEvent.objects.get_or_create(
                    tracking_number=card.tracking_number,
                    code=event.code,
                    at=event.at,
                    defaults={"card": card, "place": event.place[:100], "note": event.note[:200]},
                )
                added += int(created)
                if event.code == DELIVERED:
                    _activate(
                        card, at=event.at, note=f"邮件已签收（{card.tracking_number}），卡片启用"
                    )
                    report.delivered += 1
                    break
    return added


def _activate(card: Card, *, at: datetime, note: str, actor: Actor | None = None) -> None:
    """The new card comes into force; the card it replaces (if still in force) is cancelled
    first, and its electronic card moves to the new one."""
    old = card.replaces
    carried: ElectronicCard | None = None
    if old is not None:
        old.refresh_from_db()
        if old.status in Card.IN_FORCE:
            _move(
                old,
                Status.CANCELLED,
                "已补换新卡，原卡注销",
                at=at,
                actor=actor,
                notify_holder=False,
            )
            carried = ElectronicCard.objects.filter(card=old, revoked_at__isnull=True).first()
            if carried is not None:
                carried.revoked_at = at
                carried.save(update_fields=["revoked_at"])
    _move(card, Status.ACTIVE, note, at=at, actor=actor)
    if carried is not None:
        ElectronicCard.objects.create(card=card, issued_at=at, method=carried.method)


def cards_exchange(*, now: datetime | None = None) -> ExchangeReport:
    """One round of the exchange (the periodic task): follow the parcels, post the cards made,
    send the waiting ones, let the local bureau work (when the hall has no bureau of its own)
    and import its results."""
    now = now or timezone.now()
    report = ExchangeReport()
    report.tracked = cards_track(now=now, report=report)
    report.dispatched = cards_dispatch(now=now)
    report.sent = cards_send(now=now)
    if settings.SHEBAO_CARD_LOCAL_BUREAU:
        report.bureau_lines = LocalBureau().run(now=now)
    report.imported = cards_import(now=now, report=report)
    return report


# --- staff at the card service -----------------------------------------------------------------


def _staff_card(actor: Actor, card: Card) -> Card:
    staff_require(actor, Capability.COUNTER)
    if not card_staff_may(actor=actor, person=card.person):
        raise NotFound("未找到该社会保障卡", code="CARD_NOT_FOUND")
    return card


@transaction.atomic
def card_mail(*, actor: Actor, card: Card, tracking_number: str) -> Card:
    """Staff post a made card at the counter of the post office and record its item number;
    the courier follows it from there."""
    _staff_card(actor, card)
    number = normalize_tracking_number(tracking_number)
    _lock_person(card.person)
    card.refresh_from_db()
    if card.status != Status.MADE or card.delivery != Card.Delivery.EMS:
        raise Conflict("只有已制成、选择邮寄的卡可以登记寄出", code="CARD_NOT_MAILABLE")
    if Card.objects.filter(tracking_number=number).exclude(pk=card.pk).exists():
        raise InvalidInput(
            "该邮件号已登记在另一张卡上，请核对",
            code="TRACKING_NUMBER_TAKEN",
            field="tracking_number",
        )
    now = timezone.now()
    courier().register(number, _parcel(card), at=now)
    card.tracking_number = number
    _move(
        card,
        Status.MAILED,
        f"已交中国邮政速递（EMS）寄出，邮费到付，邮件号 {number}",
        at=now,
        actor=actor,
    )
    return card


@transaction.atomic
def card_hand_over(*, actor: Actor, card: Card) -> Card:
    """Staff hand a card waiting at the branch to its holder (领卡)."""
    _staff_card(actor, card)
    _lock_person(card.person)
    card.refresh_from_db()
    if card.status != Status.AT_BRANCH:
        raise Conflict("该卡不在网点待领取状态", code="CARD_NOT_AT_BRANCH")
    _activate(card, at=timezone.now(), note="持卡人已在网点领卡，卡片启用", actor=actor)
    return card


# --- loss reports --------------------------------------------------------------------------------

LOSS_KINDS = {"temporary": Status.TEMP_LOST, "formal": Status.LOST}


def _own_person(actor: Actor) -> Person:
    if not actor.is_individual or actor.person is None:
        raise PermissionDenied("只有持卡人本人可以办理", code="FORBIDDEN")
    return actor.person


@transaction.atomic
def card_loss_report(*, actor: Actor, kind: str, reason: str = "") -> Card:
    """临时挂失 (``temporary``: at once, by the holder) or 正式挂失 (``formal``; also turns a
    temporary report formal). A lost card cannot be used until the report is cancelled."""
    if kind not in LOSS_KINDS:
        raise InvalidInput("挂失类型应为临时挂失或正式挂失", code="LOSS_KIND_INVALID", field="kind")
    person = _lock_person(_own_person(actor))
    card = _in_force(person)
    if card is None:
        raise NotFound("您没有在用的社会保障卡", code="CARD_NOT_FOUND")
    to = LOSS_KINDS[kind]
    if card.status == Status.LOST or card.status == to:
        raise Conflict(
            f"您的社会保障卡已{card.get_status_display()}，无需重复办理", code="CARD_ALREADY_LOST"
        )
    label = "临时挂失" if kind == "temporary" else "正式挂失"
    note = f"{label}，卡片停止使用（社会保障功能）；金融功能请同时联系{card.bank}挂失"
    if reason:
        note = f"{note}。原因：{reason}"
    card.lost_kind_before = card.status
    _move(card, to, note, at=timezone.now(), actor=actor, data={"kind": kind})
    return card


@transaction.atomic
def card_loss_cancel(*, actor: Actor) -> Card:
    """解挂: a card reported lost (temporarily or formally) and found again is usable again,
    unless a replacement is already being made."""
    person = _lock_person(_own_person(actor))
    card = _in_force(person)
    if card is None:
        raise NotFound("您没有在用的社会保障卡", code="CARD_NOT_FOUND")
    if card.status not in Card.LOST_STATES:
        raise Conflict("您的社会保障卡未挂失，无需解挂", code="CARD_NOT_LOST")
    if _in_production(person) is not None:
        raise Conflict(
            "您已申请补卡，新卡正在制作中，原卡不能解挂", code="CARD_REPLACEMENT_IN_PRODUCTION"
        )
    _move(card, Status.ACTIVE, "已解除挂失，卡片恢复使用", at=timezone.now(), actor=actor)
    return card


def card_use_check(*, card: Card) -> None:
    """Refuse the use of a card that is not usable (lost, cancelled, not yet delivered)."""
    if card.status in Card.LOST_STATES:
        raise Conflict("该社会保障卡已挂失，不能使用", code="CARD_LOST")
    if card.status != Status.ACTIVE:
        raise Conflict(f"该社会保障卡{card.get_status_display()}，不能使用", code="CARD_NOT_USABLE")


# --- the electronic card -------------------------------------------------------------------------

ECARD_SALT = "shebao.cards.ecard"
ECARD_PREFIX = "SBK1"
# A code is good in the minute it was shown and the one after (a scan at the turn of a minute).
ECARD_GRACE_MINUTES = 1


@transaction.atomic
def ecard_issue(*, actor: Actor) -> ElectronicCard:
    """电子社保卡: issued to the holder of a usable card after the identity verification
    adapter confirms them; one per card (a second request returns the first)."""
    from shebao.accounts.verification import identity_verifier, method_label

    person = _lock_person(_own_person(actor))
    card = _in_force(person)
    if card is None:
        raise Conflict("请先领取实体社会保障卡，再申领电子社保卡", code="CARD_NOT_FOUND")
    card_use_check(card=card)
    existing = ElectronicCard.objects.filter(card=card, revoked_at__isnull=True).first()
    if existing is not None:
        return existing
    result = identity_verifier().verify(name=actor.user.name, id_number=person.id_number)
    if not result.ok:
        raise PermissionDenied(
            "身份核验未通过，不能签发电子社保卡，请本人完成实名认证后重试",
            code="IDENTITY_NOT_VERIFIED",
            details={"reason": result.reason},
        )
    now = timezone.now()
    ecard = ElectronicCard.objects.create(card=card, issued_at=now, method=result.method)
    CardEvent.objects.create(
        card=card,
        state=card.status,
        at=now,
        note=f"电子社保卡已签发（身份核验：{method_label(result.method)}）",
        actor=actor.user,
    )
    notify(
        recipient=actor.user,
        context="individual",
        category="card",
        title="电子社保卡已签发",
        body="可在“电子社保卡”页面出示二维码，二维码每分钟更新",
        link=reverse("cards:ecard"),
    )
    return ecard


def _minute(at: datetime) -> int:
    return int(at.timestamp() // 60)


def _mac(card_id: int, minute: int) -> str:
    return salted_hmac(ECARD_SALT, f"{card_id}:{minute}", algorithm="sha256").hexdigest()[:24]


def ecard_code(*, ecard: ElectronicCard, at: datetime | None = None) -> str:
    """The text of the QR code shown in the minute of ``at``: the card, the minute and an HMAC
    of both under the hall's secret."""
    minute = _minute(at or timezone.now())
    return f"{ECARD_PREFIX}:{ecard.card_id}:{minute}:{_mac(ecard.card_id, minute)}"


@dataclass(frozen=True)
class ECardCheck:
    card: Card
    shown_at: datetime
    usable: bool
    message: str


def ecard_verify(*, actor: Actor, code: str, now: datetime | None = None) -> ECardCheck:
    """Staff check a code shown by a holder: genuine, of this or the last minute, and of an
    electronic card whose card is usable. Raises ``InvalidInput`` ``ECARD_CODE_INVALID`` for
    a forged or garbled code and ``ECARD_CODE_EXPIRED`` for an old one."""
    staff_require(actor, Capability.COUNTER)
    now = now or timezone.now()
    parts = (code or "").strip().split(":")
    invalid = InvalidInput(
        "二维码无效：不是本系统签发的电子社保卡码", code="ECARD_CODE_INVALID", field="qr"
    )
    if (
        len(parts) != 4
        or parts[0] != ECARD_PREFIX
        or not parts[1].isdigit()
        or not parts[2].isdigit()
    ):
        raise invalid
    card_id, minute = int(parts[1]), int(parts[2])
    if not hmac.compare_digest(_mac(card_id, minute), parts[3]):
        raise invalid
    current = _minute(now)
    if not current - ECARD_GRACE_MINUTES <= minute <= current:
        raise InvalidInput(
            "二维码已过期：请持卡人刷新电子社保卡页面后重新出示",
            code="ECARD_CODE_EXPIRED",
            field="qr",
        )
    ecard = ElectronicCard.objects.select_related("card__person").filter(card_id=card_id).first()
    if ecard is None:
        raise invalid
    card = ecard.card
    shown = datetime.fromtimestamp(minute * 60, tz=timezone.get_current_timezone())
    if ecard.revoked_at is not None:
        return ECardCheck(card, shown, False, "该电子社保卡已失效（原卡已补换）")
    try:
        card_use_check(card=card)
    except Conflict as refused:
        return ECardCheck(card, shown, False, refused.message)
    return ECardCheck(card, shown, True, "电子社保卡有效，卡片状态正常")
