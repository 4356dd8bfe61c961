"""The 新发和补（换）社会保障卡领卡证明: a signed PDF the holder has while a card is made, which
says what it certifies, validates against the agency CA and on the public verification page,
is refused when no card is being made or to anyone but the holder, and stops standing once the
new card is in force."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.utils import timezone

from shebao.accounts.tokens import token_issue
from shebao.cards import proof, services
from shebao.cards.models import Card
from shebao.cards.tests.helpers import apply_first_card, draft, submit
from shebao.certificates import services as certificates
from shebao.certificates import signing
from shebao.certificates.models import Certificate
from shebao.common import pdf
from shebao.common.errors import Conflict, PermissionDenied
from shebao.notifications.models import Notification
from shebao.testing import act, make_card, make_individual, make_staff, signed_in, staff_actor

pytestmark = pytest.mark.django_db

S = Card.Status
TITLE = "新发和补（换）社会保障卡领卡证明"


def proofs(person) -> list[Certificate]:
    return list(Certificate.objects.filter(person=person, kind="card_proof").order_by("pk"))


def issue_on_the_card_page(world) -> tuple[Client, Certificate]:
    client = signed_in(world.holder, "individual")
    response = client.post("/cards/proof/")
    [certificate] = proofs(world.person)
    assert response.status_code == 302
    assert response["Location"] == f"/certificates/{certificate.number}/"
    return client, certificate


def test_the_holder_of_a_card_being_made_gets_a_signed_proof_that_says_so(world, clock):
    # given a first card approved and sent to the bureau
    apply_first_card(world.actor(), world.staff())
    services.cards_exchange(now=clock.tick())
    card = Card.objects.get(person=world.person)
    assert card.status in Card.IN_PRODUCTION

    # when the holder asks for the proof on the card page
    client, certificate = issue_on_the_card_page(world)

    # then the file is a signed PDF saying who it is for and which card is being made
    response = client.get(f"/certificates/{certificate.number}.pdf")
    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
    data = response.content
    assert data == bytes(Certificate.objects.get(pk=certificate.pk).file)
    text = pdf.extract_text(data)
    assert TITLE in text and certificate.number in text
    assert "韩梅梅" in text and world.person.id_number in text
    assert "首次申领" in text and card.reference in text
    assert f"申请日期\n{timezone.localtime(card.created_at):%Y年%m月%d日}" in text
    assert "中国工商银行吉林分行" in text and "EMS邮寄（到付）" in text
    assert "自出具之日起至新社会保障卡启用之日止" in text
    assert "看病就医" in text
    code = certificate.verify_code
    assert f"{code[:4]}-{code[4:8]}-{code[8:]}" in text
    assert certificates.verify_url(code) in text
    check = signing.signature_check(data)
    assert (check.signed, check.intact, check.trusted, check.code) == (True, True, True, "OK")
    assert [embedded for _, embedded in pdf.embedded_fonts(data)] == [True]

    # and the public verification, by code and by file, says it stands, the holder masked
    public = Client()
    by_code = public.get(f"/api/v1/verify/{code}").json()
    assert (by_code["genuine"], by_code["kind"], by_code["revoked"]) == (True, "card_proof", False)
    assert (
        by_code["holder"]
        == f"韩*梅（{world.person.id_number[:6]}********{world.person.id_number[14:]}）"
    )
    assert card.reference in by_code["summary"] and "新卡启用前" in by_code["summary"]
    by_file = public.post("/api/v1/verify", {"file": io.BytesIO(data)}).json()
    assert (by_file["genuine"], by_file["intact"], by_file["code"]) == (True, True, "OK")
    page = public.get(f"/verify/{code}/").content.decode()
    assert TITLE in page and "韩梅梅" not in page

    # the card page links the proof and its file; the holder was told
    mine = client.get("/cards/").content.decode()
    assert f'href="/certificates/{certificate.number}.pdf"' in mine
    assert "开具领卡证明</button>" not in mine
    assert Notification.objects.filter(recipient=world.holder, title=f"{TITLE}已出具").exists()


def test_the_card_page_offers_the_proof_only_while_a_card_is_made(world):
    client = signed_in(world.holder, "individual")
    # no card at all: nothing offered
    assert "开具领卡证明" not in client.get("/cards/").content.decode()
    # a card in force: nothing offered either
    make_card(world.person)
    assert "开具领卡证明" not in client.get("/cards/").content.decode()
    Card.objects.filter(person=world.person).update(status=S.MAKING)
    page = client.get("/cards/").content.decode()
    assert 'action="/cards/proof/"' in page and "开具领卡证明</button>" in page


@pytest.mark.parametrize("status", [None, S.ACTIVE, S.TEMP_LOST, S.LOST, S.CANCELLED])
def test_without_a_card_being_made_the_proof_is_refused_and_nothing_is_issued(world, status):
    if status is not None:
        make_card(world.person, status=status)
    # the page: back to the card page with the message
    client = signed_in(world.holder, "individual")
    response = client.post("/cards/proof/", follow=True)
    assert response.redirect_chain == [("/cards/", 302)]
    assert "仅在新发或补换卡制卡期间开具" in response.content.decode()
    # the service and the API: a stable code
    with pytest.raises(Conflict) as refused:
        proof.card_proof_issue(actor=world.actor())
    assert refused.value.code == "CARD_PROOF_NOT_IN_PRODUCTION"
    token = token_issue(user=world.holder, context="individual")
    answer = Client().post(
        "/api/v1/me/certificates",
        data={"kind": "card_proof"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert (answer.status_code, answer.json()["code"]) == (409, "CARD_PROOF_NOT_IN_PRODUCTION")
    assert proofs(world.person) == []


def test_only_the_holder_has_the_proof_issued(world):
    make_card(world.person, status=S.MAKING)
    counter = make_staff(districts=("220202",), name="窗口")
    # not at the counter: the kind is not offered, and the service refuses staff
    client = signed_in(counter, "staff")
    page = client.get("/certificates/counter/").content.decode()
    assert 'value="card_proof"' not in page
    response = client.post(
        "/certificates/counter/", {"kind": "card_proof", "holder": world.person.id_number}
    )
    assert response.status_code == 200 and "不支持的证明类型" in response.content.decode()
    with pytest.raises(PermissionDenied) as refused:
        certificates.certificate_issue(
            actor=staff_actor(counter), kind="card_proof", person=world.person
        )
    assert refused.value.code == "CERT_HOLDER_ONLY"
    # not another person, nor the system
    other = act(make_individual(name="李四"))
    for someone in (other, None):
        with pytest.raises(PermissionDenied) as refused:
            certificates.certificate_issue(actor=someone, kind="card_proof", person=world.person)
        assert refused.value.code == "CERT_HOLDER_ONLY"
    # staff do not have the page's button either
    assert signed_in(counter, "staff").post("/cards/proof/").status_code == 403
    assert proofs(world.person) == []


def test_a_replacement_proof_names_the_lost_card_and_ends_when_the_new_card_is_delivered(
    world, clock
):
    # given a card formally reported lost and its replacement being made
    old = make_card(world.person, number="J00000077")
    actor = world.actor()
    services.card_loss_report(actor=actor, kind="formal")
    submit(
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
    new = Card.objects.get(person=world.person, kind=Card.Kind.REPLACE)
    assert new.status == S.APPLIED

    # the proof of the replacement, asked twice the same day, is issued once
    first = proof.card_proof_issue(actor=actor)
    again = proof.card_proof_issue(actor=actor)
    assert (first.created, again.created) == (True, False)
    assert again.certificate.pk == first.certificate.pk
    text = pdf.extract_text(bytes(Certificate.objects.get(pk=first.certificate.pk).file))
    assert "补卡（遗失补卡）" in text and "原社会保障卡卡号" in text
    assert old.masked_number in text and "J00000077" not in text
    assert "补（换）社会保障卡" in text

    # it stands while the card moves through production (the bureau, the post) …
    services.cards_exchange(now=clock.tick())
    services.cards_exchange(now=clock.tick())
    new.refresh_from_db()
    assert new.status in Card.IN_PRODUCTION
    assert Certificate.objects.get(pk=first.certificate.pk).status == "valid"

    # … and is revoked when the new card is delivered and in force
    for _ in range(6):
        services.cards_exchange(now=clock.tick())
    new.refresh_from_db()
    assert new.status == S.ACTIVE
    revoked = Certificate.objects.get(pk=first.certificate.pk)
    assert (revoked.status, revoked.revocation_reason) == ("revoked", proof.ACTIVATED_REASON)
    verified = Client().get(f"/api/v1/verify/{revoked.verify_code}").json()
    assert (verified["genuine"], verified["revoked"]) == (True, True)
    assert proof.ACTIVATED_REASON in verified["message"]
    assert Notification.objects.filter(recipient=world.holder, title=f"{TITLE}已作废").exists()
    # and no new one is issued for a card in force
    with pytest.raises(Conflict):
        proof.card_proof_issue(actor=actor)


def test_a_card_the_bureau_cannot_make_takes_its_proof_with_it(world, clock):
    # a card waiting for the bureau without a photo on file: the bureau cannot make it
    card = make_card(world.person, status=S.APPLIED)
    Card.objects.filter(pk=card.pk).update(photo="")
    issued = proof.card_proof_issue(actor=world.actor()).certificate

    services.cards_exchange(now=clock.tick())
    card.refresh_from_db()
    assert card.status == S.CANCELLED
    revoked = Certificate.objects.get(pk=issued.pk)
    assert (revoked.status, revoked.revocation_reason) == ("revoked", proof.CANCELLED_REASON)


def test_the_proof_read_again_on_corrected_records_is_not_reissued_for_another_card(world):
    # a proof of a card that left production without the revocation (an old row) is revoked
    # when the holder's records are rechecked, not carried over to a later card
    card = make_card(world.person, status=S.MAKING)
    issued = proof.card_proof_issue(actor=world.actor()).certificate
    Card.objects.filter(pk=card.pk).update(status=S.ACTIVE)
    make_card(world.person, status=S.APPLIED)
    assert certificates.certificates_recheck(person_ids=frozenset({world.person.pk})) == 1
    assert Certificate.objects.get(pk=issued.pk).status == "revoked"
    assert len(proofs(world.person)) == 1
