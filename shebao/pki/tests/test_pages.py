"""The pages: certificate sign-in, the unit's CA page, the staff's CA desk."""

import html
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from freezegun import freeze_time

from shebao.accounts.actors import CONTEXT_SESSION_KEY
from shebao.pki.models import CaChallenge, CaSignInAttempt, CertificateRequest, UnitCertificate
from shebao.pki.tests.conftest import new_key, sign
from shebao.pki.views import SESSION_CHALLENGES

pytestmark = pytest.mark.django_db

LOGIN = "/pki/login/"


def page_challenge(client: Client) -> str:
    assert client.get(LOGIN).status_code == 200
    return client.session[SESSION_CHALLENGES][-1]


def sign_in_as(client: Client, user, context: str) -> None:
    client.force_login(user)
    session = client.session
    session[CONTEXT_SESSION_KEY] = context
    session.save()


def unit_home() -> str:
    """Where a unit user lands: the unit centre if the hall has one, else the home page."""
    try:
        return reverse("hall:unit_center")
    except NoReverseMatch:
        return reverse("hall:home")


def text(response) -> str:
    return response.content.decode()


# -- sign-in page -----------------------------------------------------------------------------


def test_the_login_page_shows_the_challenge_and_the_exact_command(client):
    response = client.get(LOGIN)

    challenge = client.session[SESSION_CHALLENGES][-1]
    body = text(response)
    assert response.status_code == 200
    assert reverse("pki:login") == LOGIN
    assert challenge in body
    assert f"python shebao-ukey sign --key mykey.pem --challenge {challenge}" in body
    assert f"python tools/shebao-ukey sign --key mykey.pem --challenge {challenge}" in body
    assert "证书口令（PIN）" in body
    assert CaChallenge.objects.get(value=challenge).channel == CaChallenge.Channel.PAGE


def test_reloading_keeps_the_challenge_and_refresh_replaces_it(client):
    first = page_challenge(client)
    assert page_challenge(client) == first

    client.post(LOGIN, {"action": "refresh"})

    assert page_challenge(client) != first
    assert client.session[SESSION_CHALLENGES][0] == first


def test_sign_in_with_a_pasted_certificate(world, issue, client):
    certificate, key = issue()
    challenge = page_challenge(client)

    response = client.post(
        LOGIN,
        {
            "certificate": certificate.certificate_pem,
            "challenge": challenge,
            "signature": sign(key, challenge),
        },
    )

    assert response.status_code == 302
    assert response["Location"] == unit_home()
    assert client.session[CONTEXT_SESSION_KEY] == f"unit:{world.unit_a.pk}"
    assert client.session[SESSION_KEY] == str(world.operator_a.user.pk)
    attempt = CaSignInAttempt.objects.get()
    assert (attempt.channel, attempt.outcome) == ("page", "success")
    assert CaChallenge.objects.get(value=challenge).used_at is not None


def test_sign_in_with_an_uploaded_certificate_file_goes_to_next(world, issue, client):
    certificate, key = issue()
    challenge = page_challenge(client)

    response = client.post(
        LOGIN,
        {
            "certificate_file": SimpleUploadedFile(
                "mycert.pem", certificate.certificate_pem.encode()
            ),
            "challenge": challenge,
            "signature": sign(key, challenge),
            "next": "/pki/unit/",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/pki/unit/"


def test_an_offsite_next_is_ignored(world, issue, client):
    certificate, key = issue()
    challenge = page_challenge(client)

    response = client.post(
        LOGIN,
        {
            "certificate": certificate.certificate_pem,
            "challenge": challenge,
            "signature": sign(key, challenge),
            "next": "https://evil.example/",
        },
    )

    assert response["Location"] == unit_home()


def test_a_wrong_signature_shows_the_reason_keeps_the_challenge_and_signs_nobody_in(
    world, issue, client
):
    certificate, _ = issue()
    challenge = page_challenge(client)

    response = client.post(
        LOGIN,
        {
            "certificate_file": SimpleUploadedFile(
                "mycert.pem", certificate.certificate_pem.encode()
            ),
            "challenge": challenge,
            "signature": sign(new_key(), challenge),
        },
    )

    body = text(response)
    assert response.status_code == 401
    assert "签名验证未通过" in body
    assert "CA_SIGNATURE_INVALID" in body
    assert SESSION_KEY not in client.session
    assert client.session[SESSION_CHALLENGES][-1] == challenge  # still usable for a retry
    assert "-----BEGIN CERTIFICATE-----" in body  # the uploaded file is kept for the retry
    attempt = CaSignInAttempt.objects.get()
    assert (attempt.channel, attempt.outcome, attempt.code) == (
        "page",
        "failure",
        "CA_SIGNATURE_INVALID",
    )


def test_an_expired_challenge_is_replaced_on_the_page(world, issue, client):
    certificate, key = issue()
    challenge = page_challenge(client)

    with freeze_time(timezone.now() + timedelta(minutes=6)):
        response = client.post(
            LOGIN,
            {
                "certificate": certificate.certificate_pem,
                "challenge": challenge,
                "signature": sign(key, challenge),
            },
        )

    assert response.status_code == 401
    assert "挑战码已过期" in text(response)
    assert client.session[SESSION_CHALLENGES][-1] != challenge
    assert SESSION_KEY not in client.session


def test_a_challenge_given_to_another_browser_is_refused(world, issue, client):
    certificate, key = issue()
    other_browser = Client()
    theirs = page_challenge(other_browser)
    page_challenge(client)

    response = client.post(
        LOGIN,
        {
            "certificate": certificate.certificate_pem,
            "challenge": theirs,
            "signature": sign(key, theirs),
        },
    )

    assert response.status_code == 401
    assert "CA_CHALLENGE_UNKNOWN" in text(response)
    assert CaChallenge.objects.get(value=theirs).used_at is None


def test_an_api_challenge_is_not_accepted_on_the_page(world, issue, client):
    certificate, key = issue()
    api_challenge = client.post("/api/v1/auth/ca/challenge").json()["challenge"]
    session = client.session
    session[SESSION_CHALLENGES] = [api_challenge]
    session.save()

    response = client.post(
        LOGIN,
        {
            "certificate": certificate.certificate_pem,
            "challenge": api_challenge,
            "signature": sign(key, api_challenge),
        },
    )

    assert response.status_code == 401
    assert "CA_CHALLENGE_UNKNOWN" in text(response)


def test_an_empty_submission_is_explained_and_audited(client):
    challenge = page_challenge(client)

    response = client.post(LOGIN, {"challenge": challenge, "signature": ""})

    assert response.status_code == 422
    assert "请提供证书" in text(response)
    assert CaSignInAttempt.objects.get().code == "CA_CERT_MALFORMED"


# -- public downloads ------------------------------------------------------------------------


def test_the_ca_certificate_and_the_client_tool_can_be_downloaded_by_anyone(client):
    ca_response = client.get("/pki/ca.pem")
    tool_response = client.get("/pki/tool/shebao-ukey")

    assert ca_response.status_code == 200
    assert ca_response.content.startswith(b"-----BEGIN CERTIFICATE-----")
    assert tool_response.status_code == 200
    tool = b"".join(tool_response.streaming_content)
    assert tool.startswith(b"#!/usr/bin/env python3")
    assert b"shebao-ca-login:v1:" in tool


# -- unit page ---------------------------------------------------------------------------------


def test_the_unit_page_prefills_the_csr_command_for_the_user(world, client):
    member = world.operator_a
    sign_in_as(client, member.user, member.context)

    body = html.unescape(text(client.get("/pki/unit/")))

    assert (
        f'python shebao-ukey csr --key mykey.pem --name "张经办" --id-number '
        f"{member.user.person.id_number} --credit-code {world.unit_a.credit_code} "
        f'--unit-name "{world.unit_a.name}" --out my.csr'
    ) in body
    assert "本单位全部证书" not in body  # an operator sees their own certificates only


def test_a_manager_sees_every_certificate_of_the_unit(world, issue, client):
    issue(world.operator_a)
    issue(world.operator_b, staff=world.staff_there)
    sign_in_as(client, world.rep_a.user, world.rep_a.context)

    body = text(client.get("/pki/unit/"))

    assert "本单位全部证书" in body
    assert "张经办" in body
    assert "刘经办" not in body


def test_submitting_a_csr_on_the_unit_page(world, client):
    member = world.operator_a
    sign_in_as(client, member.user, member.context)

    response = client.post(
        "/pki/unit/", {"csr_file": SimpleUploadedFile("my.csr", member.csr(new_key()).encode())}
    )

    assert response.status_code == 302
    request = CertificateRequest.objects.get()
    assert (request.user, request.unit, request.status) == (
        member.user,
        world.unit_a,
        CertificateRequest.Status.PENDING,
    )
    assert "请等待经办机构审核" in text(client.get("/pki/unit/"))


def test_a_wrong_csr_is_explained_on_the_unit_page(world, client):
    member = world.operator_a
    sign_in_as(client, member.user, member.context)

    response = client.post("/pki/unit/", {"csr": member.csr(new_key(), name="张三")})

    assert response.status_code == 422
    assert "证书请求中的姓名（张三）与持证人的实名信息（张经办）不一致" in text(response)
    assert CertificateRequest.objects.count() == 0


def test_withdrawing_on_the_unit_page(world, client):
    member = world.operator_a
    sign_in_as(client, member.user, member.context)
    client.post("/pki/unit/", {"csr": member.csr(new_key())})
    request = CertificateRequest.objects.get()

    response = client.post(f"/pki/requests/{request.pk}/withdraw/")

    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == CertificateRequest.Status.WITHDRAWN


def test_the_certificate_page_download_and_revocation_by_the_holder(world, issue, client):
    certificate, _ = issue()
    member = world.operator_a
    sign_in_as(client, member.user, member.context)

    detail = client.get(f"/pki/certificates/{certificate.pk}/")
    download = client.get(f"/pki/certificates/{certificate.pk}/download/")
    revoke = client.post(f"/pki/certificates/{certificate.pk}/revoke/", {"reason": "U盘遗失"})

    assert detail.status_code == 200
    assert certificate.fingerprint_display in text(detail)
    assert "注销证书" in text(detail)
    assert download.content.decode() == certificate.certificate_pem
    assert download["Content-Disposition"] == (
        f'attachment; filename="cert-{certificate.credit_code}-{certificate.serial[:8]}.pem"'
    )
    assert revoke.status_code == 302
    certificate.refresh_from_db()
    assert certificate.status == UnitCertificate.Status.REVOKED
    after = text(client.get(f"/pki/certificates/{certificate.pk}/"))
    assert "已注销" in after
    assert "U盘遗失" in after


def test_revoking_without_a_reason_is_explained(world, issue, client):
    certificate, _ = issue()
    sign_in_as(client, world.rep_a.user, world.rep_a.context)

    response = client.post(
        f"/pki/certificates/{certificate.pk}/revoke/", {"reason": ""}, follow=True
    )

    assert "请填写原因" in text(response)
    certificate.refresh_from_db()
    assert certificate.status == UnitCertificate.Status.ACTIVE


# -- staff pages -------------------------------------------------------------------------------


def submit(member) -> CertificateRequest:
    from shebao.pki import services

    return services.certificate_request_submit(actor=member.actor, csr_pem=member.csr(new_key()))


def test_staff_see_pending_requests_of_their_districts_only(world, client):
    submit(world.operator_a)
    submit(world.operator_b)
    sign_in_as(client, world.staff_here, "staff")

    body = text(client.get("/pki/staff/"))

    assert "张经办" in body
    assert "刘经办" not in body
    assert "待审核申请（1）" in body


def test_staff_approve_and_reject_on_the_desk(world, client):
    first = submit(world.operator_a)
    second = submit(world.admin_a)
    sign_in_as(client, world.staff_here, "staff")

    approved = client.post(f"/pki/staff/requests/{first.pk}/", {"action": "approve"})
    rejected = client.post(
        f"/pki/staff/requests/{second.pk}/", {"action": "reject", "reason": "请到窗口核验"}
    )

    assert approved.status_code == rejected.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == CertificateRequest.Status.ISSUED
    assert second.status == CertificateRequest.Status.REJECTED
    assert second.decision_note == "请到窗口核验"


def test_staff_search_certificates(world, issue, client):
    issue(world.operator_a)
    issue(world.rep_a)
    sign_in_as(client, world.staff_here, "staff")

    body = text(client.get("/pki/staff/", {"tab": "certificates", "q": "王法人"}))

    assert "王法人" in body
    assert "张经办" not in body


def test_counter_issue_page(world, client):
    member = world.rep_a
    sign_in_as(client, world.staff_here, "staff")

    response = client.post(
        "/pki/staff/issue/",
        {
            "credit_code": world.unit_a.credit_code,
            "id_number": member.user.person.id_number,
            "csr": member.csr(new_key()),
        },
    )

    certificate = UnitCertificate.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/pki/certificates/{certificate.pk}/"
    assert certificate.user == member.user


def test_counter_issue_page_explains_a_wrong_holder(world, client):
    sign_in_as(client, world.staff_here, "staff")

    response = client.post(
        "/pki/staff/issue/",
        {
            "credit_code": world.unit_a.credit_code,
            "id_number": world.individual.person.id_number,
            "csr": world.rep_a.csr(new_key()),
        },
    )

    assert response.status_code == 422
    assert "该人员不是本单位的在册用户" in text(response)
    assert world.individual.person.id_number in text(response)  # the form keeps what was typed
    assert UnitCertificate.objects.count() == 0
