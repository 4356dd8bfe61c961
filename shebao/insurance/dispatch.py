"""劳务派遣用工调转: a dispatched worker moves from one client unit to another, without a month
uncovered and without a month covered twice.

Who pays, and where — decided from the sources:

- The dispatch agency (劳务派遣单位) is the worker's employer and bears the employer's duties
  (《劳动合同法》第五十八条), so it stays the payer of the worker's relations
  (``Relation.unit``) through every placement. The client unit (用工单位) only uses the worker.
- An agency dispatching across regions insures the worker *where the client unit is*, by that
  place's rules (《劳务派遣暂行规定》人社部令第22号 第十八条). The relation is therefore kept
  in the client's district (``Relation.district``), whose parameters the months are assessed by.
- Where the agency has a branch in that place, the branch does the formalities and pays; where
  it has none, the client unit does them and pays *on the agency's behalf* (第十九条). Either
  way the contribution is the agency's: the records keep the agency as the payer and name the
  client (``Relation.client_unit``). A branch registered as a unit of its own dispatches as
  that unit.

So a transfer in month M ends the agency's relations of the worker with M−1
(``EndReason.DISPATCH``) and opens the same insurances, scheme and category from M
(``StartReason.DISPATCH``), naming the new client and kept in its district — one transaction,
through the same services as every other change, so the invariant of
:mod:`shebao.insurance.services` holds and nothing is half-written on a refusal.

Only a unit holding a dispatch licence in force may dispatch (:class:`DispatchLicence`).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from shebao.accounts.capabilities import Capability, districts_for, staff_require
from shebao.common.errors import Conflict, InvalidInput
from shebao.common.periods import YearMonth
from shebao.insurance import services
from shebao.insurance.models import DispatchLicence, EndReason, Relation, StartReason
from shebao.registry.models import Person, Unit

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor
    from shebao.applications.models import Application


@transaction.atomic
def dispatch_licence_record(
    *,
    actor: Actor | None,
    unit: Unit,
    number: str,
    valid_from: date,
    valid_to: date,
    issued_by: str = "",
) -> DispatchLicence:
    """Record the unit's 劳务派遣经营许可证 as staff saw it (valid ``valid_from``–``valid_to``).
    Counter work: staff need the counter capability for the unit's district (``actor=None``: the
    system, loading data)."""
    if actor is not None:
        staff_require(actor, Capability.COUNTER, region=unit.district_id)
    number = number.strip()
    if not number:
        raise InvalidInput("请填写劳务派遣经营许可证编号", code="LICENCE_NUMBER_REQUIRED")
    if valid_to < valid_from:
        raise InvalidInput("许可证有效期的截止日期不能早于起始日期", code="INVALID_PERIOD")
    if DispatchLicence.objects.filter(unit=unit, number=number).exists():
        raise Conflict(f"该单位已登记许可证{number}", code="LICENCE_EXISTS")
    return DispatchLicence.objects.create(
        unit=unit,
        number=number,
        issued_by=issued_by.strip(),
        valid_from=valid_from,
        valid_to=valid_to,
        recorded_at=timezone.now(),
        recorded_by=actor.user if actor is not None else None,
    )


def dispatch_licences_for(*, actor: Actor, limit: int = 100) -> list[DispatchLicence]:
    """The dispatch licences recorded for the units of the districts where the staff member
    does counter work, latest first."""
    districts = districts_for(actor, Capability.COUNTER)
    return list(
        DispatchLicence.objects.filter(unit__district_id__in=districts)
        .select_related("unit", "recorded_by")
        .order_by("-recorded_at", "-pk")[:limit]
    )


def dispatch_licence_in_force(*, unit: Unit, on: date) -> DispatchLicence | None:
    """The unit's dispatch licence valid on ``on``, if it holds one."""
    return (
        DispatchLicence.objects.filter(unit=unit, valid_from__lte=on, valid_to__gte=on)
        .order_by("-valid_to")
        .first()
    )


def dispatch_licence_require(*, unit: Unit | None, on: date) -> DispatchLicence:
    """The unit's licence in force on ``on``; without one, the refusal a non-agency hears."""
    licence = dispatch_licence_in_force(unit=unit, on=on) if unit is not None else None
    if licence is None:
        raise InvalidInput(
            "本单位未登记有效的劳务派遣经营许可证，不能办理劳务派遣用工调转；"
            "请持《劳务派遣经营许可证》到经办机构登记",
            code="DISPATCH_NOT_LICENSED",
        )
    return licence


def dispatch_transfer_check(
    *, agency: Unit, person: Person, client: Unit, month: YearMonth, on: date
) -> list[Relation]:
    """The agency's relations of the worker that a transfer to ``client`` from ``month`` moves,
    or the refusal (:class:`InvalidInput`): the agency holds no licence on ``on``; the client
    is the agency itself or not active; the worker is not insured by the agency before
    ``month``, or their relations already have an end; the worker already serves ``client``."""
    dispatch_licence_require(unit=agency, on=on)
    if client.pk == agency.pk:
        raise InvalidInput(
            "新用工单位不能是本单位（劳务派遣单位）",
            code="DISPATCH_CLIENT_IS_AGENCY",
            field="user_unit_credit_code",
        )
    if client.status != Unit.Status.ACTIVE:
        raise InvalidInput(
            f"用工单位{client.name}的参保状态为“{client.get_status_display()}”，不能接收派遣人员",
            code="DISPATCH_CLIENT_INACTIVE",
            field="user_unit_credit_code",
        )
    held = list(
        Relation.objects.current()
        .filter(person=person, unit=agency, project__isnull=True)
        .filter(Q(end_month__isnull=True) | Q(end_month__gte=month - 1))
        .select_related("client_unit")
        .order_by("insurance")
    )
    if not held:
        raise InvalidInput(
            "该职工未在本单位参保，不能办理派遣调转；请先办理用人单位用工参保登记",
            code="DISPATCH_NOT_INSURED",
        )
    ending = next((r for r in held if r.end_month is not None), None)
    if ending is not None:
        raise InvalidInput(
            f"该职工在本单位的参保关系已登记至{ending.end_month.label()}终止，不能调转",
            code="DISPATCH_RELATION_ENDING",
        )
    late = next((r for r in held if r.start_month >= month), None)
    if late is not None:
        raise InvalidInput(
            f"该职工自{late.start_month.label()}起才在本单位参保，调转年月应晚于参保起始年月；"
            "如用工单位登记有误，请办理人员变更回退后重新登记",
            code="DISPATCH_BEFORE_START",
            field="transfer_month",
        )
    if all(r.client_unit_id == client.pk for r in held):
        raise InvalidInput(f"该职工已在{client.name}用工，无需调转", code="DISPATCH_SAME_CLIENT")
    return held


@transaction.atomic
def dispatch_transfer(
    *,
    actor: Actor | None,
    agency: Unit,
    person: Person,
    client: Unit,
    month: YearMonth,
    on: date | None = None,
    application: Application | None = None,
) -> list[Relation]:
    """Move the dispatched worker to ``client`` from ``month``: the agency's relations end with
    the month before and the same insurances start in ``month``, kept in the client's district.
    Returns the new relations. Checked again under the person's lock; a refusal writes nothing.
    """
    services.persons_lock([person.pk])
    held = dispatch_transfer_check(
        agency=agency, person=person, client=client, month=month, on=on or timezone.localdate()
    )
    note = f"派遣至{client.name}"[:200]
    services.relations_close(
        actor=actor,
        closings=[
            services.Closing(
                person=person,
                stop_month=month,
                reason=EndReason.DISPATCH,
                insurances=tuple(r.insurance for r in held),
                note=note,
            )
        ],
        unit=agency,
        application=application,
    )
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for relation in held:
        groups[(relation.scheme, relation.category)].append(relation.insurance)
    opened: list[Relation] = []
    for (scheme, category), insurances in sorted(groups.items()):
        opened.extend(
            services.relations_open(
                actor=actor,
                openings=[
                    services.Opening(
                        person=person,
                        insurances=tuple(insurances),
                        start_month=month,
                        scheme=scheme,
                        category=category,
                        reason=StartReason.DISPATCH,
                        note=note,
                        client_unit=client,
                    )
                ],
                unit=agency,
                district=client.district,
                application=application,
            )
        )
    return opened
