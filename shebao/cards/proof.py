"""The 新发和补（换）社会保障卡领卡证明 (seed 003): while a person's first or replacement card is
being made, a signed certificate they may use in its place to see a doctor (补换卡期间，参保人员
可凭领卡证明看病就医).

It is a certificate of the certificates app (kind ``card_proof``): signed by the agency's
document-signing key, listed in 我的证明, checked on the public verification page by its code or
its file. Its content is built here from the card being made (registered with the certificates
app at start-up, which never imports this app). Only the holder has it issued, and only while
the card is in production (``CARD_PROOF_NOT_IN_PRODUCTION`` otherwise); when the card leaves
production — delivered and in force, or cancelled — every proof of it is revoked, so the public
verification says it no longer stands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from shebao.cards.models import Card
from shebao.cards.selectors import card_proofs_for
from shebao.certificates import documents
from shebao.certificates import services as certificates
from shebao.certificates.models import Certificate, Kind
from shebao.common.errors import Conflict, PermissionDenied
from shebao.common.periods import YearMonth
from shebao.registry.models import Person

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor

KIND = Kind.CARD_PROOF
ACTIVATED_REASON = "新社会保障卡已启用，领卡证明失效，请使用新卡看病就医"
CANCELLED_REASON = "该社会保障卡制卡已终止，领卡证明失效"


def _not_in_production() -> Conflict:
    return Conflict(
        "您没有正在制作中的社会保障卡，不能开具领卡证明："
        "《新发和补（换）社会保障卡领卡证明》仅在新发或补换卡制卡期间开具，供看病就医使用",
        code="CARD_PROOF_NOT_IN_PRODUCTION",
    )


def _card_in_production(person: Person) -> Card | None:
    return (
        Card.objects.select_related("replaces")
        .filter(person=person, status__in=Card.IN_PRODUCTION)
        .first()
    )


def _kind_label(card: Card) -> str:
    label = Card.Kind(card.kind).label
    return f"{label}（{card.reason_label}）" if card.reason_label else label


@documents.content_register(KIND)
def card_proof_content(
    person: Person, as_of: YearMonth, options: dict[str, str]
) -> documents.Content:
    """What the proof certifies: the holder, and the card being made for them. Its state is
    not part of it (the card moves on every day; the proof stands until the card is in force).
    ``options["card"]`` (a proof read again) names the card it was issued for: if that card is
    no longer in production, there is nothing to certify."""
    card = _card_in_production(person)
    if card is None or options.get("card", card.reference) != card.reference:
        raise _not_in_production()
    applied = timezone.localtime(card.created_at)
    fields = [
        ("姓名", person.name),
        ("公民身份号码", person.id_number),
        ("申领类型", _kind_label(card)),
        ("申请日期", f"{applied:%Y年%m月%d日}"),
        ("制卡编号", card.reference),
    ]
    if card.replaces is not None and card.replaces.card_number:
        fields.append(("原社会保障卡卡号", card.replaces.masked_number))
    fields += [
        ("金融账户开户银行", card.bank),
        ("领卡方式", card.get_delivery_display()),
        ("有效期", "自出具之日起至新社会保障卡启用之日止"),
    ]
    what = "新发" if card.kind == Card.Kind.FIRST else "补（换）"
    return documents.Content(
        kind=KIND,
        holder_name=person.name,
        holder_code=person.id_number,
        holder_masked=documents.person_masked(person),
        period_start=None,
        period_end=None,
        fields=fields,
        sections=[],
        summary=(
            f"{_kind_label(card)}，新卡制作中（申请日期 {applied:%Y-%m-%d}，"
            f"制卡编号 {card.reference}）；新卡启用前可凭本证明看病就医"
        ),
        options={"card": card.reference},
        notes=[
            f"兹证明上述人员已申请{what}社会保障卡，新卡正在制作中。制卡期间，"
            "持证人可凭本证明和本人有效身份证件看病就医。",
            "新社会保障卡启用或制卡终止后，本证明自动失效；"
            "可扫描下方二维码或访问核验地址查验本证明是否仍然有效。",
        ],
    )


def card_proof_issue(*, actor: Actor) -> certificates.Issued:
    """The holder's 领卡证明 for their card being made (the one already issued today, if
    asked again). Refused to anyone but the holder, and when no card of theirs is in
    production."""
    if not actor.is_individual or actor.person is None:
        raise PermissionDenied("只有持卡人本人可以开具领卡证明", code="FORBIDDEN")
    if _card_in_production(actor.person) is None:
        raise _not_in_production()
    return certificates.certificate_issue(
        actor=actor, kind=KIND, person=actor.person, channel=Certificate.Channel.SELF
    )


@transaction.atomic
def card_proofs_revoke(*, card: Card) -> int:
    """Revoke every valid proof of ``card`` once it has left production (in force, or
    cancelled); the holder is told. Returns how many were revoked."""
    reason = ACTIVATED_REASON if card.status in Card.IN_FORCE else CANCELLED_REASON
    proofs = card_proofs_for(card=card)
    for proof in proofs:
        certificates.certificate_revoke(actor=None, certificate=proof, reason=reason)
    return len(proofs)
