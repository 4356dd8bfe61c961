"""The agency's document signature: a PAdES signature (pyHanko) with a document-signing key
certified by the agency CA of the pki app, and the check of a signed file.

The key (ECDSA P-256, like the CA's) is made on first use and kept encrypted in
``SHEBAO_CA_DIR/document-signing-key.pem`` under the CA's passphrase; its certificate is in the
database (:class:`~shebao.certificates.models.SigningCertificate`) and in
``document-signing-cert.pem``. Each process loads the key once (:func:`signer`): signing a file
then costs a few milliseconds.

:func:`sign_pdf` is what any app that issues a signed PDF calls (certificates here; the social
security card's 领卡证明). :func:`signature_check` validates the signature of a file against
the agency CA, without any network access.
"""

from __future__ import annotations

import contextlib
import fcntl
import io
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.db import IntegrityError, transaction

from shebao.certificates.models import SigningCertificate
from shebao.pki import ca
from shebao.pki.models import CertificateAuthority

KEY_FILE = "document-signing-key.pem"
CERT_FILE = "document-signing-cert.pem"
LOCK_FILE = ".document-signing.lock"
SIGNING_DAYS = 5 * 365  # the document-signing certificate: 5 years, within the CA's 20
SIGNATURE_FIELD = "AgencySignature"
# Room for the signature container: an ECDSA CMS with the signer's and the CA's certificates is
# about 2 KB. Reserving it up front spares pyHanko a trial signature to estimate the size (half
# the cost of signing).
SIGNATURE_BYTES = 8192


def _lock(directory: Path) -> contextlib.AbstractContextManager[None]:
    @contextlib.contextmanager
    def held() -> Iterator[None]:
        with open(directory / LOCK_FILE, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    return held()


def _load_key(path: Path) -> ec.EllipticCurvePrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=ca.ca_passphrase())
    except (ValueError, TypeError):
        raise ca.CaUnavailable(
            "无法打开文件签名私钥（口令不正确或文件损坏），暂时无法出具证明，请联系系统管理员",
            code="SIGNING_KEY_LOCKED",
        ) from None
    return key  # type: ignore[return-value]


def _active() -> SigningCertificate | None:
    return (
        SigningCertificate.objects.select_related("authority")
        .filter(
            status=SigningCertificate.Status.ACTIVE,
            authority__status=CertificateAuthority.Status.ACTIVE,
        )
        .first()
    )


def signing_certificate_ensure() -> SigningCertificate:
    """The active document-signing certificate, made (key and certificate) on first use;
    idempotent and safe when processes race. A key already in the CA directory is kept."""
    current = _active()
    if current is not None:
        return current
    authority = ca.ca_ensure()
    directory = ca.ca_dir()
    directory.mkdir(parents=True, exist_ok=True)
    with _lock(directory):
        current = _active()
        if current is not None:
            return current
        key_path = directory / KEY_FILE
        if key_path.exists():
            key = _load_key(key_path)
        else:
            key = ec.generate_private_key(ec.SECP256R1())
            fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(
                    key.private_bytes(
                        serialization.Encoding.PEM,
                        serialization.PrivateFormat.PKCS8,
                        serialization.BestAvailableEncryption(ca.ca_passphrase()),
                    )
                )
        name = f"{settings.SHEBAO_AGENCY_NAME}电子证明签名"
        cert = ca.document_signing_certificate_build(
            authority=authority, public_key=key.public_key(), name=name, days=SIGNING_DAYS
        )
        pem = ca.certificate_pem(cert)
        (directory / CERT_FILE).write_text(pem)
        try:
            with transaction.atomic():
                SigningCertificate.objects.filter(status=SigningCertificate.Status.ACTIVE).update(
                    status=SigningCertificate.Status.RETIRED
                )
                return SigningCertificate.objects.create(
                    authority=authority,
                    name=name,
                    certificate_pem=pem,
                    fingerprint=ca.certificate_fingerprint(cert),
                    serial=ca.serial_hex(cert.serial_number),
                    key_file=KEY_FILE,
                    not_before=cert.not_valid_before_utc,
                    not_after=cert.not_valid_after_utc,
                )
        except IntegrityError:
            return SigningCertificate.objects.get(status=SigningCertificate.Status.ACTIVE)


@dataclass(frozen=True)
class Signer:
    record_id: int
    pyhanko_signer: object  # pyhanko.sign.signers.SimpleSigner


@lru_cache(maxsize=4)
def _signer_for(record_id: int, certificate_pem: str, authority_pem: str, key_file: str) -> Signer:
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key = _load_key(ca.ca_dir() / key_file)
    cert = x509.load_pem_x509_certificate(certificate_pem.encode())
    if ca.public_key_fingerprint(cert.public_key()) != ca.public_key_fingerprint(key.public_key()):
        raise ca.CaUnavailable(
            "文件签名私钥与签名证书不一致，暂时无法出具证明，请联系系统管理员",
            code="SIGNING_KEY_MISMATCH",
        )
    key_der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    ca_cert = asn1_x509.Certificate.load(
        x509.load_pem_x509_certificate(authority_pem.encode()).public_bytes(
            serialization.Encoding.DER
        )
    )
    simple = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs([ca_cert]),
    )
    return Signer(record_id=record_id, pyhanko_signer=simple)


def signer() -> Signer:
    """The process's signer for the active key: the key is read and decrypted once."""
    record = signing_certificate_ensure()
    return _signer_for(
        record.pk, record.certificate_pem, record.authority.certificate_pem, record.key_file
    )


def sign_pdf(
    data: bytes, *, reason: str = "", location: str = "", current: Signer | None = None
) -> tuple[bytes, int]:
    """Sign the PDF ``data`` (PAdES B-B, SHA-256) with the agency's document-signing key
    (``current``, the process's :func:`signer`, if the caller has already looked it up).

    Returns the signed file and the id of the :class:`SigningCertificate` that signed it. The
    signature is invisible: the printed page carries the verification code and QR code.
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    current = current or signer()
    writer = IncrementalPdfFileWriter(io.BytesIO(data), strict=False)
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason or None,
        location=location or settings.SHEBAO_AGENCY_NAME,
        name=settings.SHEBAO_AGENCY_NAME,
    )
    out = signers.PdfSigner(metadata, signer=current.pyhanko_signer).sign_pdf(
        writer, bytes_reserved=SIGNATURE_BYTES
    )
    return out.getvalue(), current.record_id


# ---------------------------------------------------------------------------------------------
# Checking a signed file


@dataclass(frozen=True)
class SignatureCheck:
    """What the signature of a file says. ``code`` names the first thing wrong ("OK" if
    nothing): ``CERT_PDF_UNSIGNED``, ``CERT_SIGNATURE_INVALID`` (the file was changed after
    signing, or the signature is damaged), ``CERT_SIGNER_UNTRUSTED`` (signed, but not by this
    hall's agency CA)."""

    signed: bool
    intact: bool  # the signed bytes are unchanged and the signature covers the whole file
    trusted: bool  # the signer's certificate chains to the agency CA
    signer_fingerprint: str
    signed_at: datetime | None
    code: str


@lru_cache(maxsize=8)
def _trust_root(pem: str) -> asn1_x509.Certificate:
    der = x509.load_pem_x509_certificate(pem.encode()).public_bytes(serialization.Encoding.DER)
    return asn1_x509.Certificate.load(der)


def signature_check(data: bytes) -> SignatureCheck:
    """Validate the (last) signature of the PDF ``data`` against the agency's CAs. Raises
    ``ValueError`` if the file cannot be read as a PDF at all."""
    import hashlib

    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.settings import KeyUsageConstraints
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except (PdfError, ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
        raise ValueError(str(exc)) from None
    if not signatures:
        return SignatureCheck(False, False, False, "", None, "CERT_PDF_UNSIGNED")
    embedded = signatures[-1]
    roots = [
        _trust_root(pem)
        for pem in CertificateAuthority.objects.values_list("certificate_pem", flat=True)
    ]
    context = ValidationContext(
        trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail"
    )
    try:
        status = validate_pdf_signature(
            embedded,
            context,
            key_usage_settings=KeyUsageConstraints(
                key_usage={"digital_signature", "non_repudiation"}
            ),
            skip_diff=True,
        )
    except (SignatureValidationError, PdfError, ValueError, KeyError, TypeError) as exc:
        del exc
        return SignatureCheck(True, False, False, "", None, "CERT_SIGNATURE_INVALID")
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    intact = bool(status.intact and status.valid) and (
        status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    )
    cert = status.signing_cert
    fingerprint = hashlib.sha256(cert.dump()).hexdigest() if cert is not None else ""
    trusted = bool(status.trusted)
    if not intact:
        code = "CERT_SIGNATURE_INVALID"
    elif not trusted:
        code = "CERT_SIGNER_UNTRUSTED"
    else:
        code = "OK"
    return SignatureCheck(True, intact, trusted, fingerprint, status.signer_reported_dt, code)
