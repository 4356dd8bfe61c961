"""The agency's certificate authority: its key, the certificates it issues, and the checks that
certificate sign-in relies on.

Key algorithm: ECDSA on NIST P-256 with SHA-256, for the CA and for the keys the client makes.
It gives the same 128-bit security as RSA-3072 at a fraction of the cost — measured on the
2-core development machine, a key pair takes 0.04 ms instead of ~180 ms (RSA-3072), a
signature is ~70 bytes instead of 384 — every X.509 stack and hardware token supports it, and
China's SM2 (GB/T 32918), which a deployment under the national commercial-cryptography rules
would switch to, is a signature scheme on a 256-bit prime curve of the same shape. Holders' keys
may also be RSA of at least 2048 bits, because many existing U-KEY tokens only make RSA keys.

The CA private key is kept in ``SHEBAO_CA_DIR/ca-key.pem`` (PKCS#8 PEM encrypted with
``BestAvailableEncryption``, file mode 0600, directory 0700). Its passphrase is
``SHEBAO_CA_KEY_PASSPHRASE``; if that is empty, it is derived from ``SECRET_KEY`` as
``HMAC-SHA256(SECRET_KEY, "shebao-ca-key-passphrase:v1")`` in hex — so a deployment that relies
on the derived passphrase must keep its SECRET_KEY, or the CA key can no longer be opened.
Production deployments should set ``SHEBAO_CA_KEY_PASSPHRASE`` explicitly and back up the
CA directory.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import hashlib
import hmac
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from shebao.common.errors import DomainError, InvalidInput, Unauthenticated
from shebao.pki.models import CertificateAuthority, PkiEvent

KEY_FILE = "ca-key.pem"
CERT_FILE = "ca-cert.pem"
LOCK_FILE = ".ca.lock"
KEY_ALGORITHM = "ECDSA P-256"
CA_VALIDITY_DAYS = 20 * 365 + 5  # 20 years
DEFAULT_CERT_DAYS = 730  # certificates for unit users: 2 years unless SHEBAO_CA_CERT_DAYS
CLOCK_SKEW = timedelta(minutes=5)  # certificates start slightly in the past: client clocks drift
MIN_RSA_BITS = 2048
MAX_PEM_BYTES = 16 * 1024  # a certificate or CSR is ~1 KB; anything this big is not one

# What a holder signs for sign-in: a fixed prefix, then the challenge in ASCII. The prefix
# (domain separation) means a signature made for sign-in is useless for anything else, and no
# other signature made with the key can be replayed as a sign-in.
LOGIN_SIGNATURE_PREFIX = b"shebao-ca-login:v1:"

# The unified social credit code goes in X.520 organizationIdentifier (2.5.4.97), "an
# identification of an organization different from the organization name"; the ID number in
# serialNumber (2.5.4.5), as personal certificates do.
CREDIT_CODE_OID = NameOID.ORGANIZATION_IDENTIFIER
ID_NUMBER_OID = NameOID.SERIAL_NUMBER


class CaUnavailable(DomainError):
    """The CA key cannot be used (missing file, wrong passphrase): an operations problem."""

    status = 503
    default_code = "CA_UNAVAILABLE"


# ---------------------------------------------------------------------------------------------
# The CA key and certificate


def ca_dir() -> Path:
    return Path(settings.SHEBAO_CA_DIR)


def ca_passphrase() -> bytes:
    """The passphrase of the CA key file (see the module docstring)."""
    configured = settings.SHEBAO_CA_KEY_PASSPHRASE
    if configured:
        return configured.encode()
    derived = hmac.new(
        settings.SECRET_KEY.encode(), b"shebao-ca-key-passphrase:v1", hashlib.sha256
    ).hexdigest()
    return derived.encode()


def cert_days() -> int:
    return int(getattr(settings, "SHEBAO_CA_CERT_DAYS", DEFAULT_CERT_DAYS))


def validity_label() -> str:
    """How long unit certificates are valid, for pages: "2 年" or "400 天"."""
    days = cert_days()
    return f"{days // 365} 年" if days % 365 == 0 else f"{days} 天"


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def certificate_fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 of the certificate's DER, lower-case hex (what certificate viewers show)."""
    return sha256_hex(cert.public_bytes(serialization.Encoding.DER))


def public_key_fingerprint(public_key: object) -> str:
    """SHA-256 of the SubjectPublicKeyInfo DER: the same key gives the same fingerprint."""
    der = public_key.public_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return sha256_hex(der)


def serial_hex(serial: int) -> str:
    return f"{serial:X}"


@contextlib.contextmanager
def _ca_lock(directory: Path) -> Iterator[None]:
    """Serialise CA creation between processes sharing the CA directory."""
    with open(directory / LOCK_FILE, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_private(path: Path, data: bytes) -> None:
    """Write a new file readable by the owner only; never overwrite one."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _load_key(path: Path) -> ec.EllipticCurvePrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=ca_passphrase())
    except FileNotFoundError:
        raise CaUnavailable(
            "CA私钥文件不存在，暂时无法签发证书，请联系系统管理员", code="CA_KEY_MISSING"
        ) from None
    except (ValueError, TypeError):
        raise CaUnavailable(
            "无法打开CA私钥（口令不正确或文件损坏），暂时无法签发证书，请联系系统管理员",
            code="CA_KEY_LOCKED",
        ) from None
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)
    return key  # type: ignore[return-value]


def _ca_subject() -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, settings.SHEBAO_AGENCY_NAME),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{settings.SHEBAO_AGENCY_NAME}网上经办根CA"),
        ]
    )


def _self_signed(key: ec.EllipticCurvePrivateKey) -> x509.Certificate:
    now = timezone.now()
    subject = _ca_subject()
    public_key = key.public_key()
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(now + timedelta(days=CA_VALIDITY_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .sign(key, hashes.SHA256())
    )


def ca_ensure() -> CertificateAuthority:
    """The active CA, created on first use: idempotent, and safe when processes race.

    If the database has no CA but the CA directory already holds a key (a fresh database
    on an existing deployment), that key is kept and its certificate reused.
    """
    authority = CertificateAuthority.objects.filter(
        status=CertificateAuthority.Status.ACTIVE
    ).first()
    if authority is not None:
        return authority
    directory = ca_dir()
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)
    with _ca_lock(directory):
        authority = CertificateAuthority.objects.filter(
            status=CertificateAuthority.Status.ACTIVE
        ).first()
        if authority is not None:  # another process made it while this one waited
            return authority
        key_path, cert_path = directory / KEY_FILE, directory / CERT_FILE
        if key_path.exists():
            key = _load_key(key_path)
        else:
            key = ec.generate_private_key(ec.SECP256R1())
            _write_private(
                key_path,
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.BestAvailableEncryption(ca_passphrase()),
                ),
            )
        cert = None
        if cert_path.exists():
            cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
            if public_key_fingerprint(cert.public_key()) != public_key_fingerprint(
                key.public_key()
            ):
                cert = None  # a certificate left from another key: make a new one
                cert_path.unlink()
        if cert is None:
            cert = _self_signed(key)
            cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        try:
            with transaction.atomic():
                authority = CertificateAuthority.objects.create(
                    name=cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value,
                    certificate_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
                    fingerprint=certificate_fingerprint(cert),
                    serial=serial_hex(cert.serial_number),
                    key_algorithm=KEY_ALGORITHM,
                    key_file=KEY_FILE,
                    not_before=cert.not_valid_before_utc,
                    not_after=cert.not_valid_after_utc,
                )
                PkiEvent.objects.create(
                    kind=PkiEvent.Kind.CA_CREATED,
                    note=f"{authority.name}，指纹 {authority.fingerprint[:16]}…",
                )
        except IntegrityError:
            # Another process with another CA directory won: use the one in the database.
            return CertificateAuthority.objects.get(status=CertificateAuthority.Status.ACTIVE)
        return authority


@lru_cache(maxsize=8)
def _parse_authority_pem(pem: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem.encode())


def authority_certificate(authority: CertificateAuthority) -> x509.Certificate:
    return _parse_authority_pem(authority.certificate_pem)


def authority_private_key(authority: CertificateAuthority) -> ec.EllipticCurvePrivateKey:
    """The CA's private key, checked against the CA certificate in the database."""
    key = _load_key(ca_dir() / authority.key_file)
    expected = public_key_fingerprint(authority_certificate(authority).public_key())
    if public_key_fingerprint(key.public_key()) != expected:
        raise CaUnavailable(
            "CA私钥与数据库中的CA证书不一致，暂时无法签发证书，请联系系统管理员",
            code="CA_KEY_MISMATCH",
        )
    return key


# ---------------------------------------------------------------------------------------------
# Certificate requests and issuing


@dataclass(frozen=True)
class HolderSubject:
    """Who a certificate names: the holder, and the unit they act for."""

    name: str
    id_number: str
    unit_name: str
    credit_code: str

    def x509_name(self) -> x509.Name:
        return x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, self.unit_name),
                x509.NameAttribute(CREDIT_CODE_OID, self.credit_code),
                x509.NameAttribute(ID_NUMBER_OID, self.id_number),
                x509.NameAttribute(NameOID.COMMON_NAME, self.name),
            ]
        )


def _attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    values = name.get_attributes_for_oid(oid)
    value = values[0].value if values else ""
    return value.strip() if isinstance(value, str) else ""


def subject_of(name: x509.Name) -> HolderSubject:
    return HolderSubject(
        name=_attribute(name, NameOID.COMMON_NAME),
        id_number=_attribute(name, ID_NUMBER_OID).upper(),
        unit_name=_attribute(name, NameOID.ORGANIZATION_NAME),
        credit_code=_attribute(name, CREDIT_CODE_OID).upper(),
    )


def _check_public_key(public_key: object, *, field: str) -> None:
    if isinstance(public_key, ec.EllipticCurvePublicKey):
        if isinstance(public_key.curve, ec.SECP256R1):
            return
    elif isinstance(public_key, rsa.RSAPublicKey) and public_key.key_size >= MIN_RSA_BITS:
        return
    raise InvalidInput(
        "不支持该密钥类型：请使用 ECDSA P-256 或至少 2048 位的 RSA 密钥"
        "（用“证书助手”的 keygen 命令生成的密钥即可）",
        code="CA_KEY_UNSUPPORTED",
        field=field,
    )


def _pem_bytes(data: str | bytes, *, field: str, what: str, code: str) -> bytes:
    raw = data.encode() if isinstance(data, str) else data
    if raw.strip().startswith(b"-----BEGIN") or not raw.strip():
        # PEM is text: surrounding blank lines are not part of it. DER is binary and its
        # last byte may well be 0x20 or 0x0a, so it is taken exactly as uploaded.
        raw = raw.strip()
    if not raw:
        raise InvalidInput(f"请提供{what}", code=code, field=field)
    if len(raw) > MAX_PEM_BYTES:
        raise InvalidInput(f"{what}内容过长，请确认选择的文件正确", code=code, field=field)
    return raw


@dataclass(frozen=True)
class CsrFacts:
    """A checked CSR: its self-signature is valid and its key type acceptable."""

    pem: str  # as PEM text, even if a DER file was uploaded
    public_key: object
    public_key_fingerprint: str
    subject: HolderSubject


def csr_parse(data: str | bytes, *, field: str = "csr") -> CsrFacts:
    """Parse a PEM (or DER) PKCS#10 request; refuse a malformed one, a bad self-signature (the
    requester does not hold the key) or an unsupported key."""
    raw = _pem_bytes(data, field=field, what="证书请求（CSR）", code="CA_CSR_MALFORMED")
    try:
        if raw.startswith(b"-----BEGIN"):
            csr = x509.load_pem_x509_csr(raw)
        else:
            csr = x509.load_der_x509_csr(raw)
    except (ValueError, UnsupportedAlgorithm):
        raise InvalidInput(
            "无法识别证书请求（CSR）：请粘贴“证书助手”csr 命令生成的文件的全部内容，"
            "包括 -----BEGIN CERTIFICATE REQUEST----- 和 -----END CERTIFICATE REQUEST----- 两行",
            code="CA_CSR_MALFORMED",
            field=field,
        ) from None
    try:
        public_key = csr.public_key()
    except (ValueError, UnsupportedAlgorithm):
        raise InvalidInput(
            "证书请求中的公钥无法识别", code="CA_KEY_UNSUPPORTED", field=field
        ) from None
    _check_public_key(public_key, field=field)
    if not csr.is_signature_valid:
        raise InvalidInput(
            "证书请求（CSR）的签名无效：文件可能被改动过，请用“证书助手”重新生成",
            code="CA_CSR_BAD_SIGNATURE",
            field=field,
        )
    return CsrFacts(
        pem=csr.public_bytes(serialization.Encoding.PEM).decode(),
        public_key=public_key,
        public_key_fingerprint=public_key_fingerprint(public_key),
        subject=subject_of(csr.subject),
    )


def certificate_build(
    *,
    authority: CertificateAuthority,
    public_key: object,
    subject: HolderSubject,
    now: datetime | None = None,
) -> x509.Certificate:
    """Sign a client-authentication certificate for ``public_key`` naming ``subject``.

    Valid from a few minutes ago (clock drift) for ``SHEBAO_CA_CERT_DAYS`` days, never past the
    CA's own expiry.
    """
    now = now or timezone.now()
    ca_cert = authority_certificate(authority)
    ca_key = authority_private_key(authority)
    not_after = min(now + timedelta(days=cert_days()), ca_cert.not_valid_after_utc)
    return (
        x509.CertificateBuilder()
        .subject_name(subject.x509_name())
        .issuer_name(ca_cert.subject)
        .public_key(public_key)  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(public_key),  # type: ignore[arg-type]
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )


# id-kp-documentSigning (RFC 9336): the key signs documents, and nothing else.
DOCUMENT_SIGNING_OID = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")


def document_signing_certificate_build(
    *,
    authority: CertificateAuthority,
    public_key: object,
    name: str,
    days: int,
    now: datetime | None = None,
) -> x509.Certificate:
    """Certify the agency's own document-signing key (the signature on the certificates and
    records the hall issues as PDF files): key usage digitalSignature and nonRepudiation
    (critical), extended key usage documentSigning, not a CA, never past the CA's expiry."""
    now = now or timezone.now()
    ca_cert = authority_certificate(authority)
    ca_key = authority_private_key(authority)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, settings.SHEBAO_AGENCY_NAME),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ]
    )
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(public_key)  # type: ignore[arg-type]
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(min(now + timedelta(days=days), ca_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([DOCUMENT_SIGNING_OID]), critical=False)
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(public_key),  # type: ignore[arg-type]
            critical=False,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )


def certificate_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


# ---------------------------------------------------------------------------------------------
# Sign-in checks


def certificate_parse(data: str | bytes, *, field: str = "certificate") -> x509.Certificate:
    """A PEM (or DER) certificate, or a clear refusal."""
    raw = _pem_bytes(data, field=field, what="证书", code="CA_CERT_MALFORMED")
    try:
        if raw.startswith(b"-----BEGIN"):
            return x509.load_pem_x509_certificate(raw)
        return x509.load_der_x509_certificate(raw)
    except ValueError:
        raise InvalidInput(
            "无法识别证书：请选择或粘贴本单位下载的证书文件（如 mycert.pem）的全部内容",
            code="CA_CERT_MALFORMED",
            field=field,
        ) from None


def certificate_authority_of(cert: x509.Certificate) -> CertificateAuthority:
    """The active agency CA that issued ``cert`` (issuer name and signature checked)."""
    for authority in CertificateAuthority.objects.filter(status=CertificateAuthority.Status.ACTIVE):
        try:
            cert.verify_directly_issued_by(authority_certificate(authority))
        except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
            continue
        return authority
    raise Unauthenticated(
        "该证书不是本经办机构签发的，无法用于登录", code="CA_CERT_UNTRUSTED", field="certificate"
    )


def signature_decode(text: str) -> bytes:
    cleaned = "".join((text or "").split())
    if not cleaned:
        raise InvalidInput(
            "请粘贴“证书助手”输出的签名", code="CA_SIGNATURE_MALFORMED", field="signature"
        )
    try:
        signature = base64.b64decode(cleaned, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidInput(
            "签名格式不正确：请完整复制“证书助手”sign 命令输出的一行签名",
            code="CA_SIGNATURE_MALFORMED",
            field="signature",
        ) from None
    if not signature or len(signature) > 1024:
        raise InvalidInput(
            "签名格式不正确：请完整复制“证书助手”sign 命令输出的一行签名",
            code="CA_SIGNATURE_MALFORMED",
            field="signature",
        )
    return signature


def login_message(challenge: str) -> bytes:
    """The exact bytes a holder signs to sign in with ``challenge``."""
    return LOGIN_SIGNATURE_PREFIX + challenge.encode("ascii")


def signature_valid(public_key: object, *, challenge: str, signature: bytes) -> bool:
    """Whether ``signature`` is the key's SHA-256 signature over :func:`login_message`."""
    message = login_message(challenge)
    try:
        if isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, message, ec.ECDSA(hashes.SHA256()))
        elif isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
        else:
            return False
    except InvalidSignature:
        return False
    return True
