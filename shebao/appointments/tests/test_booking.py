"""Booking, cancelling and marking appointments through the services, and the slots built from
the office hours in policy."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from shebao.appointments import selectors, services
from shebao.appointments.models import Appointment, AppointmentEvent, Slot
from shebao.appointments.tests.conftest import OFFICE, next_workdays
from shebao.common.errors import DomainError
from shebao.notifications.models import Notification, OutboundMessage
from shebao.testing import act, staff_actor

pytestmark = pytest.mark.django_db


def _state() -> tuple:
    return (
        list(Slot.objects.order_by("pk").values_list("pk", "booked")),
        Appointment.objects.count(),
        AppointmentEvent.objects.count(),
        OutboundMessage.objects.count(),
        Notification.objects.count(),
    )


def _refused(work) -> DomainError:
    before = _state()
    with pytest.raises(DomainError) as refused:
        work()
    assert _state() == before
    return refused.value


def test_slots_follow_jilins_office_hours_in_half_hours(world):
    # given the office hours of seed 000 (8:30–11:30 and 13:30–17:00) and 30-minute slots
    views = selectors.slots_for(department="unemployment", day=world.day)
    # then: six morning and seven afternoon slots of four places each
    times = [f"{timezone.localtime(v.slot.starts_at):%H:%M}" for v in views]
    assert times == [
        "08:30", "09:00", "09:30", "10:00", "10:30", "11:00",
        "13:30", "14:00", "14:30", "15:00", "15:30", "16:00", "16:30",
    ]  # fmt: skip
    assert f"{timezone.localtime(views[-1].slot.ends_at):%H:%M}" == "17:00"
    assert {(v.slot.capacity, v.left) for v in views} == {(4, 4)}


def test_opening_slots_again_changes_nothing(world):
    booked = services.appointment_book(actor=act(world.a), slot=world.slot().pk)
    count = Slot.objects.count()
    # the same range the world opened (from the next working day to the one after it)
    services.slots_open(
        office=world.office, start=world.day, days=(world.later - world.day).days + 1
    )
    assert Slot.objects.count() == count
    assert Slot.objects.get(pk=booked.slot_id).booked == 1


def test_no_slots_open_on_a_weekend(world):
    saturday = world.day + timedelta(days=(5 - world.day.weekday()) % 7)
    from shebao.common.workcalendar import is_workday

    if is_workday(saturday):  # a makeup working Saturday: take the Sunday
        saturday += timedelta(days=1)
    services.slots_open(office=world.office, start=saturday, days=1)
    assert not Slot.objects.filter(day=saturday).exists()
    with pytest.raises(DomainError) as refused:
        selectors.slots_for(department="unemployment", day=saturday)
    assert refused.value.code == "DAY_CLOSED"


def test_a_person_books_a_slot_and_it_has_one_place_less(world):
    slot = world.slot()
    appointment = services.appointment_book(actor=act(world.a), slot=slot.pk, matter="失业金")
    assert appointment.status == Appointment.Status.BOOKED
    assert appointment.channel == Appointment.Channel.ONLINE
    assert appointment.mobile == world.a.person.mobile
    assert Slot.objects.get(pk=slot.pk).booked == 1
    assert [e.action for e in appointment.events.all()] == ["book"]
    assert Notification.objects.filter(recipient=world.a, title="预约成功").count() == 1


def test_a_full_slot_is_refused_and_nothing_written(world):
    slot = world.slot()
    Slot.objects.filter(pk=slot.pk).update(booked=slot.capacity)
    refused = _refused(lambda: services.appointment_book(actor=act(world.a), slot=slot.pk))
    assert refused.code == "SLOT_FULL"
    assert refused.message == "该时段已约满，请选择其他时段"


def test_a_double_click_on_the_slot_it_filled_is_told_it_is_booked_not_full(world):
    slot = world.slot()
    Slot.objects.filter(pk=slot.pk).update(booked=slot.capacity - 1)
    first = services.appointment_book(actor=act(world.a), slot=slot.pk)
    assert Slot.objects.get(pk=slot.pk).booked == slot.capacity
    refused = _refused(lambda: services.appointment_book(actor=act(world.a), slot=slot.pk))
    assert (refused.code, refused.details) == (
        "APPOINTMENT_ALREADY_BOOKED",
        {"appointment": first.pk},
    )
    # another person is told the slot is full
    refused = _refused(lambda: services.appointment_book(actor=act(world.b), slot=slot.pk))
    assert refused.code == "SLOT_FULL"


def test_a_slot_in_the_past_is_refused(world):
    slot = world.slot()
    past = timezone.now() - timedelta(hours=2)
    Slot.objects.filter(pk=slot.pk).update(starts_at=past, ends_at=past + timedelta(minutes=30))
    refused = _refused(lambda: services.appointment_book(actor=act(world.a), slot=slot.pk))
    assert refused.code == "SLOT_PAST"


def test_a_slot_on_a_day_that_became_closed_is_refused(world):
    # given a slot whose day is no longer a working day (a Sunday, as if the calendar changed)
    slot = world.slot()
    sunday = world.day + timedelta(days=(6 - world.day.weekday()) % 7 or 7)
    from shebao.common.workcalendar import is_workday

    if is_workday(sunday):
        sunday += timedelta(days=7)
    Slot.objects.filter(pk=slot.pk).update(day=sunday)
    refused = _refused(lambda: services.appointment_book(actor=act(world.a), slot=slot.pk))
    assert refused.code == "DAY_CLOSED"


def test_a_second_live_booking_by_one_person_is_refused(world):
    first = services.appointment_book(actor=act(world.a), slot=world.slot().pk)
    refused = _refused(
        lambda: services.appointment_book(actor=act(world.a), slot=world.slot(index=3).pk)
    )
    assert refused.code == "APPOINTMENT_ALREADY_BOOKED"
    assert refused.details == {"appointment": first.pk}
    # the same slot twice (a double click) is refused the same way
    refused = _refused(lambda: services.appointment_book(actor=act(world.a), slot=first.slot_id))
    assert refused.code == "APPOINTMENT_ALREADY_BOOKED"


def test_after_cancelling_the_person_may_book_again_and_the_place_returns(world):
    slot = world.slot()
    first = services.appointment_book(actor=act(world.a), slot=slot.pk)
    cancelled = services.appointment_cancel(actor=act(world.a), appointment=first.pk)
    assert cancelled.status == Appointment.Status.CANCELLED
    assert Slot.objects.get(pk=slot.pk).booked == 0
    again = services.appointment_book(actor=act(world.a), slot=slot.pk)
    assert again.pk != first.pk
    assert Slot.objects.get(pk=slot.pk).booked == 1


def test_another_persons_booking_cannot_be_cancelled(world):
    booked = services.appointment_book(actor=act(world.a), slot=world.slot().pk)
    refused = _refused(
        lambda: services.appointment_cancel(actor=act(world.b), appointment=booked.pk)
    )
    assert refused.code == "APPOINTMENT_NOT_FOUND"
    refused = _refused(
        lambda: services.appointment_cancel(actor=staff_actor(world.other), appointment=booked.pk)
    )
    assert refused.code == "APPOINTMENT_NOT_FOUND"


def test_a_cancelled_booking_cannot_be_cancelled_twice(world):
    booked = services.appointment_book(actor=act(world.a), slot=world.slot().pk)
    services.appointment_cancel(actor=act(world.a), appointment=booked.pk)
    refused = _refused(
        lambda: services.appointment_cancel(actor=act(world.a), appointment=booked.pk)
    )
    assert refused.code == "APPOINTMENT_NOT_LIVE"


def test_staff_enter_a_telephone_appointment_and_the_caller_gets_an_sms(world):
    desk = staff_actor(world.desk)
    booked = services.appointment_book(
        actor=desk,
        slot=world.slot().pk,
        id_number=world.b.person.id_number,
        mobile="13943119999",
        matter="失业保险金申领",
    )
    assert booked.channel == Appointment.Channel.PHONE
    assert booked.person == world.b.person
    assert booked.booked_by == world.desk
    sms = OutboundMessage.objects.get(to="13943119999")
    assert sms.body.startswith(
        "【社保经办】您已电话预约吉林市社会保险事业管理局经办服务大厅 失业保险"
    )
    assert f"预约号 {booked.pk}" in sms.body


def test_staff_without_the_desk_cannot_enter_a_telephone_appointment(world):
    refused = _refused(
        lambda: services.appointment_book(
            actor=staff_actor(world.other),
            slot=world.slot().pk,
            id_number=world.b.person.id_number,
            mobile="13943119999",
        )
    )
    assert refused.code == "CAPABILITY_REQUIRED"


def test_a_telephone_appointment_for_an_unknown_caller_is_refused(world):
    from shebao.testing import id_number

    refused = _refused(
        lambda: services.appointment_book(
            actor=staff_actor(world.desk),
            slot=world.slot().pk,
            id_number=id_number(),
            mobile="13943119999",
        )
    )
    assert refused.code == "PERSON_NOT_FOUND"


def test_a_unit_manager_books_for_the_unit_and_the_units_users_see_it(world):
    from shebao.testing import make_member, make_unit, unit_actor

    unit = make_unit(name="吉林市松花江纺织有限公司")
    admin = make_member(unit, "admin")
    legal = make_member(unit, "legal_rep")
    slot = world.slot()

    booked = services.appointment_book(
        actor=unit_actor(admin, unit), slot=slot.pk, matter="单位参保登记信息变更"
    )

    # the booking is the unit's, attended by the administrator in person
    assert (booked.unit, booked.person, booked.channel) == (unit, admin.person, "online")
    assert (Slot.objects.get(pk=slot.pk).booked, booked.mobile) == (1, admin.person.mobile)
    told = Notification.objects.get(recipient=admin)
    assert told.context == f"unit:{unit.pk}" and "代吉林市松花江纺织有限公司办理" in told.body
    # the unit's other manager sees it; as individuals neither does, nor another unit
    assert list(selectors.appointments_of(actor=unit_actor(legal, unit))) == [booked]
    assert list(selectors.appointments_of(actor=act(admin))) == []
    other = make_unit(name="吉林市另一有限公司")
    stranger = make_member(other, "admin", name="外单位管理员")
    assert list(selectors.appointments_of(actor=unit_actor(stranger, other))) == []
    # a second booking for the unit by the same person is refused; their own business is not
    refused = _refused(
        lambda: services.appointment_book(
            actor=unit_actor(admin, unit), slot=world.slot(index=1).pk
        )
    )
    assert refused.code == "APPOINTMENT_ALREADY_BOOKED"
    assert "为本单位同一时间只能有一个预约" in refused.message
    own = services.appointment_book(actor=act(admin), slot=world.slot(index=3).pk)
    assert own.unit is None
    # another unit's manager and the person as an individual cannot cancel it; the co-manager can
    for outsider in (unit_actor(stranger, other), act(admin)):
        assert (
            _refused(
                lambda o=outsider: services.appointment_cancel(actor=o, appointment=booked.pk)
            ).code
            == "APPOINTMENT_NOT_FOUND"
        )
    services.appointment_cancel(actor=unit_actor(legal, unit), appointment=booked.pk)
    booked.refresh_from_db()
    assert booked.status == "cancelled" and Slot.objects.get(pk=slot.pk).booked == 0


def test_a_unit_operator_books_only_with_the_grant_of_the_matter(world):
    from shebao.catalogue.models import Matter
    from shebao.catalogue.services import catalogue_load
    from shebao.testing import make_member, make_unit, unit_actor

    catalogue_load()
    unit = make_unit()
    bare = make_member(unit, "operator", name="经办人甲")
    granted = make_member(
        unit, "operator", name="经办人乙", grants=[Matter.objects.get(code="both.appointment")]
    )

    refused = _refused(
        lambda: services.appointment_book(actor=unit_actor(bare, unit), slot=world.slot().pk)
    )
    assert refused.code == "MATTER_NOT_GRANTED"
    assert list(selectors.appointments_of(actor=unit_actor(bare, unit))) == []

    booked = services.appointment_book(actor=unit_actor(granted, unit), slot=world.slot().pk)
    assert (booked.unit, booked.person) == (unit, granted.person)
    assert (
        _refused(
            lambda: services.appointment_cancel(actor=unit_actor(bare, unit), appointment=booked.pk)
        ).code
        == "APPOINTMENT_NOT_FOUND"
    )


def test_the_desk_marks_arrival_and_no_show_on_the_day_only(world):
    first = services.appointment_book(actor=act(world.a), slot=world.slot().pk)
    second = services.appointment_book(actor=act(world.b), slot=world.slot().pk)
    desk = staff_actor(world.desk)
    refused = _refused(
        lambda: services.appointment_mark(actor=desk, appointment=first.pk, arrived=True)
    )
    assert refused.code == "APPOINTMENT_NOT_DUE"
    # when the day comes (the slot moved to this morning)
    today = timezone.localdate()
    Slot.objects.filter(pk=first.slot_id).update(day=today)
    arrived = services.appointment_mark(actor=desk, appointment=first.pk, arrived=True)
    missed = services.appointment_mark(actor=desk, appointment=second.pk, arrived=False)
    assert (arrived.status, missed.status) == ("arrived", "no_show")
    assert arrived.marked_by == world.desk
    refused = _refused(
        lambda: services.appointment_mark(actor=desk, appointment=first.pk, arrived=False)
    )
    assert refused.code == "APPOINTMENT_NOT_LIVE"
    refused = _refused(
        lambda: services.appointment_mark(
            actor=staff_actor(world.other), appointment=second.pk, arrived=True
        )
    )
    assert refused.code == "CAPABILITY_REQUIRED"


def test_the_desks_day_list_shows_its_own_department_only(world):
    a = services.appointment_book(actor=act(world.a), slot=world.slot().pk)
    services.appointment_book(actor=act(world.b), slot=world.slot("transfer").pk)
    desk = staff_actor(world.desk)
    rows = selectors.day_list(
        actor=desk, office=world.office, department="unemployment", day=world.day
    )
    assert [r.pk for r in rows] == [a.pk]
    assert (
        list(
            selectors.day_list(
                actor=desk, office=world.office, department="transfer", day=world.day
            )
        )
        == []
    )
    assert [(o.code, d.code) for o, d in selectors.desks(actor=desk)] == [(OFFICE, "unemployment")]
    assert selectors.desks(actor=staff_actor(world.other)) == []


def test_the_reminder_goes_the_day_before_once(world):
    tomorrow = services.appointment_book(actor=act(world.a), slot=world.slot().pk)
    later = services.appointment_book(actor=act(world.b), slot=world.slot(day=world.later).pk)
    eve = world.day - timedelta(days=1)
    assert services.appointments_remind(today=eve) == 1
    assert services.appointments_remind(today=eve) == 0  # a second run sends nothing
    sms = OutboundMessage.objects.get(to=world.a.person.mobile, body__contains="提醒")
    assert f"预约号 {tomorrow.pk}" in sms.body
    assert not OutboundMessage.objects.filter(to=world.b.person.mobile).exists()
    assert Appointment.objects.get(pk=later.pk).reminded_at is None
    assert Appointment.objects.get(pk=tomorrow.pk).reminded_at is not None


def test_a_units_reminder_says_for_which_unit_it_is_attended(world):
    from shebao.testing import make_member, make_unit, unit_actor

    unit = make_unit(name="吉林市松花江纺织有限公司")
    admin = make_member(unit, "admin")
    booked = services.appointment_book(actor=unit_actor(admin, unit), slot=world.slot().pk)
    own = services.appointment_book(actor=act(admin), slot=world.slot(index=1).pk)

    assert services.appointments_remind(today=world.day - timedelta(days=1)) == 2
    for_unit = OutboundMessage.objects.get(body__contains=f"预约号 {booked.pk}，")
    assert "（代吉林市松花江纺织有限公司办理）" in for_unit.body
    assert "单位相关证明材料" in for_unit.body
    mine = OutboundMessage.objects.get(body__contains=f"预约号 {own.pk}，")
    assert "代吉林市" not in mine.body and "单位相关证明材料" not in mine.body


def test_a_cancelled_booking_gets_no_reminder(world):
    booked = services.appointment_book(actor=act(world.a), slot=world.slot().pk)
    services.appointment_cancel(actor=act(world.a), appointment=booked.pk)
    assert services.appointments_remind(today=world.day - timedelta(days=1)) == 0


def test_the_booking_days_are_working_days_within_the_horizon(world):
    days = selectors.booking_days(region="220200")
    assert days[:2] == [world.day, world.later]
    assert days == [d for d in next_workdays(len(days))]
    assert (days[-1] - timezone.localdate()).days <= 14
