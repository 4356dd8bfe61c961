"""REST API v1: insurance relations — a person's 参保信息 and a unit's 参保人员名册.

Scoped by the token's actor like everything else: an individual reads their own relations; a
unit's legal representative, administrators and granted operators read the unit's roster;
staff read the units of their districts. Out of scope is 404.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from shebao.accounts import actors
from shebao.accounts.api_auth import api_actor, token_auth
from shebao.common.paging import LIMIT_HELP, MAX_LIMIT, MAX_OFFSET, OFFSET_HELP
from shebao.common.schemas import CreditCodeStr, ErrorOut
from shebao.insurance import changes, exports, roster, selectors

router = Router(tags=["参保信息"], auth=token_auth)

MAX_PAGE_SIZE = 100


class PersonRef(Schema):
    name: str
    id_number: str


class PayerOut(Schema):
    kind: str  # unit / self
    credit_code: str | None
    name: str


class UnitRef(Schema):
    credit_code: str
    name: str


class ProjectRef(Schema):
    code: str
    name: str


class RelationOut(Schema):
    insurance: str
    insurance_name: str
    scheme: str
    payer: PayerOut
    category: str
    start_month: str
    end_month: str | None
    status: str
    district: str
    client_unit: UnitRef | None = Field(
        default=None, description="劳务派遣：被派遣劳动者所在的用工单位（缴费单位为劳务派遣单位）"
    )
    project: ProjectRef | None = Field(
        default=None, description="按项目参保：工伤保险所属的工程建设项目"
    )


class MyInsuranceOut(Schema):
    person: PersonRef
    relations: list[RelationOut]


class StaffRowOut(Schema):
    id_number: str
    name: str
    insurances: list[str]
    start_month: str
    end_month: str | None
    status: str
    client_units: list[str] = Field(default=[], description="劳务派遣：用工单位名称")
    projects: list[str] = Field(default=[], description="按项目参保：工程建设项目名称")


class StaffFilters(Schema):
    insurance: str | None = Field(default=None, max_length=16, description="险种代码，如 pension")
    status: str | None = Field(default=None, max_length=16, description="active 或 stopped")
    q: str | None = Field(default=None, max_length=30, description="姓名或身份证号码开头")


class StaffPageFilters(StaffFilters):
    limit: int = Field(default=20, ge=1, le=MAX_LIMIT, description=LIMIT_HELP)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET, description=OFFSET_HELP)


class StaffPage(Schema):
    total: int
    limit: int
    offset: int
    items: list[StaffRowOut]


def relation_out(relation: Any) -> dict[str, Any]:
    unit = relation.unit
    return {
        "insurance": relation.insurance,
        "insurance_name": selectors.insurance_label(relation),
        "scheme": relation.scheme,
        "payer": {
            "kind": relation.payer_kind,
            "credit_code": unit.credit_code if unit else None,
            "name": unit.name if unit else "个人缴费",
        },
        "category": relation.category,
        "start_month": str(relation.start_month),
        "end_month": str(relation.end_month) if relation.end_month else None,
        "status": selectors.relation_status(relation),
        "district": relation.district.name,
        "client_unit": (
            {"credit_code": relation.client_unit.credit_code, "name": relation.client_unit.name}
            if relation.client_unit
            else None
        ),
        "project": (
            {"code": relation.project.code, "name": relation.project.name}
            if relation.project
            else None
        ),
    }


@router.get(
    "/me/insurance",
    response={200: MyInsuranceOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="本人参保信息",
    description=(
        "个人令牌：本人的每一段参保关系（险种、制度、缴费单位或个人缴费、人员类别、起止年月、状态），"
        "正在参保的在前。status：active（参保缴费）、suspended（暂停缴费）、stopped（终止参保）。"
    ),
)
def my_insurance(request: HttpRequest) -> dict[str, Any]:
    actor = api_actor(request).require(actors.INDIVIDUAL)
    person = selectors.person_for_reader(actor=actor)
    return {
        "person": {"name": person.name, "id_number": person.id_number},
        "relations": [
            relation_out(r) for r in selectors.person_relations(actor=actor, person=person)
        ],
    }


@router.get(
    "/units/{credit_code}/staff",
    response={200: StaffPage, 401: ErrorOut, 404: ErrorOut},
    summary="单位参保人员名册",
    description=(
        "单位令牌（法定代表人、管理员，或获授权用工参保登记、退工停保登记、单位参保信息查询的经办人）"
        "或本区县经办人员令牌。筛选：insurance（险种代码）、status（active 参保缴费 / stopped 停保）、"
        "q（姓名或身份证号码开头）。"
    ),
)
def unit_staff(
    request: HttpRequest, credit_code: CreditCodeStr, filters: Query[StaffPageFilters]
) -> dict[str, Any]:
    actor = api_actor(request)
    unit = selectors.unit_for_reader(actor=actor, credit_code=credit_code)
    limit, offset = filters.limit, filters.offset
    total, rows = selectors.unit_roster(
        actor=actor,
        unit=unit,
        insurance=filters.insurance,
        status=filters.status,
        q=filters.q,
        limit=limit,
        offset=offset,
    )
    return {
        "total": total,
        "limit": limit,
        "offset": offset,
        "items": [
            {
                "id_number": row.id_number,
                "name": row.name,
                "insurances": row.insurances,
                "start_month": str(row.start_month),
                "end_month": str(row.end_month) if row.end_month else None,
                "status": row.status,
                "client_units": row.client_units,
                "projects": row.projects,
            }
            for row in rows
        ],
    }


@router.get(
    "/units/{credit_code}/staff.xlsx",
    response={200: None, 401: ErrorOut, 404: ErrorOut},
    summary="导出单位参保人员名册（Excel）",
    description="与名册接口相同的范围和筛选，导出全部符合条件的人员。",
)
def unit_staff_export(
    request: HttpRequest, credit_code: CreditCodeStr, filters: Query[StaffFilters]
) -> HttpResponse:
    actor = api_actor(request)
    unit = selectors.unit_for_reader(actor=actor, credit_code=credit_code)
    return exports.roster_response(
        actor=actor, unit=unit, insurance=filters.insurance, status=filters.status, q=filters.q
    )


class StaffChangesOut(Schema):
    number: str
    rows: int
    enrolments: int
    terminations: int
    status: str


@router.get(
    "/staff-changes/template.xlsx",
    auth=None,
    response={200: None},
    summary="人员增减名册模板（Excel）",
    description="第一张表为名册，第二张表“填写说明”列出每一列的填写规则和示例。",
)
def staff_changes_template(request: HttpRequest) -> HttpResponse:
    return exports.xlsx_response(roster.template_workbook(), "人员增减名册模板.xlsx")


@router.post(
    "/units/{credit_code}/staff-changes",
    response={
        200: StaffChangesOut,
        201: StaffChangesOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
    summary="上传人员增减名册（Excel）",
    description=(
        "multipart 字段 file：按模板填写的 .xlsx 名册。逐行校验：全部无误则创建并提交“单位人员增减"
        "（名册申报）”申请，返回 201 及申请编号；任何一行有误则整份不予接收、不写入任何数据，返回 422 "
        "及每处错误的行、列、原因。请求头 `Idempotency-Key`：重复请求返回首次创建的申请（200）。"
    ),
)
def staff_changes_upload(
    request: HttpRequest,
    credit_code: CreditCodeStr,
    file: File[UploadedFile],
    note: Form[str] = "",
) -> Status:
    actor = api_actor(request).require(actors.UNIT)
    unit = selectors.unit_for_reader(actor=actor, credit_code=credit_code)
    try:
        application, created = changes.staff_changes_submit(
            actor=actor,
            unit=unit,
            file=file,
            file_name=file.name or "",
            note=note,
            client_key=request.headers.get("Idempotency-Key", ""),
        )
    except changes.RosterRefused as refused:
        return Status(422, refused.as_dict())
    return Status(
        201 if created else 200,
        {
            "number": application.number,
            "status": application.status,
            **changes.roster_summary(application),
        },
    )
