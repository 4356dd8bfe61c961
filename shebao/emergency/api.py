"""Emergency measures API (mounted at ``/api/v1/emergency-measures``): public reading."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema

from shebao.accounts.api_auth import optional_token
from shebao.common.errors import InvalidInput
from shebao.common.schemas import ErrorOut
from shebao.emergency import selectors

router = Router(tags=["应急措施"])


class EffectOut(Schema):
    code: str = Field(
        description="late_handling 逾期补办 / late_fee_waived 免收滞纳金 / collection_extended 征收期"
        "延长 / no_certification_suspension 未认证不停发 / unemployment_benefit_raised 失业金提高 / "
        "unemployment_claim_limit_lifted 不受申领时限 / manual_operations_flagged 手工操作标识 / "
        "audit_cases_suspended 稽核中止 / priority_injury_claims 工伤优先 / "
        "provisional_death_settlement 死亡待遇预结算"
    )
    title: str


class MeasureOut(Schema):
    code: str
    title: str
    region: str = Field(description="规定该措施的地区代码（下级地区继承）")
    start: date
    end: date | None = Field(description="措施解除日；null 表示尚未解除")
    effects: list[EffectOut]
    source: str


@router.get(
    "",
    auth=optional_token,
    response={200: list[MeasureOut], 404: ErrorOut, 422: ErrorOut},
    summary="某地区某日有效的应急措施",
    description=(
        "region 为行政区划代码（省略时为本大厅的统筹地区），on 为 YYYY-MM-DD（省略时为今天）。"
        "措施有效期含解除后的补办期。错误码：REGION_NOT_FOUND（404）、INVALID_DATE（422）。"
    ),
)
def measures(request: HttpRequest, region: str = "", on: str = "") -> list[dict[str, Any]]:
    day = _day(on) if on else timezone.localdate()
    return [m.as_dict() for m in selectors.measures_shown(region=region, on=day)]


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"“{text}”不是有效的日期，应为“YYYY-MM-DD”格式，如 2020-03-01",
            code="INVALID_DATE",
            field="on",
        ) from None
