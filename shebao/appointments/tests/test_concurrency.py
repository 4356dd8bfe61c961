"""No slot is ever overbooked and no person holds two bookings, under real concurrent requests:
threads with their own database connections, released at once, on SQLite (a file copy of the
test database, with the deployment's IMMEDIATE transactions) and on PostgreSQL (row locks and
the conditional UPDATE of the slot's counter)."""

from __future__ import annotations

import pytest

from shebao.appointments import services
from shebao.appointments.models import Appointment, AppointmentEvent, Slot
from shebao.common.errors import DomainError
from shebao.payments.tests.test_online import parallel_database, run_parallel  # noqa: F401
from shebao.testing import act, make_individual

BOOKERS = 12


@pytest.mark.django_db(transaction=True)
def test_a_slot_takes_exactly_its_capacity_however_many_book_at_once(world, request):
    slot = world.slot()
    actors = [act(make_individual(name=f"抢号{i}")) for i in range(BOOKERS)]
    on_db = request.getfixturevalue("parallel_database")

    results = run_parallel(
        lambda i: services.appointment_book(actor=actors[i], slot=slot.pk), BOOKERS
    )

    booked = [r for r in results if isinstance(r, Appointment)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(booked) == slot.capacity == 4
    assert len(refused) == BOOKERS - 4, [
        r for r in results if not isinstance(r, (Appointment, DomainError))
    ]
    assert {r.code for r in refused} == {"SLOT_FULL"}
    assert on_db(lambda: Slot.objects.get(pk=slot.pk).booked) == 4
    assert on_db(lambda: Appointment.objects.filter(slot_id=slot.pk).count()) == 4
    assert on_db(lambda: AppointmentEvent.objects.count()) == 4


@pytest.mark.django_db(transaction=True)
def test_one_person_booking_several_slots_at_once_gets_one(world, request):
    actor = act(world.a)
    slots = [world.slot(index=i).pk for i in range(6)]
    on_db = request.getfixturevalue("parallel_database")

    results = run_parallel(lambda i: services.appointment_book(actor=actor, slot=slots[i]), 6)

    booked = [r for r in results if isinstance(r, Appointment)]
    assert len(booked) == 1, results
    assert {r.code for r in results if isinstance(r, DomainError)} == {"APPOINTMENT_ALREADY_BOOKED"}
    assert on_db(lambda: Appointment.objects.count()) == 1
    assert on_db(lambda: sum(Slot.objects.values_list("booked", flat=True))) == 1


@pytest.mark.django_db(transaction=True)
def test_cancelling_and_booking_at_once_never_loses_a_place(world, request):
    slot = world.slot()
    holders = [act(make_individual(name=f"持号{i}")) for i in range(4)]
    held = [services.appointment_book(actor=a, slot=slot.pk) for a in holders]
    newcomers = [act(make_individual(name=f"新号{i}")) for i in range(4)]
    on_db = request.getfixturevalue("parallel_database")

    def work(i: int):
        if i < 4:
            return services.appointment_cancel(actor=holders[i], appointment=held[i].pk)
        return services.appointment_book(actor=newcomers[i - 4], slot=slot.pk)

    results = run_parallel(work, 8)

    assert all(not isinstance(r, Exception) or isinstance(r, DomainError) for r in results)
    live = on_db(lambda: Appointment.objects.filter(slot_id=slot.pk, status="booked").count())
    assert on_db(lambda: Slot.objects.get(pk=slot.pk).booked) == live
    assert live <= 4
