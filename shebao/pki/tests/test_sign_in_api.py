"""Certificate sign-in through the API: every success and every refusal, each audited."""

from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.utils import timezone
from freezegun import freeze_time

from shebao.accounts.models import ApiToken
from shebao.accounts.tokens import token_actor
from shebao.pki import ca
from shebao.pki.models import CaChallenge, CaSignInAttempt, UnitCertificate
from shebao.pki.tests.conftest import new_key, sign

pytestmark = pytest.mark.django_db

CHALLENGE_URL = "/api/v1/auth/ca/challenge"
TOKEN_URL = "/api/v1/auth/ca/token"


def get_challenge(client) -> str:
    response = client.post(CHALLENGE_URL)
    assert response.status_code == 200
    return response.json()["challenge"]


def ask_token(client, *, certificate: str, challenge: str, signature: str):
    return client.post(
        TOKEN_URL,
        {"certificate": certificate, "challenge": challenge, "signature": signature},
        content_type="application/json",
        HTTP_USER_AGENT="pytest",
    )


def assert_refused(response, status: int, code: str) -> None:
    """Refused with this code, no token issued, the attempt audited with the reason."""
    assert response.status_code == status, response.content
    body = response.json()
    assert body["code"] == code
    assert body["message"]
    assert ApiToken.objects.count() == 0
    attempt = CaSignInAttempt.objects.get()
    assert attempt.outcome == CaSignInAttempt.Outcome.FAILURE
    assert attempt.code == code
    assert attempt.message == body["message"]
    assert attempt.channel == "api"


def test_the_challenge_is_random_single_use_and_short_lived(client):
    before = timezone.now()
    first = client.post(CHALLENGE_URL).json()
    second = client.post(CHALLENGE_URL).json()

    assert first["challenge"] != second["challenge"]
    assert len(first["challenge"]) == 32
    row = CaChallenge.objects.get(value=first["challenge"])
    assert row.channel == CaChallenge.Channel.API
    assert row.used_at is None
    assert (
        before + timedelta(seconds=299) < row.expires_at <= timezone.now() + timedelta(seconds=300)
    )


def test_sign_in_returns_a_token_for_the_unit_context(world, issue, client):
    certificate, key = issue()
    challenge = get_challenge(client)

    response = ask_token(
        client,
        certificate=certificate.certificate_pem,
        challenge=challenge,
        signature=sign(key, challenge),
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["context"] == f"unit:{world.unit_a.pk}"
    actor = token_actor(body["token"])
    assert actor.is_unit
    assert actor.user == world.operator_a.user
    assert actor.unit == world.unit_a
    assert CaChallenge.objects.get(value=challenge).used_at is not None
    certificate.refresh_from_db()
    assert certificate.last_used_at is not None
    attempt = CaSignInAttempt.objects.get()
    assert (attempt.outcome, attempt.code, attempt.certificate, attempt.user, attempt.unit) == (
        "success",
        "OK",
        certificate,
        world.operator_a.user,
        world.unit_a,
    )
    assert attempt.ip == "127.0.0.1"
    assert attempt.user_agent == "pytest"


def test_an_rsa_key_holder_signs_in_too(world, client):
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    from shebao.pki import services

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    member = world.operator_a
    request = services.certificate_request_submit(actor=member.actor, csr_pem=member.csr(key))
    certificate = services.certificate_request_approve(
        actor=world.staff_actor(world.staff_here), request_id=request.pk
    )
    challenge = get_challenge(client)
    import base64

    signature = base64.b64encode(
        key.sign(ca.login_message(challenge), padding.PKCS1v15(), hashes.SHA256())
    ).decode()

    response = ask_token(
        client, certificate=certificate.certificate_pem, challenge=challenge, signature=signature
    )

    assert response.status_code == 200, response.content


def test_a_reused_challenge_is_refused(world, issue, client):
    certificate, key = issue()
    challenge = get_challenge(client)
    signature = sign(key, challenge)
    assert (
        ask_token(
            client,
            certificate=certificate.certificate_pem,
            challenge=challenge,
            signature=signature,
        ).status_code
        == 200
    )
    ApiToken.objects.all().delete()
    CaSignInAttempt.objects.all().delete()

    response = ask_token(
        client, certificate=certificate.certificate_pem, challenge=challenge, signature=signature
    )

    assert_refused(response, 401, "CA_CHALLENGE_USED")


def test_an_expired_challenge_is_refused_and_left_unused(world, issue, client):
    certificate, key = issue()
    challenge = get_challenge(client)

    with freeze_time(timezone.now() + timedelta(minutes=6)):
        response = ask_token(
            client,
            certificate=certificate.certificate_pem,
            challenge=challenge,
            signature=sign(key, challenge),
        )

    assert_refused(response, 401, "CA_CHALLENGE_EXPIRED")
    assert CaChallenge.objects.get(value=challenge).used_at is None


def test_an_unknown_challenge_is_refused(world, issue, client):
    certificate, key = issue()

    response = ask_token(
        client,
        certificate=certificate.certificate_pem,
        challenge="0" * 32,
        signature=sign(key, "0" * 32),
    )

    assert_refused(response, 401, "CA_CHALLENGE_UNKNOWN")


def test_a_signature_over_another_challenge_is_refused(world, issue, client):
    certificate, key = issue()
    signed = get_challenge(client)
    submitted = get_challenge(client)

    response = ask_token(
        client,
        certificate=certificate.certificate_pem,
        challenge=submitted,
        signature=sign(key, signed),
    )

    assert_refused(response, 401, "CA_SIGNATURE_INVALID")
    assert CaChallenge.objects.filter(used_at__isnull=False).count() == 0


def test_a_signature_without_the_domain_prefix_is_refused(world, issue, client):
    certificate, key = issue()
    challenge = get_challenge(client)
    import base64

    bare = base64.b64encode(key.sign(challenge.encode(), ec.ECDSA(hashes.SHA256()))).decode()

    response = ask_token(
        client, certificate=certificate.certificate_pem, challenge=challenge, signature=bare
    )

    assert_refused(response, 401, "CA_SIGNATURE_INVALID")


def test_a_signature_by_a_key_that_is_not_the_certificates_is_refused(world, issue, client):
    certificate, _ = issue()
    challenge = get_challenge(client)

    response = ask_token(
        client,
        certificate=certificate.certificate_pem,
        challenge=challenge,
        signature=sign(new_key(), challenge),
    )

    assert_refused(response, 401, "CA_SIGNATURE_INVALID")
    assert CaChallenge.objects.get(value=challenge).used_at is None


def test_a_revoked_certificate_is_refused(world, issue, client):
    from shebao.pki import services

    certificate, key = issue()
    services.certificate_revoke(
        actor=world.rep_a.actor, certificate_id=certificate.pk, reason="人员离职"
    )
    challenge = get_challenge(client)

    response = ask_token(
        client,
        certificate=certificate.certificate_pem,
        challenge=challenge,
        signature=sign(key, challenge),
    )

    assert_refused(response, 401, "CA_CERT_REVOKED")
    assert CaChallenge.objects.get(value=challenge).used_at is None


def test_an_expired_certificate_is_refused(world, issue, client):
    with freeze_time(timezone.now() - timedelta(days=731)):
        certificate, key = issue()
    assert certificate.not_after < timezone.now()
    challenge = get_challenge(client)

    response = ask_token(
        client,
        certificate=certificate.certificate_pem,
        challenge=challenge,
        signature=sign(key, challenge),
    )

    assert_refused(response, 401, "CA_CERT_EXPIRED")
    assert "过期" in response.json()["message"]


def forged_copy(genuine_pem: str, key) -> str:
    """The genuine certificate's subject, issuer name and key, signed by a CA that is not ours."""
    genuine = x509.load_pem_x509_certificate(genuine_pem.encode())
    rogue_ca_key = ec.generate_private_key(ec.SECP256R1())
    now = timezone.now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(genuine.subject)
        .issuer_name(genuine.issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=30))
        .sign(rogue_ca_key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def test_a_certificate_signed_by_another_ca_is_refused(world, issue, client):
    genuine, key = issue()
    forged = forged_copy(genuine.certificate_pem, key)
    challenge = get_challenge(client)

    response = ask_token(
        client, certificate=forged, challenge=challenge, signature=sign(key, challenge)
    )

    assert_refused(response, 401, "CA_CERT_UNTRUSTED")
    assert CaChallenge.objects.get(value=challenge).used_at is None


def test_a_certificate_of_a_holder_whose_role_was_revoked_is_refused_and_revoked(
    world, issue, client
):
    certificate, key = issue()
    world.operator_a.membership.revoked_at = timezone.now()
    world.operator_a.membership.save()
    challenge = get_challenge(client)

    response = ask_token(
        client,
        certificate=certificate.certificate_pem,
        challenge=challenge,
        signature=sign(key, challenge),
    )

    assert_refused(response, 401, "CA_MEMBERSHIP_REVOKED")
    certificate.refresh_from_db()
    assert certificate.status == UnitCertificate.Status.REVOKED
    assert certificate.revocation_reason == "持证人的单位用户授权已取消"
    assert CaChallenge.objects.get(value=challenge).used_at is None


def test_a_deactivated_user_is_refused(world, issue, client):
    certificate, key = issue()
    world.operator_a.user.is_active = False
    world.operator_a.user.save()
    challenge = get_challenge(client)

    response = ask_token(
        client,
        certificate=certificate.certificate_pem,
        challenge=challenge,
        signature=sign(key, challenge),
    )

    assert_refused(response, 401, "CA_USER_INACTIVE")


@pytest.mark.parametrize(
    ("certificate", "signature", "code"),
    [
        ("not a certificate", "AAAA", "CA_CERT_MALFORMED"),
        ("", "AAAA", "CA_CERT_MALFORMED"),
        (None, "***not base64***", "CA_SIGNATURE_MALFORMED"),
    ],
)
def test_malformed_input_is_refused_with_422(world, issue, client, certificate, signature, code):
    issued, _ = issue()
    challenge = get_challenge(client)

    response = ask_token(
        client,
        certificate=issued.certificate_pem if certificate is None else certificate,
        challenge=challenge,
        signature=signature,
    )

    assert_refused(response, 422, code)


def test_a_page_challenge_is_not_accepted_by_the_api(world, issue, client):
    from shebao.pki import services

    certificate, key = issue()
    page_challenge = services.challenge_issue(channel=CaChallenge.Channel.PAGE).value

    response = ask_token(
        client,
        certificate=certificate.certificate_pem,
        challenge=page_challenge,
        signature=sign(key, page_challenge),
    )

    assert_refused(response, 401, "CA_CHALLENGE_UNKNOWN")


def test_a_missing_field_is_a_validation_error(client):
    response = client.post(TOKEN_URL, {"challenge": "x"}, content_type="application/json")

    assert response.status_code == 422
    assert response.json()["code"] == "INVALID_INPUT"


def test_the_endpoints_are_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    assert "/api/v1/auth/ca/challenge" in paths
    assert "/api/v1/auth/ca/token" in paths
