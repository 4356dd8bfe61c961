"""REST API v1: the public directory of training institutions.

``GET /training/institutions?trade=&q=`` — institutions teaching a trade whose name contains
``trade`` (or whose code is it), and whose name contains ``q`` (the full name finds the one
institution); no token. Paged with ``limit``/``offset``.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from shebao.common.paging import LIMIT_HELP, MAX_LIMIT, MAX_OFFSET, OFFSET_HELP
from shebao.common.schemas import ErrorOut
from shebao.training import selectors

router = Router(tags=["职业培训"])


class TradeOut(Schema):
    code: str = Field(description="职业编码")
    name: str = Field(description="工种名称")


class InstitutionOut(Schema):
    id: int
    name: str = Field(description="机构全称")
    district: str = Field(description="所在区县代码")
    district_name: str
    address: str
    phone: str
    trades: list[TradeOut] = Field(description="可培训工种")


class InstitutionPage(Schema):
    total: int
    limit: int
    offset: int
    items: list[InstitutionOut]


class InstitutionQuery(Schema):
    trade: str = Field("", max_length=50, description="工种名称（包含即可）或职业编码")
    q: str = Field("", max_length=200, description="机构名称（可输入机构全称）")
    limit: int = Field(20, ge=1, le=MAX_LIMIT, description=LIMIT_HELP)
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description=OFFSET_HELP)


@router.get(
    "/training/institutions",
    response={200: InstitutionPage, 422: ErrorOut},
    summary="检索培训机构",
    description="按工种名称检索可培训该工种的定点培训机构，或输入机构全称查询该机构；无需登录。",
)
def institutions(request: HttpRequest, query: Query[InstitutionQuery]) -> dict:
    rows = selectors.institutions_search(trade=query.trade, q=query.q)
    total = rows.count()
    page = rows[query.offset : query.offset + query.limit]
    return {
        "total": total,
        "limit": query.limit,
        "offset": query.offset,
        "items": [
            {
                "id": row.pk,
                "name": row.name,
                "district": row.district_id,
                "district_name": row.district.name,
                "address": row.address,
                "phone": row.phone,
                "trades": [{"code": t.code, "name": t.name} for t in row.trades.all()],
            }
            for row in page
        ],
    }
