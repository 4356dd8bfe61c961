"""Reads of appointments: the public slot list, a person's own bookings, and a desk's day list
for the staff who keep it. An appointment out of the actor's reach is NotFound."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.utils import timezone

from shebao.appointments.access import staff_desks, staff_handles, unit_may_book
from shebao.appointments.models import Appointment, Slot
from shebao.common.errors import InvalidInput, NotFound
from shebao.common.workcalendar import HOLIDAY_LABELS, holiday_name, is_workday
from shebao.policy.selectors import param, param_or_none, policy_memo
from shebao.registry.directory import (
    Contact,
    Office,
    RegionDirectory,
    directory_for,
    office_get,
    offices,
)
from shebao.registry.models import Department, Region

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor


@dataclass(frozen=True)
class SlotView:
    slot: Slot
    left: int  # places still bookable now (0 once the slot has begun)


def department_get(code: str) -> Department:
    found = Department.objects.filter(code=code).first() if code else None
    if found is None:
        raise NotFound("未找到该业务部门", code="DEPARTMENT_NOT_FOUND")
    return found


def bookable_departments() -> list[Department]:
    """Departments some office takes appointments for, in the agency's order."""
    codes = {d for office in offices() for d in office.departments}
    return list(Department.objects.filter(code__in=codes).order_by("sort_order", "code"))


def closed_reason(day: date) -> str | None:
    """Why no appointments are kept on ``day`` (a weekend, a statutory holiday), or None."""
    if is_workday(day):
        return None
    name = holiday_name(day)
    if name:
        return f"{day:%Y年%m月%d日}为{HOLIDAY_LABELS.get(name, name)}假期，不办理预约业务"
    return f"{day:%Y年%m月%d日}为休息日，不办理预约业务"


def slots_for(*, department: str, day: date, office: str = "") -> list[SlotView]:
    """The slots of ``department`` on ``day`` (at ``office`` when given), with the places left.
    A closed day is refused (``DAY_CLOSED``); public."""
    found = department_get(department)
    reason = closed_reason(day)
    if reason:
        raise InvalidInput(reason, code="DAY_CLOSED", field="date")
    rows = Slot.objects.filter(department=found, day=day).order_by("starts_at", "office")
    if office:
        rows = rows.filter(office=office)
    now = timezone.now()
    return [SlotView(slot, 0 if slot.starts_at <= now else slot.left) for slot in rows]


def booking_days(*, region: str, today: date | None = None) -> list[date]:
    """The working days a person may book: from tomorrow over the horizon."""
    today = today or timezone.localdate()
    horizon = param(region=region, key="appointments.booking_days", on=today).value
    days = (today + timedelta(days=n) for n in range(1, horizon + 1))
    return [d for d in days if is_workday(d)]


def appointments_of(*, actor: Actor) -> QuerySet[Appointment]:
    """The actor's own bookings, newest slot first: an individual's for their own business; a
    unit's, for a user of the unit who may book (by whichever of its users); none otherwise."""
    if actor.is_unit and unit_may_book(actor):
        rows = Appointment.objects.filter(unit=actor.unit)
    elif actor.is_individual and actor.person is not None:
        rows = Appointment.objects.filter(person=actor.person, unit__isnull=True)
    else:
        return Appointment.objects.none()
    return rows.select_related("slot", "slot__department", "person").order_by(
        "-slot__starts_at", "-id"
    )


def appointment_for(*, actor: Actor, pk: int) -> Appointment:
    found = (
        Appointment.objects.select_related("slot", "slot__department", "person")
        .filter(pk=pk)
        .first()
    )
    if found is not None:
        if (
            actor.is_individual
            and actor.person is not None
            and found.person_id == actor.person.pk
            and found.unit_id is None
        ):
            return found
        if actor.is_unit and found.unit_id == actor.unit.pk and unit_may_book(actor):  # type: ignore[union-attr]
            return found
        office = office_get(found.slot.office)
        if office and staff_handles(actor, office=office, department=found.slot.department_id):
            return found
    raise NotFound("未找到该预约", code="APPOINTMENT_NOT_FOUND")


def desks(*, actor: Actor) -> list[tuple[Office, Department]]:
    names = {d.code: d for d in Department.objects.all()}
    return [(office, names[code]) for office, code in staff_desks(actor) if code in names]


def day_list(*, actor: Actor, office: Office, department: str, day: date) -> QuerySet[Appointment]:
    """A desk's bookings of ``day`` (live, marked and cancelled) for the staff who keep it."""
    if not staff_handles(actor, office=office, department=department):
        return Appointment.objects.none()
    return (
        Appointment.objects.filter(
            slot__office=office.code, slot__department_id=department, slot__day=day
        )
        .select_related("slot", "person", "unit")
        .order_by("slot__starts_at", "id")
    )


def day_slots(*, actor: Actor, office: Office, department: str, day: date) -> list[SlotView]:
    if not staff_handles(actor, office=office, department=department):
        return []
    now = timezone.now()
    rows = Slot.objects.filter(office=office.code, department_id=department, day=day)
    return [SlotView(s, 0 if s.starts_at <= now else s.left) for s in rows.order_by("starts_at")]


@dataclass(frozen=True)
class Consultation:
    """Where a person asks for help in a region (seed 000, 附件1): the consultation hotline, the
    sections' appointment telephones and online groups (``department``'s own when asked for one
    and the directory lists it), and the office hours from policy."""

    region_code: str
    region_name: str
    directory: RegionDirectory
    department: str  # the department whose contacts these are ("" for every section)
    contacts: list[Contact]
    hours: list[tuple[str, str]]  # (from, to) pairs of a working day, from policy
    hours_source: str


def consultation_for(*, region: Region | None, department: str = "") -> Consultation | None:
    """The consultation directory of ``region`` (its city's), narrowed to ``department``'s
    sections when it lists any; None where no directory is published."""
    if region is None:
        return None
    today = timezone.localdate()
    # Shown on the home page and every guide: the same all day while policy is unchanged.
    return policy_memo(
        ("consultation_for", region.code, region.name, department, today),
        lambda: _consultation(region, department, today),
    )


def _consultation(region: Region, department: str, today: date) -> Consultation | None:
    directory = directory_for(region.code)
    if directory is None:
        return None
    own = directory.contacts_of(department) if department else []
    hours = param_or_none(region=region.code, key="calendar.office_hours", on=today)
    return Consultation(
        region_code=region.code,
        region_name=region.name,
        directory=directory,
        department=department if own else "",
        contacts=own or list(directory.contacts),
        hours=[(str(pair[0]), str(pair[1])) for pair in hours.value] if hours else [],
        hours_source=hours.ref.source if hours else "",
    )
