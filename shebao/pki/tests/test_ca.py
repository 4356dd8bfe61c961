import hashlib
import hmac
import stat
from datetime import timedelta
from io import StringIO

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management import call_command

from shebao.pki import ca
from shebao.pki.models import CertificateAuthority, PkiEvent

pytestmark = pytest.mark.django_db


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_ca_is_created_on_first_use_with_an_encrypted_key_readable_by_the_owner_only(
    settings,
):
    authority = ca.ca_ensure()

    key_path = settings.SHEBAO_CA_DIR / "ca-key.pem"
    assert mode(key_path) == 0o600
    assert mode(settings.SHEBAO_CA_DIR) == 0o700
    pem = key_path.read_bytes()
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    with pytest.raises(TypeError):
        serialization.load_pem_private_key(pem, password=None)
    assert authority.key_algorithm == "ECDSA P-256"
    assert authority.status == CertificateAuthority.Status.ACTIVE
    assert PkiEvent.objects.filter(kind=PkiEvent.Kind.CA_CREATED).count() == 1


def test_ca_ensure_is_idempotent(settings):
    first = ca.ca_ensure()
    key_bytes = (settings.SHEBAO_CA_DIR / "ca-key.pem").read_bytes()

    second = ca.ca_ensure()

    assert second.pk == first.pk
    assert (settings.SHEBAO_CA_DIR / "ca-key.pem").read_bytes() == key_bytes
    assert CertificateAuthority.objects.count() == 1
    assert PkiEvent.objects.filter(kind=PkiEvent.Kind.CA_CREATED).count() == 1


def test_the_ca_certificate_is_a_self_signed_p256_ca_valid_for_twenty_years():
    authority = ca.ca_ensure()
    cert = x509.load_pem_x509_certificate(authority.certificate_pem.encode())

    cert.verify_directly_issued_by(cert)
    assert isinstance(cert.public_key().curve, ec.SECP256R1)
    constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca is True
    assert constraints.value.path_length == 0
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.key_cert_sign and usage.crl_sign
    assert cert.not_valid_after_utc - cert.not_valid_before_utc == timedelta(
        days=ca.CA_VALIDITY_DAYS, minutes=5
    )
    assert authority.fingerprint == ca.certificate_fingerprint(cert)


def test_the_key_is_protected_by_the_configured_passphrase(settings):
    settings.SHEBAO_CA_KEY_PASSPHRASE = "a configured passphrase"
    ca.ca_ensure()
    pem = (settings.SHEBAO_CA_DIR / "ca-key.pem").read_bytes()

    key = serialization.load_pem_private_key(pem, password=b"a configured passphrase")

    assert isinstance(key, ec.EllipticCurvePrivateKey)


def test_without_a_configured_passphrase_it_is_derived_from_the_secret_key(settings):
    settings.SHEBAO_CA_KEY_PASSPHRASE = ""
    settings.SECRET_KEY = "the secret key of this deployment"
    ca.ca_ensure()
    derived = hmac.new(
        b"the secret key of this deployment", b"shebao-ca-key-passphrase:v1", hashlib.sha256
    ).hexdigest()

    pem = (settings.SHEBAO_CA_DIR / "ca-key.pem").read_bytes()

    assert serialization.load_pem_private_key(pem, password=derived.encode())


def test_a_wrong_passphrase_stops_issuing_with_a_clear_error(settings):
    authority = ca.ca_ensure()
    settings.SHEBAO_CA_KEY_PASSPHRASE = "not the one the key was saved with"

    with pytest.raises(ca.CaUnavailable) as refused:
        ca.authority_private_key(authority)

    assert refused.value.code == "CA_KEY_LOCKED"


def test_a_missing_key_file_stops_issuing_and_no_new_ca_is_made(settings):
    authority = ca.ca_ensure()
    (settings.SHEBAO_CA_DIR / "ca-key.pem").unlink()

    with pytest.raises(ca.CaUnavailable) as refused:
        ca.authority_private_key(authority)

    assert refused.value.code == "CA_KEY_MISSING"
    assert ca.ca_ensure().pk == authority.pk
    assert not (settings.SHEBAO_CA_DIR / "ca-key.pem").exists()


def test_a_fresh_database_keeps_the_key_already_in_the_ca_directory(settings):
    first = ca.ca_ensure()
    public_before = x509.load_pem_x509_certificate(first.certificate_pem.encode()).public_key()
    CertificateAuthority.objects.all().delete()
    PkiEvent.objects.all().delete()

    again = ca.ca_ensure()

    public_after = x509.load_pem_x509_certificate(again.certificate_pem.encode()).public_key()
    assert ca.public_key_fingerprint(public_after) == ca.public_key_fingerprint(public_before)
    assert again.fingerprint == first.fingerprint  # the certificate file was reused too


def test_pki_init_creates_then_only_shows():
    out = StringIO()
    call_command("pki_init", stdout=out)
    call_command("pki_init", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].startswith("已创建根CA：")
    assert [line for line in lines if line.startswith("根CA已存在：")] != []
    assert CertificateAuthority.objects.count() == 1
