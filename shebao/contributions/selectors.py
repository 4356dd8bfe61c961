"""Reads of bases, assessments and bills, scoped by the actor (DESIGN principle 6).

- a unit's legal representative and administrators read the unit's bases and bills; an
  operator reads them when granted one of the contribution matters (``CONTRIBUTION_MATTERS``);
- a self-paying person reads their own bills;
- agency staff read the units and persons of their districts.

Anything out of scope is ``NotFound``, never ``PermissionDenied``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Q

from shebao.common.errors import NotFound
from shebao.common.identifiers import normalize_credit_code
from shebao.common.money import from_fen
from shebao.common.periods import YearMonth
from shebao.contributions.models import ContributionBase
from shebao.insurance.models import Relation
from shebao.registry.models import Unit

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor

# The unit matters whose operators may read the unit's bases and bills.
CONTRIBUTION_MATTERS = ("unit.base_declare", "unit.contribution_assess", "unit.bill_pay")


def may_read_unit(actor: Actor, unit: Unit) -> bool:
    """Whether the actor may read the unit's bases and bills."""
    if actor.is_unit and actor.unit is not None and actor.unit.pk == unit.pk:
        if actor.is_unit_manager:
            return True
        from shebao.catalogue.models import Matter

        return Matter.objects.filter(
            pk__in=actor.granted_matter_ids, code__in=CONTRIBUTION_MATTERS
        ).exists()
    if actor.is_staff:
        return unit.district_id in actor.district_codes
    return False


def unit_for_reader(*, actor: Actor, credit_code: str) -> Unit:
    """The unit by credit code, if the actor may read its contributions; else NotFound."""
    code = normalize_credit_code(credit_code)
    unit = Unit.objects.select_related("district").filter(credit_code=code).first()
    if unit is None or not may_read_unit(actor, unit):
        raise NotFound("未找到该单位", code="UNIT_NOT_FOUND")
    return unit


# --- bases ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffBase:
    """An employee of the unit in a month, with the declaration in force (if any)."""

    person_id: int
    id_number: str
    name: str
    wage_fen: int | None  # the declared wage in force; None: never declared with the unit
    declared_from: YearMonth | None

    @property
    def wage(self) -> Decimal | None:
        return None if self.wage_fen is None else from_fen(self.wage_fen)


def base_in_force(*, unit_id: int, person_id: int, month: YearMonth) -> ContributionBase | None:
    """The declaration of the employee with the unit in force in ``month`` (not scoped)."""
    return (
        ContributionBase.objects.filter(
            unit_id=unit_id, person_id=person_id, superseded_at__isnull=True, valid_from__lte=month
        )
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=month))
        .order_by("-valid_from")
        .first()
    )


def unit_staff_bases(*, actor: Actor, unit: Unit, month: YearMonth) -> list[StaffBase]:
    """The unit's employees insured with it in ``month`` (any insurance), by name, each with
    the declaration in force. Two queries whatever the unit's size."""
    if not may_read_unit(actor, unit):
        raise NotFound("未找到该单位", code="UNIT_NOT_FOUND")
    people = (
        Relation.objects.current()
        .covering(month)
        .filter(unit=unit)
        .values_list("person_id", "person__id_number", "person__name")
        .distinct()
        .order_by("person__name", "person_id")
    )
    rows = list(people)
    declared = {
        b.person_id: b
        for b in ContributionBase.objects.filter(
            unit=unit, superseded_at__isnull=True, valid_from__lte=month
        ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=month))
    }
    return [
        StaffBase(
            person_id=pid,
            id_number=id_number,
            name=name,
            wage_fen=declared[pid].wage_fen if pid in declared else None,
            declared_from=declared[pid].valid_from if pid in declared else None,
        )
        for pid, id_number, name in rows
    ]
