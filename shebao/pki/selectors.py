"""Reads, scoped by the actor.

- a unit's legal representative and administrators see every certificate and request of the
  unit; an operator only their own;
- staff see those of units in their districts;
- nobody else sees any.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from shebao.accounts.actors import Actor
from shebao.accounts.capabilities import Capability, districts_for
from shebao.common.errors import NotFound
from shebao.common.identifiers import credit_code_spelling, identifier_text
from shebao.pki.models import CaChallenge, CaSignInAttempt, CertificateRequest, UnitCertificate

STATUS_FILTERS = {
    "active": "有效",
    "expired": "已过期",
    "revoked": "已注销",
}


def _scope(qs: QuerySet, *, actor: Actor) -> QuerySet:
    if actor.is_staff:
        return qs.filter(unit__district_id__in=districts_for(actor, Capability.MANAGE_CA))
    if actor.is_unit and actor.unit is not None:
        qs = qs.filter(unit=actor.unit)
        return qs if actor.is_unit_manager else qs.filter(user=actor.user)
    return qs.none()


def certificates_for(
    *, actor: Actor, q: str = "", status: str = "", holder_only: bool = False
) -> QuerySet[UnitCertificate]:
    """Certificates the actor may see; ``holder_only`` keeps the actor's own."""
    qs = _scope(UnitCertificate.objects.select_related("unit", "user", "issued_by"), actor=actor)
    if holder_only:
        qs = qs.filter(user=actor.user)
    now = timezone.now()
    if status == "active":
        qs = qs.filter(status=UnitCertificate.Status.ACTIVE, not_after__gt=now)
    elif status == "expired":
        qs = qs.filter(status=UnitCertificate.Status.ACTIVE, not_after__lte=now)
    elif status == "revoked":
        qs = qs.filter(status=UnitCertificate.Status.REVOKED)
    text = identifier_text(q)
    if text:
        qs = qs.filter(
            Q(unit_name__icontains=text)
            | Q(credit_code=credit_code_spelling(text))
            | Q(holder_name=text)
            | Q(serial__istartswith=text)
        )
    return qs


def certificate_get(*, actor: Actor, certificate_id: int) -> UnitCertificate:
    certificate = certificates_for(actor=actor).filter(pk=certificate_id).first()
    if certificate is None:
        raise NotFound("未找到该证书，或您无权查看", code="CA_CERT_NOT_FOUND")
    return certificate


def requests_for(
    *, actor: Actor, status: str = "", holder_only: bool = False
) -> QuerySet[CertificateRequest]:
    qs = _scope(
        CertificateRequest.objects.select_related("unit", "user__person", "membership"),
        actor=actor,
    )
    if holder_only:
        qs = qs.filter(user=actor.user)
    if status:
        qs = qs.filter(status=status)
    return qs


def sign_in_attempts_for(
    *, actor: Actor, certificate: UnitCertificate, limit: int = 20
) -> QuerySet[CaSignInAttempt]:
    """Recent sign-ins with a certificate the actor may see (pass one from
    :func:`certificate_get`)."""
    certificate_get(actor=actor, certificate_id=certificate.pk)
    return CaSignInAttempt.objects.filter(certificate=certificate)[:limit]


def challenge_live(*, value: str, channel: str) -> CaChallenge | None:
    """The challenge if it can still be used (unused and unexpired)."""
    return CaChallenge.objects.filter(
        value=value, channel=channel, used_at__isnull=True, expires_at__gt=timezone.now()
    ).first()
