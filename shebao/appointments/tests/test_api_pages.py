"""The API contract and the pages of appointments."""

from __future__ import annotations

import pytest
from django.utils import timezone

from shebao.accounts.tokens import token_issue
from shebao.appointments import services
from shebao.appointments.models import Appointment, Slot
from shebao.testing import act, signed_in

pytestmark = pytest.mark.django_db


def _bearer(user, context="individual") -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token_issue(user=user, context=context)}"}


def test_slots_are_public_with_the_exact_fields(client, world):
    slot = world.slot()
    services.appointment_book(actor=act(world.a), slot=slot.pk)
    response = client.get(
        f"/api/v1/appointments/slots?department=unemployment&date={world.day:%Y-%m-%d}"
    )
    assert response.status_code == 200
    body = response.json()
    assert len(body) == 13
    start = timezone.localtime(slot.starts_at).isoformat()
    assert body[0] == {
        "id": slot.pk,
        "start": start,
        "end": timezone.localtime(slot.ends_at).isoformat(),
        "capacity": 4,
        "left": 3,
    }
    assert start.endswith("T08:30:00+08:00")


def test_slots_of_a_closed_day_and_an_unknown_department(client, world):
    from datetime import timedelta

    from shebao.common.workcalendar import is_workday

    day = world.day
    while is_workday(day):
        day += timedelta(days=1)
    response = client.get(f"/api/v1/appointments/slots?department=unemployment&date={day}")
    assert response.status_code == 422
    assert response.json()["code"] == "DAY_CLOSED"
    response = client.get(f"/api/v1/appointments/slots?department=nope&date={world.day}")
    assert (response.status_code, response.json()["code"]) == (404, "DEPARTMENT_NOT_FOUND")
    response = client.get("/api/v1/appointments/slots?department=unemployment&date=2026-13-01")
    assert response.status_code == 422


def test_book_and_cancel_through_the_api(client, world):
    slot = world.slot()
    headers = _bearer(world.a)
    response = client.post(
        "/api/v1/appointments", {"slot": slot.pk}, content_type="application/json", **headers
    )
    assert response.status_code == 201
    body = response.json()
    assert body["slot"] == slot.pk and body["status"] == "booked" and body["channel"] == "online"
    assert body["office"] == "jl-fusui" and body["department"] == "unemployment"
    assert body["unit"] is None
    again = client.post(
        "/api/v1/appointments", {"slot": slot.pk}, content_type="application/json", **headers
    )
    assert (again.status_code, again.json()["code"]) == (409, "APPOINTMENT_ALREADY_BOOKED")
    assert Appointment.objects.count() == 1
    other = client.delete(f"/api/v1/appointments/{body['id']}", **_bearer(world.b))
    assert (other.status_code, other.json()["code"]) == (404, "APPOINTMENT_NOT_FOUND")
    gone = client.delete(f"/api/v1/appointments/{body['id']}", **headers)
    assert gone.status_code == 200
    assert gone.json()["status"] == "cancelled"
    assert Slot.objects.get(pk=slot.pk).booked == 0


def test_a_full_slot_through_the_api(client, world):
    slot = world.slot()
    Slot.objects.filter(pk=slot.pk).update(booked=4)
    response = client.post(
        "/api/v1/appointments", {"slot": slot.pk}, content_type="application/json",
        **_bearer(world.a),
    )  # fmt: skip
    assert response.status_code == 409
    assert response.json() == {
        "code": "SLOT_FULL",
        "message": "该时段已约满，请选择其他时段",
        "field": "slot",
    }
    assert Appointment.objects.count() == 0


def test_the_booking_page_books_and_cancels(world):
    page = signed_in(world.a, "individual")
    shown = page.get(f"/appointments/?department=unemployment&date={world.day}")
    assert shown.status_code == 200
    text = shown.content.decode()
    assert "08:30—09:00" in text and "剩余 4 个名额" in text
    slot = world.slot(index=2)
    done = page.post(
        "/appointments/book/",
        {"slot": slot.pk, "department": "unemployment", "date": world.day.isoformat()},
    )
    assert done.status_code == 302
    booked = Appointment.objects.get()
    listed = page.get("/appointments/").content.decode()
    assert "已预约" in listed and "取消预约" in listed
    refused = page.post("/appointments/book/", {"slot": world.slot(index=5).pk}, follow=True)
    assert "每人同一时间只能有一个预约" in refused.content.decode()
    page.post(f"/appointments/{booked.pk}/cancel/")
    assert Appointment.objects.get().status == "cancelled"


def test_the_desk_page_lists_the_day_and_takes_a_telephone_appointment(world):
    services.appointment_book(actor=act(world.a), slot=world.slot().pk, matter="失业金")
    desk = signed_in(world.desk, "staff")
    url = f"/appointments/staff/?desk=jl-fusui:unemployment&date={world.day}"
    text = desk.get(url).content.decode()
    assert world.a.person.name in text and "失业金" in text and "电话约办" in text
    done = desk.post(
        "/appointments/staff/phone/",
        {
            "slot": world.slot(index=1).pk,
            "id_number": world.b.person.id_number,
            "mobile": "139 4311 8888",
            "back": url,
        },
    )
    assert done.status_code == 302 and done["Location"] == url
    assert Appointment.objects.get(person=world.b.person).mobile == "13943118888"
    # a back address to elsewhere is not followed
    other = desk.post("/appointments/staff/phone/", {"slot": 1, "back": "https://evil.example/"})
    assert other["Location"] == "/appointments/staff/"
    shown = signed_in(world.other, "staff").get(url).content.decode()
    assert "您没有任何办事地点的约办权限" in shown


def test_the_directory_page_shows_jilins_telephones(client, world):
    text = client.get("/appointments/directory/?region=220200").content.decode()
    assert "0432-69912333" in text
    assert "69983072" in text and "970856456" in text
    assert "吉林省吉林市船营区福绥街1号" in text
    assert "邮寄单面备注栏清晰标注申请办理“所办业务名称”业务" in text


def test_the_matter_leads_a_person_and_a_unit_to_booking_and_files_nothing(world):
    from shebao.applications.models import Application
    from shebao.catalogue.models import Matter
    from shebao.catalogue.services import catalogue_load
    from shebao.testing import make_member, make_unit

    catalogue_load()
    matter = Matter.objects.get(code="both.appointment")
    assert (matter.handler, matter.instant, matter.reviewed_by_staff_only) == (
        "appointment_book",
        True,
        False,
    )
    person = signed_in(world.a, "individual")
    opened = person.get("/applications/new/both.appointment/")
    assert (opened.status_code, opened["Location"]) == (302, "/appointments/")

    # a unit's administrator books for the unit on the same page, the department chosen
    unit = make_unit(name="吉林市松花江纺织有限公司")
    admin = make_member(unit, "admin")
    desk = signed_in(admin, f"unit:{unit.pk}")
    assert desk.get("/applications/new/both.appointment/")["Location"] == "/appointments/"
    page = desk.get(f"/appointments/?department=unemployment&date={world.day}").content.decode()
    assert "为吉林市松花江纺织有限公司的业务预约" in page and "剩余 4 个名额" in page
    slot = world.slot(index=1)
    done = desk.post("/appointments/book/", {"slot": slot.pk, "matter": "单位职工失业登记"})
    assert done.status_code == 302
    booked = Appointment.objects.get()
    assert (booked.unit, booked.person, booked.matter) == (unit, admin.person, "单位职工失业登记")
    listed = desk.get("/appointments/").content.decode()
    assert "本单位的预约" in listed and "管理员甲" in listed and "取消预约" in listed
    # the desk's day list says whose business it is
    staff = signed_in(world.desk, "staff")
    day_list = staff.get(f"/appointments/staff/?desk=jl-fusui:unemployment&date={world.day}")
    assert "代吉林市松花江纺织有限公司" in day_list.content.decode()

    # an operator without the grant is refused, nothing booked
    bare = make_member(unit, "operator", name="经办人乙")
    refused = signed_in(bare, f"unit:{unit.pk}")
    assert refused.get("/appointments/").status_code == 403
    assert refused.post("/appointments/book/", {"slot": world.slot(index=2).pk}).status_code == 403
    assert Appointment.objects.count() == 1 and Application.objects.count() == 0

    desk.post(f"/appointments/{booked.pk}/cancel/")
    assert Appointment.objects.get().status == "cancelled"


def test_a_unit_manager_books_for_the_unit_through_the_api(client, world):
    from shebao.testing import make_member, make_unit

    unit = make_unit()
    admin = make_member(unit, "admin")
    headers = _bearer(admin, f"unit:{unit.pk}")
    response = client.post(
        "/api/v1/appointments",
        {"slot": world.slot().pk},
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 201
    assert (response.json()["unit"], response.json()["channel"]) == (unit.credit_code, "online")
    bare = make_member(unit, "operator", name="经办人乙")
    refused = client.post(
        "/api/v1/appointments",
        {"slot": world.slot(index=1).pk},
        content_type="application/json",
        **_bearer(bare, f"unit:{unit.pk}"),
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "MATTER_NOT_GRANTED")
    gone = client.delete(f"/api/v1/appointments/{response.json()['id']}", **headers)
    assert (gone.status_code, gone.json()["unit"]) == (200, unit.credit_code)
    assert Appointment.objects.get().status == "cancelled"
