"""Writes of appointments: slots opened from the office hours in policy, a booking (online, or
entered by staff for a caller: 电话约办), its cancellation, the arrival or no-show mark, and the
SMS reminder the day before.

Capacity is enforced by one conditional UPDATE of the slot's counter (``booked < capacity``),
never by reading and then writing; one person's bookings are serialised by a row lock on the
person, so two requests at once make at most one booking. A refused booking writes nothing.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from shebao.appointments.access import staff_handles, unit_may_book
from shebao.appointments.models import Appointment, AppointmentEvent, Slot
from shebao.common.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from shebao.common.identifiers import normalize_id_number, normalize_mobile
from shebao.common.workcalendar import is_workday
from shebao.notifications.models import OutboundMessage
from shebao.notifications.services import notify, sms_queue
from shebao.policy.selectors import param, policy_scope
from shebao.registry.directory import Office, directories, office_get
from shebao.registry.models import Person, Region

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor

Status = Appointment.Status
MATTER_MAX_LENGTH = 100


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


def day_periods(*, region: str, day: date) -> list[tuple[datetime, datetime]]:
    """The bookable periods of ``day`` in ``region``: its office hours (``calendar.office_hours``)
    cut into slots of ``appointments.slot_minutes``; none on a day that is not a working day."""
    if not is_workday(day):
        return []
    with policy_scope():
        hours = param(region=region, key="calendar.office_hours", on=day).value
        minutes = param(region=region, key="appointments.slot_minutes", on=day).value
    step = timedelta(minutes=minutes)
    zone = timezone.get_current_timezone()
    periods = []
    for opens, closes in hours:
        start = datetime.combine(day, _clock(opens), tzinfo=zone)
        end = datetime.combine(day, _clock(closes), tzinfo=zone)
        while start + step <= end:
            periods.append((start, start + step))
            start += step
    return periods


def slots_open(*, office: Office, start: date, days: int) -> int:
    """Open the slots of every department of ``office`` for the ``days`` days from ``start``
    (idempotent: a slot that exists is left as it is, bookings and all); returns how many rows
    the database holds for the range afterwards."""
    rows = []
    for offset in range(days):
        day = start + timedelta(days=offset)
        periods = day_periods(region=office.region, day=day)
        if not periods:
            continue
        capacity = param(region=office.region, key="appointments.slot_capacity", on=day).value
        for department in office.departments:
            rows.extend(
                Slot(
                    region_id=office.region,
                    office=office.code,
                    department_id=department,
                    day=day,
                    starts_at=begins,
                    ends_at=ends,
                    capacity=capacity,
                )
                for begins, ends in periods
            )
    Slot.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    return Slot.objects.filter(
        office=office.code, day__gte=start, day__lt=start + timedelta(days=days)
    ).count()


def slots_open_ahead(*, today: date | None = None) -> int:
    """Daily: open every office's slots from tomorrow over the region's booking horizon
    (``appointments.booking_days``). Idempotent."""
    today = today or timezone.localdate()
    offices = [office for directory in directories() for office in directory.offices]
    # A hall that has not loaded an office's region yet has no policy there to open slots by.
    loaded = set(
        Region.objects.filter(code__in={o.region for o in offices}).values_list("code", flat=True)
    )
    total = 0
    for office in offices:
        if office.region in loaded:
            days = param(region=office.region, key="appointments.booking_days", on=today).value
            total += slots_open(office=office, start=today + timedelta(days=1), days=days)
    return total


def _office(slot: Slot) -> Office:
    office = office_get(slot.office)
    if office is None:  # the directory no longer lists it: its slots take no bookings
        raise Conflict("该办事地点已停止预约", code="OFFICE_CLOSED")
    return office


def _event(
    appointment: Appointment, *, action: str, actor: Actor | None, at: datetime, **data: Any
) -> None:
    AppointmentEvent.objects.create(
        appointment=appointment,
        action=action,
        actor=actor.user if actor is not None else None,
        actor_kind=actor.kind if actor is not None else "system",
        at=at,
        data=data,
    )


def _when(slot: Slot) -> str:
    start = timezone.localtime(slot.starts_at)
    end = timezone.localtime(slot.ends_at)
    return f"{start:%Y年%m月%d日} {start:%H:%M}—{end:%H:%M}"


def _bookable(slot: Slot, now: datetime) -> None:
    """Refuse a slot that has begun, lies beyond the booking horizon or is on a closed day."""
    if slot.starts_at <= now:
        raise InvalidInput("该时段已开始或已过去，请选择今后的时段", code="SLOT_PAST", field="slot")
    if not is_workday(slot.day):
        raise InvalidInput(
            f"{slot.day:%Y年%m月%d日}不是工作日，不办理预约业务", code="DAY_CLOSED", field="slot"
        )
    horizon = param(region=slot.region_id, key="appointments.booking_days", on=slot.day).value
    if slot.day > timezone.localdate(now) + timedelta(days=horizon):
        raise InvalidInput(f"只能预约今后{horizon}天内的时段", code="SLOT_NOT_OPEN", field="slot")


def _slot(slot_id: Any) -> Slot:
    try:
        pk = int(slot_id)
    except (TypeError, ValueError):
        pk = 0
    slot = Slot.objects.filter(pk=pk).select_related("department").first() if pk > 0 else None
    if slot is None:
        raise NotFound("未找到该预约时段", code="SLOT_NOT_FOUND")
    return slot


def _caller(id_number: str) -> Person:
    number = normalize_id_number(id_number, field="id_number")
    person = Person.objects.filter(id_number=number).first()
    if person is None:
        raise InvalidInput(
            "未找到该公民身份号码的参保人员，请核对后重新输入",
            code="PERSON_NOT_FOUND",
            field="id_number",
        )
    return person


@transaction.atomic
def appointment_book(
    *,
    actor: Actor,
    slot: Any,
    matter: str = "",
    id_number: str = "",
    mobile: str = "",
) -> Appointment:
    """Book ``slot`` (a slot id). An individual books for themselves (the SMS goes to their
    registered mobile unless another is given); a unit's user who may (``unit_may_book``) books
    for the unit's business, to come themself; staff who handle the slot's desk enter a
    telephone appointment (电话约办) for the caller named by ``id_number``, reached at
    ``mobile``.

    Refused, with nothing written: a slot that has begun, is on a closed day or beyond the
    horizon (422); a full slot (409 ``SLOT_FULL``); a second live booking of the same person
    for the same business, their own or one unit's (409 ``APPOINTMENT_ALREADY_BOOKED``); a
    unit operator not granted 业务预约 (403 ``MATTER_NOT_GRANTED``)."""
    unit = None
    if actor.is_individual and actor.person is not None:
        channel = Appointment.Channel.ONLINE
    elif actor.is_unit:
        if not unit_may_book(actor):
            raise PermissionDenied(
                "您没有获得“业务预约（约办）”的授权，请联系本单位管理员",
                code="MATTER_NOT_GRANTED",
            )
        channel = Appointment.Channel.ONLINE
        unit = actor.unit
    elif actor.is_staff:
        channel = Appointment.Channel.PHONE
    else:
        actor.require("individual", "unit", "staff")
        raise PermissionDenied("只有个人和单位可以网上预约", code="FORBIDDEN")
    found = _slot(slot)
    office = _office(found)
    if channel == Appointment.Channel.PHONE:
        if not staff_handles(actor, office=office, department=found.department_id):
            raise PermissionDenied("您没有该部门、该办事地点的约办权限", code="CAPABILITY_REQUIRED")
        person = _caller(id_number)
        phone = normalize_mobile(mobile, field="mobile")
    else:
        person = actor.person
        phone = normalize_mobile(mobile or person.mobile or "", field="mobile")
    matter = (matter or "").strip()
    if len(matter) > MATTER_MAX_LENGTH:
        raise InvalidInput(
            f"拟办事项不能超过{MATTER_MAX_LENGTH}个字", code="MATTER_TOO_LONG", field="matter"
        )
    now = timezone.now()
    _bookable(found, now)
    # A slot already full when read is refused at once: in a rush for the last places most
    # requests lose, and they need neither the person's lock nor to queue on the slot's row
    # (the conditional update below stays the rule; this read only saves the losers' time).
    # The person's own booking of it (a double click) keeps its own answer.
    if (
        found.booked >= found.capacity
        and not Appointment.objects.filter(slot=found, person=person, status=Status.BOOKED).exists()
    ):
        raise Conflict("该时段已约满，请选择其他时段", code="SLOT_FULL", field="slot")
    # One person's bookings one at a time: the second of two concurrent requests waits here
    # and then sees the first one's booking.
    Person.objects.select_for_update().filter(pk=person.pk).values_list("pk", flat=True).get()
    live = (
        Appointment.objects.filter(
            person=person, unit=unit, status=Status.BOOKED, slot__ends_at__gt=now
        )
        .select_related("slot")
        .first()
    )
    if live is not None:
        whose, rule = (f"为{unit.name}", "为本单位") if unit is not None else ("", "每人")
        raise Conflict(
            f"您已{whose}预约{_when(live.slot)}，{rule}同一时间只能有一个预约；"
            "如需改约，请先取消原预约",
            code="APPOINTMENT_ALREADY_BOOKED",
            details={"appointment": live.pk},
        )
    taken = Slot.objects.filter(pk=found.pk, booked__lt=F("capacity")).update(
        booked=F("booked") + 1
    )
    if not taken:
        raise Conflict("该时段已约满，请选择其他时段", code="SLOT_FULL", field="slot")
    try:
        with transaction.atomic():
            appointment = Appointment.objects.create(
                slot=found,
                person=person,
                unit=unit,
                channel=channel,
                mobile=phone,
                matter=matter,
                booked_by=actor.user,
                created_at=now,
            )
    except IntegrityError as clash:  # the unique constraint: one live booking per slot
        raise Conflict("您已预约该时段", code="APPOINTMENT_ALREADY_BOOKED", field="slot") from clash
    _event(appointment, action=AppointmentEvent.Action.BOOK, actor=actor, at=now, channel=channel)
    text = f"{office.name} {found.department.name}，{_when(found)}，预约号 {appointment.pk}"
    if unit is not None:
        text = f"{text}（代{unit.name}办理）"
    if channel == Appointment.Channel.PHONE:
        sms_queue(
            to=phone,
            body=f"【社保经办】您已电话预约{text}。请按时携带身份证件到场。",
            purpose=OutboundMessage.Purpose.NOTICE,
        )
    else:
        notify(
            recipient=actor.user,  # type: ignore[arg-type]
            context=actor.context,
            title="预约成功",
            body=f"您已预约{text}。请按时携带身份证件到场，前一天会有短信提醒。",
            link="/appointments/",
            category="appointment",
        )
    return appointment


def _locked(appointment_id: Any) -> Appointment:
    try:
        pk = int(appointment_id)
    except (TypeError, ValueError):
        pk = 0
    found = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("slot", "slot__department", "person", "unit")
        .filter(pk=pk)
        .first()
        if pk > 0
        else None
    )
    if found is None:
        raise NotFound("未找到该预约", code="APPOINTMENT_NOT_FOUND")
    return found


def _may_handle(actor: Actor, appointment: Appointment) -> bool:
    office = office_get(appointment.slot.office)
    return (
        actor.is_staff
        and office is not None
        and staff_handles(actor, office=office, department=appointment.slot.department_id)
    )


def _owner(actor: Actor, appointment: Appointment) -> bool:
    """The person's own booking (as an individual), or the unit's (as its user who may book)."""
    if actor.is_unit:
        return (
            appointment.unit_id is not None
            and appointment.unit_id == actor.unit.pk  # type: ignore[union-attr]
            and unit_may_book(actor)
        )
    return (
        actor.is_individual
        and actor.person is not None
        and actor.person.pk == appointment.person_id
        and appointment.unit_id is None
    )


@transaction.atomic
def appointment_cancel(*, actor: Actor, appointment: Any) -> Appointment:
    """Cancel a live booking before its slot begins (the person, or staff of the desk): its
    place goes back to the slot. Another person's booking is NotFound."""
    found = _locked(appointment)
    if not (_owner(actor, found) or _may_handle(actor, found)):
        raise NotFound("未找到该预约", code="APPOINTMENT_NOT_FOUND")
    if found.status != Status.BOOKED:
        raise Conflict(f"该预约{found.get_status_display()}，不能取消", code="APPOINTMENT_NOT_LIVE")
    now = timezone.now()
    if found.slot.starts_at <= now:
        raise Conflict("预约时段已开始，不能取消", code="SLOT_PAST")
    found.status = Status.CANCELLED
    found.cancelled_at = now
    found.save(update_fields=["status", "cancelled_at"])
    Slot.objects.filter(pk=found.slot_id, booked__gt=0).update(booked=F("booked") - 1)
    _event(found, action=AppointmentEvent.Action.CANCEL, actor=actor, at=now)
    return found


@transaction.atomic
def appointment_mark(*, actor: Actor, appointment: Any, arrived: bool) -> Appointment:
    """Staff of the desk record that the person came (到场) or did not (未到场), on the day of
    the appointment or after it."""
    found = _locked(appointment)
    if not _may_handle(actor, found):
        if actor.is_staff:
            raise PermissionDenied("您没有该部门、该办事地点的约办权限", code="CAPABILITY_REQUIRED")
        raise NotFound("未找到该预约", code="APPOINTMENT_NOT_FOUND")
    if found.status != Status.BOOKED:
        raise Conflict(
            f"该预约{found.get_status_display()}，不能再登记", code="APPOINTMENT_NOT_LIVE"
        )
    now = timezone.now()
    if found.slot.day > timezone.localdate(now):
        raise Conflict("预约日期未到，不能登记到场情况", code="APPOINTMENT_NOT_DUE")
    found.status = Status.ARRIVED if arrived else Status.NO_SHOW
    found.marked_at = now
    found.marked_by = actor.user
    found.save(update_fields=["status", "marked_at", "marked_by"])
    action = AppointmentEvent.Action.ARRIVE if arrived else AppointmentEvent.Action.NO_SHOW
    _event(found, action=action, actor=actor, at=now)
    return found


def appointments_remind(*, today: date | None = None) -> int:
    """Daily: text every person booked for tomorrow (once: ``reminded_at`` is set in the same
    transaction as the outbox row). Returns how many reminders were queued."""
    today = today or timezone.localdate()
    tomorrow = today + timedelta(days=1)
    due = list(
        Appointment.objects.filter(
            status=Status.BOOKED, reminded_at__isnull=True, slot__day=tomorrow
        ).values_list("pk", flat=True)
    )
    sent = 0
    for pk in due:
        with transaction.atomic():
            now = timezone.now()
            if not Appointment.objects.filter(
                pk=pk, status=Status.BOOKED, reminded_at__isnull=True
            ).update(reminded_at=now):
                continue  # cancelled meanwhile, or another run took it
            found = Appointment.objects.select_related("slot", "slot__department", "unit").get(
                pk=pk
            )
            office = office_get(found.slot.office)
            where = office.name if office else ""
            # A unit's booking is attended for the unit: the text says which, and what to bring.
            for_unit = f"（代{found.unit.name}办理）" if found.unit is not None else ""
            papers = "身份证件和单位相关证明材料" if found.unit is not None else "身份证件"
            sms_queue(
                to=found.mobile,
                body=(
                    f"【社保经办】提醒：您预约了明天（{_when(found.slot)}）{where}"
                    f"{found.slot.department.name}的业务{for_unit}，预约号 {found.pk}，"
                    f"请携带{papers}按时到场。如不能前往，请登录网上服务大厅取消预约。"
                ),
                purpose=OutboundMessage.Purpose.NOTICE,
            )
            _event(found, action=AppointmentEvent.Action.REMIND, actor=None, at=now)
            sent += 1
    return sent
