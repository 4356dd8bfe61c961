"""REST API v1: appointments (约办).

``GET /appointments/slots?department=&date=`` — public: the department's slots of a working day
with the places left. ``POST /appointments`` — an individual books a slot, or a unit's user who
may books one for the unit (staff who keep the desk enter a telephone appointment for a caller
with ``id_number`` and ``mobile``). ``DELETE /appointments/{id}`` — the person (for a unit's
booking, a user of the unit who may book; or the desk's staff) cancels before the slot begins.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from shebao.accounts.api_auth import api_actor, token_auth
from shebao.appointments import selectors, services
from shebao.appointments.models import Appointment
from shebao.common.schemas import ErrorOut, IdNumberStr, MobileStr

router = Router(tags=["预约办理"])


class SlotsQuery(Schema):
    department: str = Field(max_length=40, description="业务部门代码，如 unemployment")
    date: dt.date = Field(description="日期，YYYY-MM-DD")
    office: str = Field("", max_length=40, description="办事地点代码（可选；省略为全部地点）")


class SlotOut(Schema):
    id: int
    start: str = Field(description="开始时间（ISO 8601，含时区）")
    end: str = Field(description="结束时间（ISO 8601，含时区）")
    capacity: int = Field(description="名额")
    left: int = Field(description="剩余名额（时段开始后为 0）")


class BookIn(Schema):
    slot: int = Field(ge=1, description="时段 id")
    matter: str = Field("", max_length=100, description="拟办事项（可选）")
    id_number: IdNumberStr = Field(
        "", max_length=20, description="电话约办：来电人的公民身份号码（仅经办人员）"
    )
    mobile: MobileStr = Field("", max_length=20, description="联系手机；个人省略时用登记的手机号码")


class AppointmentOut(Schema):
    id: int
    slot: int
    start: str
    end: str
    office: str = Field(description="办事地点代码")
    department: str = Field(description="业务部门代码")
    status: str = Field(
        description="booked 已预约 / cancelled 已取消 / arrived 已到场 / no_show 未到场"
    )
    channel: str = Field(description="online 网上预约 / phone 电话约办")
    unit: str | None = Field(
        description="代办单位的统一社会信用代码（单位用户为单位预约时）；本人业务为 null"
    )


def _iso(moment: Any) -> str:
    return timezone.localtime(moment).isoformat()


def _out(appointment: Appointment) -> dict[str, Any]:
    slot = appointment.slot
    return {
        "id": appointment.pk,
        "slot": slot.pk,
        "start": _iso(slot.starts_at),
        "end": _iso(slot.ends_at),
        "office": slot.office,
        "department": slot.department_id,
        "status": appointment.status,
        "channel": appointment.channel,
        "unit": appointment.unit.credit_code if appointment.unit_id else None,
    }


@router.get(
    "/appointments/slots",
    auth=None,
    response={200: list[SlotOut], 404: ErrorOut, 422: ErrorOut},
    summary="可预约时段",
    description=(
        "某业务部门某个工作日的预约时段与剩余名额（按政策参数中的办公时间划分）。错误码："
        "DEPARTMENT_NOT_FOUND（404）、DAY_CLOSED（422，休息日或法定节假日）。"
    ),
)
def slots(request: HttpRequest, query: Query[SlotsQuery]) -> list[dict[str, Any]]:
    found = selectors.slots_for(department=query.department, day=query.date, office=query.office)
    return [
        {
            "id": view.slot.pk,
            "start": _iso(view.slot.starts_at),
            "end": _iso(view.slot.ends_at),
            "capacity": view.slot.capacity,
            "left": view.left,
        }
        for view in found
    ]


@router.post(
    "/appointments",
    auth=token_auth,
    response={201: AppointmentOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
    summary="预约",
    description=(
        "个人预约一个时段；每人同一时间只能有一个未到期的预约。单位的法定代表人、管理员和获得"
        "“业务预约（约办）”授权的经办人可为单位预约（本人到场；为本单位同一时间一个预约，"
        "未获授权的为 403 MATTER_NOT_GRANTED）。经办人员可为来电人登记电话约办"
        "（id_number、mobile）。错误码：SLOT_NOT_FOUND（404）、SLOT_PAST / DAY_CLOSED / "
        "SLOT_NOT_OPEN（422）、SLOT_FULL / APPOINTMENT_ALREADY_BOOKED（409）；被拒绝的预约不写入"
        "任何记录。"
    ),
)
def book(request: HttpRequest, payload: BookIn) -> Status:
    appointment = services.appointment_book(
        actor=api_actor(request),
        slot=payload.slot,
        matter=payload.matter,
        id_number=payload.id_number,
        mobile=payload.mobile,
    )
    return Status(201, _out(appointment))


@router.delete(
    "/appointments/{id}",
    auth=token_auth,
    response={200: AppointmentOut, 404: ErrorOut, 409: ErrorOut},
    summary="取消预约",
    description=(
        "时段开始前取消预约，名额退回。错误码：APPOINTMENT_NOT_FOUND（404，非本人的预约）、"
        "APPOINTMENT_NOT_LIVE / SLOT_PAST（409）。"
    ),
)
def cancel(request: HttpRequest, id: int) -> dict[str, Any]:
    return _out(services.appointment_cancel(actor=api_actor(request), appointment=id))
