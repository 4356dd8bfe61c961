"""Who may open or post to each page and endpoint of the CA.

Setting: operator A holds certificate C of unit A (district 昌邑); administrator A has a pending
request R. Actors: anonymous, an individual, operator A (the holder), operator A2 (same unit,
not the holder), the legal representative of A, operator B (another unit, another district),
staff of 昌邑 ("here") and of 龙潭 ("there").

Each cell is the expected status; 302 means "sent to the sign-in page" for anonymous visitors
and "done, back to the page" for allowed posts.
"""

import pytest
from django.test import Client

from shebao.accounts.actors import CONTEXT_SESSION_KEY
from shebao.pki import services
from shebao.pki.models import CertificateRequest, UnitCertificate
from shebao.pki.tests.conftest import new_key

pytestmark = pytest.mark.django_db

ACTORS = [
    "anonymous",
    "individual",
    "holder",
    "same_unit_operator",
    "legal_rep",
    "other_unit",
    "staff_here",
    "staff_there",
]


@pytest.fixture
def setting(world, issue):
    certificate, _ = issue(world.operator_a)
    request = services.certificate_request_submit(
        actor=world.admin_a.actor, csr_pem=world.admin_a.csr(new_key())
    )
    return certificate, request


def client_for(world, who: str) -> Client:
    client = Client()
    if who == "anonymous":
        return client
    user, context = {
        "individual": (world.individual, "individual"),
        "holder": (world.operator_a.user, world.operator_a.context),
        "same_unit_operator": (world.operator_a2.user, world.operator_a2.context),
        "legal_rep": (world.rep_a.user, world.rep_a.context),
        "other_unit": (world.operator_b.user, world.operator_b.context),
        "staff_here": (world.staff_here, "staff"),
        "staff_there": (world.staff_there, "staff"),
    }[who]
    client.force_login(user)
    session = client.session
    session[CONTEXT_SESSION_KEY] = context
    session.save()
    return client


def row(*statuses: int) -> dict[str, int]:
    return dict(zip(ACTORS, statuses, strict=True))


#                                  anon ind  hold same rep  othr s-hr s-th
PUBLIC = row(200, 200, 200, 200, 200, 200, 200, 200)
UNIT_PAGE = row(302, 403, 200, 200, 200, 200, 403, 403)
CERTIFICATE_READ = row(302, 403, 200, 404, 200, 404, 200, 404)
STAFF_PAGE = row(302, 403, 403, 403, 403, 403, 200, 200)

GETS = [
    ("/pki/login/", PUBLIC),
    ("/pki/ca.pem", PUBLIC),
    ("/pki/tool/shebao-ukey", PUBLIC),
    ("/pki/unit/", UNIT_PAGE),
    ("/pki/certificates/{certificate}/", CERTIFICATE_READ),
    ("/pki/certificates/{certificate}/download/", CERTIFICATE_READ),
    ("/pki/staff/", STAFF_PAGE),
    ("/pki/staff/?tab=certificates", STAFF_PAGE),
    ("/pki/staff/issue/", STAFF_PAGE),
]


@pytest.mark.parametrize("who", ACTORS)
@pytest.mark.parametrize(("url", "expected"), GETS, ids=[url for url, _ in GETS])
def test_get(world, setting, who, url, expected):
    certificate, request = setting
    client = client_for(world, who)

    response = client.get(url.format(certificate=certificate.pk, request=request.pk))

    assert response.status_code == expected[who]
    if response.status_code == 302:
        assert response["Location"].startswith("/accounts/login/?next=")


def test_staff_of_another_district_see_neither_the_request_nor_the_certificate(world, setting):
    certificate, _ = setting
    client = client_for(world, "staff_there")

    requests_tab = client.get("/pki/staff/").content.decode()
    certificates_tab = client.get("/pki/staff/?tab=certificates").content.decode()

    assert "李管理" not in requests_tab
    assert certificate.serial[:16] not in certificates_tab


def test_the_unit_page_shows_only_this_units_certificates(world, setting):
    certificate, _ = setting

    other_unit = client_for(world, "other_unit").get("/pki/unit/").content.decode()
    same_unit_operator = client_for(world, "same_unit_operator").get("/pki/unit/").content.decode()

    assert certificate.serial[:16] not in other_unit
    assert certificate.serial[:16] not in same_unit_operator


# -- posts: each refused actor changes nothing ------------------------------------------------

REVOKE = row(302, 403, 302, 404, 302, 404, 302, 404)
WITHDRAW = row(302, 403, 404, 404, 404, 404, 403, 403)  # only the requester (admin A) may
APPROVE = row(302, 403, 403, 403, 403, 403, 302, 404)
SUBMIT_CSR = row(302, 403, 200, 200, 200, 200, 403, 403)  # unit users: re-shown with the error
COUNTER_ISSUE = row(302, 403, 403, 403, 403, 403, 422, 422)  # staff: the form (bad input)


@pytest.mark.parametrize("who", ACTORS)
def test_revoke(world, setting, who):
    certificate, _ = setting
    client = client_for(world, who)

    response = client.post(f"/pki/certificates/{certificate.pk}/revoke/", {"reason": "测试"})

    assert response.status_code == REVOKE[who]
    certificate.refresh_from_db()
    allowed = who in {"holder", "legal_rep", "staff_here"}
    assert certificate.status == (
        UnitCertificate.Status.REVOKED if allowed else UnitCertificate.Status.ACTIVE
    )


@pytest.mark.parametrize("who", ACTORS)
def test_withdraw_someone_elses_request(world, setting, who):
    _, request = setting
    client = client_for(world, who)

    response = client.post(f"/pki/requests/{request.pk}/withdraw/")

    assert response.status_code == WITHDRAW[who]
    request.refresh_from_db()
    assert request.status == CertificateRequest.Status.PENDING


@pytest.mark.parametrize("who", ACTORS)
def test_approve(world, setting, who):
    _, request = setting
    client = client_for(world, who)

    response = client.post(f"/pki/staff/requests/{request.pk}/", {"action": "approve"})

    assert response.status_code == APPROVE[who]
    request.refresh_from_db()
    expected = (
        CertificateRequest.Status.ISSUED
        if who == "staff_here"
        else CertificateRequest.Status.PENDING
    )
    assert request.status == expected


@pytest.mark.parametrize("who", ACTORS)
def test_reject(world, setting, who):
    _, request = setting
    client = client_for(world, who)

    response = client.post(
        f"/pki/staff/requests/{request.pk}/", {"action": "reject", "reason": "测试"}
    )

    assert response.status_code == APPROVE[who]
    request.refresh_from_db()
    expected = (
        CertificateRequest.Status.REJECTED
        if who == "staff_here"
        else CertificateRequest.Status.PENDING
    )
    assert request.status == expected


@pytest.mark.parametrize("who", ACTORS)
def test_submit_a_csr_that_is_not_one(world, setting, who):
    client = client_for(world, who)
    before = CertificateRequest.objects.count()

    response = client.post("/pki/unit/", {"csr": "garbage"})

    # Unit users get the page back with the reason (422); others never reach the service.
    expected = 422 if SUBMIT_CSR[who] == 200 else SUBMIT_CSR[who]
    assert response.status_code == expected
    assert CertificateRequest.objects.count() == before


@pytest.mark.parametrize("who", ACTORS)
def test_counter_issue(world, setting, who):
    client = client_for(world, who)
    before = UnitCertificate.objects.count()

    response = client.post(
        "/pki/staff/issue/",
        {"credit_code": world.unit_a.credit_code, "id_number": "x", "csr": "garbage"},
    )

    assert response.status_code == COUNTER_ISSUE[who]
    assert UnitCertificate.objects.count() == before


@pytest.mark.parametrize("who", ACTORS)
def test_the_api_ignores_who_is_signed_in_and_asks_for_a_signature(world, setting, who):
    certificate, _ = setting
    client = client_for(world, who)
    challenge = client.post("/api/v1/auth/ca/challenge").json()["challenge"]

    response = client.post(
        "/api/v1/auth/ca/token",
        {"certificate": certificate.certificate_pem, "challenge": challenge, "signature": "AAAA"},
        content_type="application/json",
    )

    assert response.status_code == 401
    assert response.json()["code"] == "CA_SIGNATURE_INVALID"
