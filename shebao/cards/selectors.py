"""Reads of social security cards, scoped by the actor: the holder reads their own cards; agency
staff at the counter (COUNTER) or of the card service (REVIEW of the ``card`` department) read
the cards of the persons of their districts. A card out of scope is not found."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from shebao.accounts.capabilities import Capability, districts_for
from shebao.cards.models import Card, CardEvent, ElectronicCard, TrackingEvent
from shebao.certificates.models import Certificate, Kind
from shebao.common.errors import NotFound, PermissionDenied
from shebao.common.identifiers import normalize_id_number
from shebao.registry.models import Person

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor

CARD_DEPARTMENT = "card"


def card_staff_districts(*, actor: Actor) -> frozenset[str]:
    """The districts whose persons' cards a staff member reads."""
    return districts_for(actor, Capability.COUNTER) | districts_for(
        actor, Capability.REVIEW, department=CARD_DEPARTMENT
    )


def card_staff_may(*, actor: Actor, person: Person) -> bool:
    return actor.is_staff and person.district_id in card_staff_districts(actor=actor)


def card_person_for_staff(*, actor: Actor, id_number: str) -> Person:
    """A person of the staff member's districts, by ID number."""
    if not actor.is_staff:
        raise PermissionDenied("您当前的登录身份不能访问此页面", code="FORBIDDEN")
    number = normalize_id_number(id_number, field="id_number")
    person = Person.objects.filter(id_number=number).first()
    if person is None or not card_staff_may(actor=actor, person=person):
        raise NotFound("未找到该人员（或不在您负责的区县）", code="PERSON_NOT_FOUND")
    return person


def holder_person(*, actor: Actor) -> Person:
    if not actor.is_individual or actor.person is None:
        raise PermissionDenied("您当前的登录身份不能访问此页面", code="FORBIDDEN")
    return actor.person


@dataclass(frozen=True)
class CardRecord:
    """What the card pages and the API show of a person's cards."""

    person: Person
    current: Card | None  # the card in force
    production: Card | None  # a card being made (a first card, or the replacement)
    history: list[Card]  # every card, newest first
    events: list[CardEvent]  # the timeline of the card followed (production, else current)
    tracking: list[TrackingEvent]
    ecard: ElectronicCard | None
    proof: Certificate | None = None  # the latest valid 领卡证明 of the card being made

    @property
    def followed(self) -> Card | None:
        """The card whose progress the person follows: the one being made, else the one in
        force, else the last one."""
        return self.production or self.current or (self.history[0] if self.history else None)


def card_record(*, actor: Actor, person: Person) -> CardRecord:
    if actor.is_individual:
        if actor.person is None or actor.person.pk != person.pk:
            raise NotFound("未找到该社会保障卡", code="CARD_NOT_FOUND")
    elif not card_staff_may(actor=actor, person=person):
        raise NotFound("未找到该社会保障卡", code="CARD_NOT_FOUND")
    history = list(Card.objects.filter(person=person).order_by("-created_at", "-pk"))
    current = next((c for c in history if c.status in Card.IN_FORCE), None)
    production = next((c for c in history if c.status in Card.IN_PRODUCTION), None)
    followed = production or current or (history[0] if history else None)
    events: list[CardEvent] = []
    tracking: list[TrackingEvent] = []
    if followed is not None:
        events = list(followed.events.select_related("actor").order_by("at", "pk"))
        tracking = list(followed.tracking.order_by("at", "pk"))
    ecard = None
    if current is not None:
        ecard = ElectronicCard.objects.filter(card=current, revoked_at__isnull=True).first()
    proofs = card_proofs_for(card=production) if production is not None else []
    return CardRecord(
        person=person,
        current=current,
        production=production,
        history=history,
        events=events,
        tracking=tracking,
        ecard=ecard,
        proof=proofs[0] if proofs else None,
    )


def card_for_staff(*, actor: Actor, pk: int) -> Card:
    card = Card.objects.select_related("person").filter(pk=pk).first()
    if card is None or not card_staff_may(actor=actor, person=card.person):
        raise NotFound("未找到该社会保障卡", code="CARD_NOT_FOUND")
    return card


def card_proofs_for(*, card: Card) -> list[Certificate]:
    """The valid 领卡证明 issued for ``card``, newest first, without their files (the caller
    has the card in scope)."""
    return list(
        Certificate.objects.filter(
            kind=Kind.CARD_PROOF,
            person_id=card.person_id,
            status=Certificate.Status.VALID,
            options__card=card.reference,
        )
        .defer("file")
        .order_by("-issued_at", "-pk")
    )
