from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.utils import timezone

from shebao.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from shebao.notifications.models import Notification
from shebao.pki import ca, services
from shebao.pki.models import CertificateRequest, PkiEvent, UnitCertificate
from shebao.pki.tests.conftest import csr_for, new_key, person_number

pytestmark = pytest.mark.django_db


def attr(name: x509.Name, oid) -> str:
    return name.get_attributes_for_oid(oid)[0].value


def snapshot():
    return (
        CertificateRequest.objects.count(),
        UnitCertificate.objects.count(),
        PkiEvent.objects.exclude(kind=PkiEvent.Kind.CA_CREATED).count(),
        Notification.objects.count(),
    )


# -- online request, approval ----------------------------------------------------------------


def test_an_operator_submits_a_csr_and_staff_of_the_district_issue_the_certificate(world):
    member = world.operator_a
    key = new_key()

    request = services.certificate_request_submit(actor=member.actor, csr_pem=member.csr(key))
    certificate = services.certificate_request_approve(
        actor=world.staff_actor(world.staff_here), request_id=request.pk
    )

    request.refresh_from_db()
    assert request.status == CertificateRequest.Status.ISSUED
    assert request.channel == CertificateRequest.Channel.ONLINE
    assert request.decided_by == world.staff_here
    assert certificate.user == member.user
    assert certificate.unit == world.unit_a
    assert certificate.issued_by == world.staff_here
    assert certificate.status == UnitCertificate.Status.ACTIVE
    assert certificate.holder_name == "张经办"
    assert certificate.holder_id_number == person_number(3)
    assert certificate.credit_code == world.unit_a.credit_code
    assert [e.kind for e in PkiEvent.objects.filter(request=request).order_by("id")] == [
        PkiEvent.Kind.REQUEST_SUBMITTED,
        PkiEvent.Kind.CERTIFICATE_ISSUED,
    ]
    note = Notification.objects.get(recipient=member.user)
    assert note.context == member.context
    assert note.title == "CA证书已签发"


def test_the_certificate_binds_holder_unit_validity_and_usage(world, issue):
    certificate, key = issue()
    cert = x509.load_pem_x509_certificate(certificate.certificate_pem.encode())
    authority_cert = ca.authority_certificate(certificate.authority)

    cert.verify_directly_issued_by(authority_cert)
    assert attr(cert.subject, NameOID.COMMON_NAME) == "张经办"
    assert attr(cert.subject, NameOID.SERIAL_NUMBER) == person_number(3)
    assert attr(cert.subject, NameOID.ORGANIZATION_NAME) == "吉林市昌邑示例机械有限公司"
    assert attr(cert.subject, NameOID.ORGANIZATION_IDENTIFIER) == world.unit_a.credit_code
    assert attr(cert.subject, NameOID.COUNTRY_NAME) == "CN"
    assert cert.not_valid_after_utc - cert.not_valid_before_utc == timedelta(days=730, minutes=5)
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical
    assert usage.value.digital_signature
    assert not usage.value.key_cert_sign and not usage.value.key_encipherment
    assert list(cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [
        ExtendedKeyUsageOID.CLIENT_AUTH
    ]
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    assert ca.public_key_fingerprint(cert.public_key()) == ca.public_key_fingerprint(
        key.public_key()
    )
    assert certificate.serial == f"{cert.serial_number:X}"
    assert certificate.fingerprint == ca.certificate_fingerprint(cert)
    assert certificate.not_after == cert.not_valid_after_utc


def test_the_validity_is_configurable(world, issue, settings):
    settings.SHEBAO_CA_CERT_DAYS = 365

    certificate, _ = issue()

    assert certificate.not_after - certificate.not_before == timedelta(days=365, minutes=5)


def test_the_same_csr_submitted_twice_makes_one_request(world):
    member = world.operator_a
    csr = member.csr(new_key())

    first = services.certificate_request_submit(actor=member.actor, csr_pem=csr)
    second = services.certificate_request_submit(actor=member.actor, csr_pem=csr)

    assert second.pk == first.pk
    assert CertificateRequest.objects.count() == 1


def test_a_second_key_while_a_request_is_pending_is_refused(world):
    member = world.operator_a
    services.certificate_request_submit(actor=member.actor, csr_pem=member.csr(new_key()))
    before = snapshot()

    with pytest.raises(Conflict) as refused:
        services.certificate_request_submit(actor=member.actor, csr_pem=member.csr(new_key()))

    assert refused.value.code == "CA_REQUEST_PENDING"
    assert snapshot() == before


def test_approving_twice_issues_once(world):
    member = world.operator_a
    request = services.certificate_request_submit(actor=member.actor, csr_pem=member.csr(new_key()))
    staff = world.staff_actor(world.staff_here)

    first = services.certificate_request_approve(actor=staff, request_id=request.pk)
    second = services.certificate_request_approve(actor=staff, request_id=request.pk)

    assert second.pk == first.pk
    assert UnitCertificate.objects.count() == 1


@pytest.mark.parametrize(
    ("override", "code"),
    [
        ({"id_number": person_number(99)}, "CA_CSR_ID_MISMATCH"),
        ({"credit_code": "91220202MA00000028"}, "CA_CSR_UNIT_MISMATCH"),
        ({"name": "张三"}, "CA_CSR_NAME_MISMATCH"),
    ],
)
def test_a_csr_that_names_someone_else_is_refused(world, override, code):
    member = world.operator_a
    before = snapshot()

    with pytest.raises(InvalidInput) as refused:
        services.certificate_request_submit(
            actor=member.actor, csr_pem=member.csr(new_key(), **override)
        )

    assert refused.value.code == code
    assert snapshot() == before


def test_the_unit_name_in_the_csr_is_not_trusted_the_registered_one_is_used(world):
    member = world.operator_a
    request = services.certificate_request_submit(
        actor=member.actor, csr_pem=member.csr(new_key(), unit_name="别的名字")
    )

    certificate = services.certificate_request_approve(
        actor=world.staff_actor(world.staff_here), request_id=request.pk
    )

    cert = x509.load_pem_x509_certificate(certificate.certificate_pem.encode())
    assert attr(cert.subject, NameOID.ORGANIZATION_NAME) == "吉林市昌邑示例机械有限公司"


def test_a_csr_with_a_bad_self_signature_is_refused(world):
    member = world.operator_a
    good = x509.load_pem_x509_csr(member.csr(new_key()).encode())
    der = bytearray(good.public_bytes(serialization.Encoding.DER))
    der[-3] ^= 0x01  # flip a bit of the signature
    before = snapshot()

    with pytest.raises(InvalidInput) as refused:
        services.certificate_request_submit(actor=member.actor, csr_pem=bytes(der))

    assert refused.value.code == "CA_CSR_BAD_SIGNATURE"
    assert snapshot() == before


def test_a_der_csr_is_read_exactly_even_when_its_last_byte_looks_like_whitespace(world):
    """DER is binary: a signature ending in 0x20 or 0x0a is part of it, not padding to trim."""
    member = world.operator_a
    whitespace = b" \t\n\r\x0b\x0c"
    for _ in range(2000):
        csr = x509.load_pem_x509_csr(member.csr(new_key()).encode())
        der = csr.public_bytes(serialization.Encoding.DER)
        if der[-1:] in [bytes([b]) for b in whitespace]:
            break
    else:  # pragma: no cover - about one request in forty ends so
        pytest.fail("no request ending in a whitespace byte was drawn")

    facts = ca.csr_parse(der)

    assert facts.public_key_fingerprint == ca.public_key_fingerprint(csr.public_key())


def test_a_csr_with_another_keys_public_key_is_refused(world):
    """A request made by someone who does not hold the private key: the CSR's public key was
    replaced, so its signature no longer verifies."""
    member = world.operator_a
    honest = x509.load_pem_x509_csr(member.csr(new_key()).encode())
    other = x509.load_pem_x509_csr(member.csr(new_key()).encode())
    honest_der = honest.public_bytes(serialization.Encoding.DER)
    honest_spki = honest.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    other_spki = other.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    swapped = honest_der.replace(honest_spki, other_spki)

    with pytest.raises(InvalidInput) as refused:
        services.certificate_request_submit(actor=member.actor, csr_pem=swapped)

    assert refused.value.code == "CA_CSR_BAD_SIGNATURE"
    assert CertificateRequest.objects.count() == 0


def test_garbage_and_unsupported_keys_are_refused(world):
    member = world.operator_a
    with pytest.raises(InvalidInput) as garbage:
        services.certificate_request_submit(actor=member.actor, csr_pem="这不是证书请求")
    p384 = member.csr(ec.generate_private_key(ec.SECP384R1()))
    with pytest.raises(InvalidInput) as unsupported:
        services.certificate_request_submit(actor=member.actor, csr_pem=p384)

    assert garbage.value.code == "CA_CSR_MALFORMED"
    assert unsupported.value.code == "CA_KEY_UNSUPPORTED"
    assert CertificateRequest.objects.count() == 0


def test_only_unit_users_submit_requests(world):
    csr = world.operator_a.csr(new_key())
    with pytest.raises(PermissionDenied):
        services.certificate_request_submit(actor=world.staff_actor(world.staff_here), csr_pem=csr)
    assert CertificateRequest.objects.count() == 0


def test_staff_of_another_district_and_unit_users_cannot_approve(world):
    member = world.operator_a
    request = services.certificate_request_submit(actor=member.actor, csr_pem=member.csr(new_key()))
    before = snapshot()

    with pytest.raises(NotFound):
        services.certificate_request_approve(
            actor=world.staff_actor(world.staff_there), request_id=request.pk
        )
    with pytest.raises(PermissionDenied):
        services.certificate_request_approve(actor=world.rep_a.actor, request_id=request.pk)

    assert snapshot() == before
    request.refresh_from_db()
    assert request.status == CertificateRequest.Status.PENDING


def test_a_request_whose_holder_left_the_unit_is_not_issued(world):
    member = world.operator_a
    request = services.certificate_request_submit(actor=member.actor, csr_pem=member.csr(new_key()))
    member.membership.revoked_at = timezone.now()
    member.membership.save()

    with pytest.raises(Conflict) as refused:
        services.certificate_request_approve(
            actor=world.staff_actor(world.staff_here), request_id=request.pk
        )

    assert refused.value.code == "CA_HOLDER_NOT_MEMBER"
    assert UnitCertificate.objects.count() == 0


def test_staff_reject_with_a_reason_and_the_holder_is_told(world):
    member = world.operator_a
    request = services.certificate_request_submit(actor=member.actor, csr_pem=member.csr(new_key()))
    staff = world.staff_actor(world.staff_here)

    with pytest.raises(InvalidInput) as no_reason:
        services.certificate_request_reject(actor=staff, request_id=request.pk, reason="  ")
    services.certificate_request_reject(actor=staff, request_id=request.pk, reason="身份待核实")

    assert no_reason.value.code == "REASON_REQUIRED"
    request.refresh_from_db()
    assert request.status == CertificateRequest.Status.REJECTED
    assert request.decision_note == "身份待核实"
    assert Notification.objects.get(recipient=member.user).body.endswith("原因：身份待核实。")


def test_the_holder_withdraws_a_pending_request_and_others_cannot(world):
    member = world.operator_a
    request = services.certificate_request_submit(actor=member.actor, csr_pem=member.csr(new_key()))

    with pytest.raises(NotFound):
        services.certificate_request_withdraw(actor=world.rep_a.actor, request_id=request.pk)
    services.certificate_request_withdraw(actor=member.actor, request_id=request.pk)

    request.refresh_from_db()
    assert request.status == CertificateRequest.Status.WITHDRAWN


# -- counter ----------------------------------------------------------------------------------


def test_staff_issue_at_the_counter_from_a_csr(world):
    member = world.rep_a
    key = new_key()

    certificate = services.certificate_issue_at_counter(
        actor=world.staff_actor(world.staff_here),
        credit_code=world.unit_a.credit_code.lower(),
        id_number=member.user.person.id_number,
        csr_pem=member.csr(key),
    )

    assert certificate.user == member.user
    assert certificate.request.channel == CertificateRequest.Channel.COUNTER
    assert certificate.request.submitted_by == world.staff_here
    assert certificate.public_key_fingerprint == ca.public_key_fingerprint(key.public_key())


def test_identifier_spellings_at_the_counter_find_the_same_unit_and_holder(world):
    """Identifier spellings (see shebao/hall/tests/test_identifier_spellings.py): the counter's
    page passes the credit code and ID number as typed."""
    member = world.rep_a
    wide = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")

    certificate = services.certificate_issue_at_counter(
        actor=world.staff_actor(world.staff_here),
        credit_code=" " + world.unit_a.credit_code.translate(wide).lower() + "\u3000",
        id_number=member.user.person.id_number.translate(wide),
        csr_pem=member.csr(new_key()),
    )

    assert (certificate.user, certificate.unit) == (member.user, world.unit_a)
    assert (certificate.credit_code, certificate.holder_id_number) == (
        world.unit_a.credit_code,
        member.user.person.id_number,
    )


def test_a_double_submit_at_the_counter_issues_once(world):
    member = world.rep_a
    csr = member.csr(new_key())
    staff = world.staff_actor(world.staff_here)
    kwargs = {
        "credit_code": world.unit_a.credit_code,
        "id_number": member.user.person.id_number,
        "csr_pem": csr,
    }

    first = services.certificate_issue_at_counter(actor=staff, **kwargs)
    second = services.certificate_issue_at_counter(actor=staff, **kwargs)

    assert second.pk == first.pk
    assert UnitCertificate.objects.count() == 1


def test_the_counter_refuses_non_members_and_units_of_other_districts(world):
    staff = world.staff_actor(world.staff_here)
    before = snapshot()

    with pytest.raises(InvalidInput) as not_member:
        services.certificate_issue_at_counter(
            actor=staff,
            credit_code=world.unit_a.credit_code,
            id_number=world.individual.person.id_number,
            csr_pem=csr_for(
                new_key(),
                name="陈个人",
                id_number=world.individual.person.id_number,
                credit_code=world.unit_a.credit_code,
                unit_name=world.unit_a.name,
            ),
        )
    with pytest.raises(NotFound) as elsewhere:
        services.certificate_issue_at_counter(
            actor=staff,
            credit_code=world.unit_b.credit_code,
            id_number=world.operator_b.user.person.id_number,
            csr_pem=world.operator_b.csr(new_key()),
        )

    assert not_member.value.code == "CA_HOLDER_NOT_MEMBER"
    assert elsewhere.value.code == "CA_UNIT_NOT_FOUND"
    assert snapshot() == before


def test_the_counter_closes_a_pending_online_request_of_the_holder(world):
    member = world.operator_a
    pending = services.certificate_request_submit(actor=member.actor, csr_pem=member.csr(new_key()))

    services.certificate_issue_at_counter(
        actor=world.staff_actor(world.staff_here),
        credit_code=world.unit_a.credit_code,
        id_number=member.user.person.id_number,
        csr_pem=member.csr(new_key()),
    )

    pending.refresh_from_db()
    assert pending.status == CertificateRequest.Status.REJECTED
    assert pending.decision_note == "已在柜台另行办理"


# -- renewal and revocation ---------------------------------------------------------------------


def test_a_new_certificate_replaces_the_holders_old_one(world, issue):
    old, _ = issue()

    new, _ = issue()

    old.refresh_from_db()
    assert old.status == UnitCertificate.Status.REVOKED
    assert old.revocation_reason == "已换发新证书"
    assert new.status == UnitCertificate.Status.ACTIVE


def test_a_revoked_key_is_never_certified_again(world, issue):
    certificate, key = issue()
    services.certificate_revoke(
        actor=world.operator_a.actor, certificate_id=certificate.pk, reason="U盘遗失"
    )

    with pytest.raises(InvalidInput) as refused:
        services.certificate_request_submit(
            actor=world.operator_a.actor, csr_pem=world.operator_a.csr(key)
        )

    assert refused.value.code == "CA_KEY_REVOKED"


def test_a_key_with_a_valid_certificate_is_not_certified_twice(world, issue):
    _, key = issue()

    with pytest.raises(Conflict) as refused:
        services.certificate_request_submit(
            actor=world.operator_a.actor, csr_pem=world.operator_a.csr(key)
        )

    assert refused.value.code == "CA_KEY_ALREADY_CERTIFIED"


@pytest.mark.parametrize("who", ["staff_here", "rep_a", "admin_a", "operator_a"])
def test_revocation_by_staff_the_units_managers_or_the_holder(world, issue, who):
    certificate, _ = issue()
    actor = (
        world.staff_actor(world.staff_here) if who == "staff_here" else getattr(world, who).actor
    )

    services.certificate_revoke(actor=actor, certificate_id=certificate.pk, reason="人员离职")

    certificate.refresh_from_db()
    assert certificate.status == UnitCertificate.Status.REVOKED
    assert certificate.revoked_by == actor.user
    assert certificate.revocation_reason == "人员离职"
    assert certificate.revoked_at is not None
    event = PkiEvent.objects.get(kind=PkiEvent.Kind.CERTIFICATE_REVOKED)
    assert (event.actor, event.note) == (actor.user, "人员离职")


@pytest.mark.parametrize("who", ["staff_there", "operator_a2", "operator_b", "individual"])
def test_revocation_refused_to_others(world, issue, who):
    from shebao.accounts.actors import actor_for

    certificate, _ = issue()
    actor = {
        "staff_there": lambda: world.staff_actor(world.staff_there),
        "operator_a2": lambda: world.operator_a2.actor,
        "operator_b": lambda: world.operator_b.actor,
        "individual": lambda: actor_for(world.individual, "individual"),
    }[who]()

    with pytest.raises((NotFound, PermissionDenied)):
        services.certificate_revoke(actor=actor, certificate_id=certificate.pk, reason="x")

    certificate.refresh_from_db()
    assert certificate.status == UnitCertificate.Status.ACTIVE


def test_revoking_twice_or_without_a_reason_is_refused(world, issue):
    certificate, _ = issue()
    staff = world.staff_actor(world.staff_here)

    with pytest.raises(InvalidInput) as no_reason:
        services.certificate_revoke(actor=staff, certificate_id=certificate.pk, reason="")
    services.certificate_revoke(actor=staff, certificate_id=certificate.pk, reason="遗失")
    with pytest.raises(Conflict) as twice:
        services.certificate_revoke(actor=staff, certificate_id=certificate.pk, reason="遗失")

    assert no_reason.value.code == "REASON_REQUIRED"
    assert twice.value.code == "CA_CERT_ALREADY_REVOKED"
    assert PkiEvent.objects.filter(kind=PkiEvent.Kind.CERTIFICATE_REVOKED).count() == 1


def test_certificates_of_a_revoked_role_are_revoked_by_the_sweep(world, issue):
    certificate, _ = issue()
    kept, _ = issue(world.rep_a)
    world.operator_a.membership.revoked_at = timezone.now()
    world.operator_a.membership.save()

    result = services.certificates_sweep()

    certificate.refresh_from_db()
    kept.refresh_from_db()
    assert result["revoked"] == 1
    assert certificate.status == UnitCertificate.Status.REVOKED
    assert certificate.revocation_reason == "持证人的单位用户授权已取消"
    assert certificate.revoked_by is None
    assert kept.status == UnitCertificate.Status.ACTIVE


def test_revoke_for_membership_does_nothing_while_the_role_is_active(world, issue):
    certificate, _ = issue()

    assert services.certificates_revoke_for_membership(membership=world.operator_a.membership) == 0

    certificate.refresh_from_db()
    assert certificate.status == UnitCertificate.Status.ACTIVE


def test_old_challenges_are_deleted_when_new_ones_are_issued():
    from freezegun import freeze_time

    from shebao.pki.models import CaChallenge

    with freeze_time(timezone.now() - timedelta(hours=2)):
        old = services.challenge_issue(channel=CaChallenge.Channel.API)
    recent = services.challenge_issue(channel=CaChallenge.Channel.API)

    assert list(CaChallenge.objects.values_list("value", flat=True)) == [recent.value]
    assert old.value != recent.value


def test_the_sweep_command_reports_what_it_did(world, issue):
    from io import StringIO

    from django.core.management import call_command

    issue()
    world.operator_a.membership.revoked_at = timezone.now()
    world.operator_a.membership.save()
    out = StringIO()

    call_command("pki_sweep", stdout=out)

    assert out.getvalue().strip() == "注销证书 1 张，清理挑战码 0 个"


def test_revoking_a_unit_role_revokes_its_certificates_in_the_same_action(world, issue):
    from shebao.accounts.actors import actor_for
    from shebao.accounts.services import unit_user_revoke
    from shebao.pki.models import UnitCertificate

    certificate, _ = issue()  # the operator's certificate
    kept, _ = issue(world.rep_a)

    unit_user_revoke(
        actor=actor_for(world.rep_a.user, world.rep_a.context),
        membership_id=world.operator_a.membership.pk,
    )

    certificate.refresh_from_db()
    kept.refresh_from_db()
    assert certificate.status == UnitCertificate.Status.REVOKED
    assert certificate.revocation_reason == "持证人的单位用户授权已取消"
    assert kept.status == UnitCertificate.Status.ACTIVE
