"""The demo's appointments: a week of bookable slots at Jilin's service office from today, 张伟's
online booking of the unemployment desk, and a telephone appointment the desk entered for a
caller (电话约办). Idempotent: a second load opens no slot twice and books nothing twice."""

from __future__ import annotations

from datetime import date

from shebao.accounts.actors import actor_for
from shebao.accounts.models import User
from shebao.appointments.models import Appointment, Slot
from shebao.appointments.services import appointment_book, slots_open
from shebao.common.workcalendar import is_workday
from shebao.registry.directory import office_get
from shebao.registry.models import Person

OFFICE = "jl-fusui"
WEEK = 7


def _first_slot(day: date, department: str, index: int) -> Slot | None:
    rows = Slot.objects.filter(office=OFFICE, department_id=department, day=day)
    return rows.order_by("starts_at")[index : index + 1].first()


def appointments_demo(*, today: date, booker_id_number: str, caller_id_number: str) -> int:
    """Open the week's slots and make the two demo bookings; returns the slots open."""
    office = office_get(OFFICE)
    assert office is not None, OFFICE
    opened = slots_open(office=office, start=today, days=WEEK)
    days = sorted({d for d in Slot.objects.filter(day__gt=today).values_list("day", flat=True)})
    days = [d for d in days if is_workday(d)]
    if len(days) < 2:
        return opened
    booker = Person.objects.get(id_number=booker_id_number)
    if not Appointment.objects.filter(person=booker, status=Appointment.Status.BOOKED).exists():
        user = User.objects.get(person=booker, kind=User.Kind.INDIVIDUAL)
        slot = _first_slot(days[1], "unemployment", 2)
        if slot is not None:
            appointment_book(
                actor=actor_for(user, "individual"), slot=slot.pk, matter="失业保险金申领"
            )
    caller = Person.objects.get(id_number=caller_id_number)
    if not Appointment.objects.filter(person=caller, status=Appointment.Status.BOOKED).exists():
        desk = actor_for(User.objects.get(username="jl-sy-01"), "staff")
        slot = _first_slot(days[0], "unemployment", 0)
        if slot is not None:
            appointment_book(
                actor=desk,
                slot=slot.pk,
                id_number=caller.id_number,
                mobile=caller.mobile or "13943110099",
                matter="失业保险金申领（来电预约）",
            )
    return opened
