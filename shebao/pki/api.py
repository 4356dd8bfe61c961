"""Certificate sign-in for apps and the ``shebao-ukey`` client: challenge, then token.

1. ``POST /api/v1/auth/ca/challenge`` → ``{"challenge", "expires_at"}``;
2. sign ``"shebao-ca-login:v1:" + challenge`` with the certificate's private key (ECDSA with
   SHA-256, DER signature; or RSA PKCS#1 v1.5 with SHA-256), base64;
3. ``POST /api/v1/auth/ca/token`` with the certificate (PEM), the challenge and the signature →
   ``{"token", "context", "expires_at"}``; use the token as ``Authorization: Bearer <token>``.
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from shebao.common.limits import client_ip
from shebao.common.schemas import ErrorOut
from shebao.pki import services
from shebao.pki.models import CaChallenge

router = Router(tags=["CA证书登录"])


class ChallengeOut(Schema):
    challenge: str
    expires_at: datetime


class CaTokenIn(Schema):
    certificate: str
    challenge: str
    signature: str


class CaTokenOut(Schema):
    token: str
    context: str
    expires_at: datetime


@router.post(
    "/challenge",
    response={200: ChallengeOut, 429: ErrorOut},
    auth=None,
    summary="获取登录挑战码",
)
def challenge(request: HttpRequest) -> dict:
    """A single-use challenge, valid for a few minutes (see ``expires_at``). 429
    ``RATE_LIMITED`` when one client address asks for too many (``Retry-After``)."""
    issued = services.challenge_issue(channel=CaChallenge.Channel.API, ip=client_ip(request))
    return {"challenge": issued.value, "expires_at": issued.expires_at}


@router.post(
    "/token",
    response={200: CaTokenOut, 401: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    auth=None,
    summary="用证书签名换取令牌",
)
def token(request: HttpRequest, payload: CaTokenIn) -> dict:
    """Refusals: 401 with ``CA_CERT_UNTRUSTED``, ``CA_CERT_UNKNOWN``, ``CA_CERT_REVOKED``,
    ``CA_CERT_EXPIRED``, ``CA_CERT_NOT_YET_VALID``, ``CA_CERT_UNIT_MISMATCH``,
    ``CA_USER_INACTIVE``, ``CA_MEMBERSHIP_REVOKED``, ``CA_CHALLENGE_UNKNOWN``,
    ``CA_CHALLENGE_USED``, ``CA_CHALLENGE_EXPIRED``, ``CA_SIGNATURE_INVALID``; 422 with
    ``CA_CERT_MALFORMED`` or ``CA_SIGNATURE_MALFORMED``; 429 ``RATE_LIMITED`` after too many
    failed sign-ins from one client address."""
    issued = services.ca_token_issue(
        certificate_pem=payload.certificate,
        challenge=payload.challenge,
        signature=payload.signature,
        ip=client_ip(request),
        user_agent=request.headers.get("User-Agent", ""),
    )
    return {"token": issued.token, "context": issued.context, "expires_at": issued.expires_at}
