"""REST API v1: insurance relations — a person's 参保信息 and a unit's 参保人员名册.

Scoped by the token's actor like everything else: an individual reads their own relations; a
unit's legal representative, administrators and granted operators read the unit's roster;
staff read the units of their districts. Out of scope is 404.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Router, Schema

from shebao.accounts import actors
from shebao.accounts.api_auth import api_actor, token_auth
from shebao.insurance import exports, selectors

router = Router(tags=["参保信息"], auth=token_auth)

MAX_PAGE_SIZE = 100


class InsuranceErrorOut(Schema):
    code: str
    message: str


class PersonRef(Schema):
    name: str
    id_number: str


class PayerOut(Schema):
    kind: str  # unit / self
    credit_code: str | None
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
    }


@router.get(
    "/me/insurance",
    response={200: MyInsuranceOut, 401: InsuranceErrorOut, 403: InsuranceErrorOut},
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


def _page(limit: int, offset: int) -> tuple[int, int]:
    return max(1, min(limit, MAX_PAGE_SIZE)), max(0, offset)


@router.get(
    "/units/{credit_code}/staff",
    response={200: StaffPage, 401: InsuranceErrorOut, 404: InsuranceErrorOut},
    summary="单位参保人员名册",
    description=(
        "单位令牌（法定代表人、管理员，或获授权用工参保登记、退工停保登记、单位参保信息查询的经办人）"
        "或本区县经办人员令牌。筛选：insurance（险种代码）、status（active 参保缴费 / stopped 停保）、"
        "q（姓名或身份证号码开头）。"
    ),
)
def unit_staff(
    request: HttpRequest,
    credit_code: str,
    insurance: str | None = None,
    status: str | None = None,
    q: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> dict[str, Any]:
    actor = api_actor(request)
    unit = selectors.unit_for_reader(actor=actor, credit_code=credit_code)
    limit, offset = _page(limit, offset)
    total, rows = selectors.unit_roster(
        actor=actor, unit=unit, insurance=insurance, status=status, q=q, limit=limit, offset=offset
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
            }
            for row in rows
        ],
    }


@router.get(
    "/units/{credit_code}/staff.xlsx",
    response={200: None, 401: InsuranceErrorOut, 404: InsuranceErrorOut},
    summary="导出单位参保人员名册（Excel）",
    description="与名册接口相同的范围和筛选，导出全部符合条件的人员。",
)
def unit_staff_export(
    request: HttpRequest,
    credit_code: str,
    insurance: str | None = None,
    status: str | None = None,
    q: str | None = None,
) -> HttpResponse:
    actor = api_actor(request)
    unit = selectors.unit_for_reader(actor=actor, credit_code=credit_code)
    return exports.roster_response(actor=actor, unit=unit, insurance=insurance, status=status, q=q)
