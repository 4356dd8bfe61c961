"""Reads, scoped by the actor.

- a person reads their own certificates; a unit's readers (its managers and the operators
  granted a roster matter) the unit's;
- staff read those of persons and units of their districts;
- nobody else reads any (the public sees a certificate only through its verification code,
  masked: ``services.verify_by_code``).
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from shebao.accounts.actors import Actor
from shebao.certificates.models import Certificate
from shebao.common.errors import NotFound
from shebao.insurance import selectors as insurance_selectors
from shebao.registry.models import Person, Unit


def certificates_for(*, actor: Actor, unit: Unit | None = None) -> QuerySet[Certificate]:
    """The certificates the actor may read, newest first, without their files."""
    rows = Certificate.objects.select_related("replaced_by").defer("file", "replaced_by__file")
    if actor.is_individual and actor.person is not None:
        return rows.filter(person=actor.person)
    if actor.is_unit and actor.unit is not None:
        if insurance_selectors.may_read_unit(actor, actor.unit):
            return rows.filter(unit=actor.unit)
        return rows.none()
    if actor.is_staff:
        codes = actor.district_codes
        rows = rows.filter(Q(person__district_id__in=codes) | Q(unit__district_id__in=codes))
        return rows.filter(unit=unit) if unit is not None else rows
    return rows.none()


def certificate_for_reader(*, actor: Actor, number: str, with_file: bool = False) -> Certificate:
    rows = certificates_for(actor=actor)
    if with_file:
        rows = rows.defer(None).select_related("replaced_by").defer("replaced_by__file")
    certificate = rows.filter(number=str(number).strip().upper()).first()
    if certificate is None:
        raise NotFound("未找到该证明，或您无权查看", code="CERT_NOT_FOUND")
    return certificate


def person_holder(*, actor: Actor, id_number: str | None = None) -> Person:
    """The person a certificate is for: an individual's own record; for staff at the counter,
    a person of their districts."""
    return insurance_selectors.person_for_reader(actor=actor, id_number=id_number)


def unit_holder(*, actor: Actor, credit_code: str) -> Unit:
    """The unit a certificate is for: the unit's own readers; staff of its district."""
    return insurance_selectors.unit_for_reader(actor=actor, credit_code=credit_code)
