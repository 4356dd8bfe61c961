"""Policy parameters API (mounted at ``/api/v1/policy``).

Reading is public (a token is optional; an invalid one is refused). Recording and finalizing
values needs the token of agency staff holding the 政策参数管理 permission.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from pydantic import AfterValidator

from shebao.accounts.api_auth import api_actor, optional_token, token_auth
from shebao.common.errors import InvalidInput, NotFound
from shebao.common.periods import POLICY_LATEST_DATE, YearMonth, date_check
from shebao.common.schemas import ErrorOut
from shebao.policy import selectors, services
from shebao.policy.models import PolicyParameter
from shebao.policy.schema import spec_for

router = Router(tags=["政策参数"])


class RegionOut(Schema):
    code: str = Field(description="行政区划代码；000000 为全国")
    name: str
    level: str = Field(description="nation / province / city / district")
    parent: str | None = None
    own_parameters: int = Field(description="本地区自行规定的参数记录数（不含继承）")


class RegionRef(Schema):
    code: str
    name: str


class ParameterOut(Schema):
    key: str = Field(description="参数键，见 shebao/policy/schema.py")
    label: str
    unit: str
    value: Any = Field(description='取值（数值为字符串，如 "0.16" 表示 16%）；null 表示无此限制')
    valid_from: date
    valid_to: date | None = Field(description="截止日期（含当日）；null 表示至今有效")
    status: str = Field(description="final 正式 / provisional 临时")
    source: str = Field(description="文号、网址、资料编号；demo 表示演示取值")
    defined_in: str = Field(description="规定该取值的地区代码")
    inherited: bool = Field(description="是否继承自上级地区或全国")


class PolicyOut(Schema):
    region: RegionRef
    month: str = Field(description="YYYY-MM；参数取该月1日有效的记录")
    parameters: list[ParameterOut]


def _policy_date(day: date) -> date:
    try:
        return date_check(day, latest=POLICY_LATEST_DATE)
    except InvalidInput as error:
        raise ValueError(error.message) from None


# A policy period starts no earlier than 1900 and ends no later than 2100 (reform schedules run
# for decades; 9999-12-31 is not "open-ended", null is).
PolicyDate = Annotated[date, AfterValidator(_policy_date)]


class RecordIn(Schema):
    key: str
    valid_from: PolicyDate
    valid_to: PolicyDate | None = None
    value: Any = Field(description='按参数类型填写；数值一律写成字符串（如 "2767.00"）')
    status: str = Field("final", description="final 或 provisional")
    source: str
    note: str = ""
    reason: str = Field(description="录入原因，记入变更记录")


class FinalizeIn(Schema):
    value: Any
    source: str
    reason: str


class RecordOut(Schema):
    id: int
    region: str
    key: str
    valid_from: date
    valid_to: date | None
    value: Any
    status: str
    source: str
    note: str
    origin: str


def _record_out(record: PolicyParameter) -> dict[str, Any]:
    return {
        "id": record.pk,
        "region": record.region_id,
        "key": record.key,
        "valid_from": record.valid_from,
        "valid_to": record.valid_to,
        "value": record.value,
        "status": record.status,
        "source": record.source,
        "note": record.note,
        "origin": record.origin,
    }


@router.get(
    "/",
    auth=optional_token,
    response={200: list[RegionOut]},
    summary="有政策参数的地区",
    description="自行规定了参数的地区，以及全部统筹地区（至少继承全国参数）。",
)
def regions(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "code": r.code,
            "name": r.name,
            "level": r.level,
            "parent": r.parent_id,
            "own_parameters": r.own,
        }
        for r in selectors.regions_with_parameters()
    ]


@router.get(
    "/{region}",
    auth=optional_token,
    response={200: PolicyOut, 404: ErrorOut, 422: ErrorOut},
    summary="某地区某月有效的全部政策参数",
    description=(
        "month 为 YYYY-MM，省略时为本月；取该月1日有效的记录，本地区未规定的参数继承上级地区"
        "和全国。错误码：REGION_NOT_FOUND（404）、INVALID_MONTH（422）、POLICY_NOT_FOUND"
        "（404，该月没有任何参数）。"
    ),
)
def region_parameters(request: HttpRequest, region: str, month: str | None = None) -> dict:
    ym = YearMonth.parse(month, field="month") if month else YearMonth.of(timezone.localdate())
    # The same answer for every caller while policy is unchanged (a read-only dict).
    return selectors.policy_memo(
        ("api_region_parameters", region, ym), lambda: _parameters(region, ym)
    )


def _parameters(region: str, ym: YearMonth) -> dict:
    policy = selectors.region_policy(region=region, on=ym.first_day)
    target, rows = policy.region, policy.parameters
    if not rows:
        raise NotFound(
            f"{target.name}在{ym.label()}没有有效的政策参数", code="POLICY_NOT_FOUND", field="month"
        )
    return {
        "region": {"code": target.code, "name": target.name},
        "month": str(ym),
        "parameters": [
            {
                "key": row.key,
                "label": row.spec.label,
                "unit": row.spec.unit,
                "value": row.dumped,
                "valid_from": row.record.valid_from,
                "valid_to": row.record.valid_to,
                "status": row.record.status,
                "source": row.record.source,
                "defined_in": row.defined_in.code,
                "inherited": row.inherited,
            }
            for row in rows
        ],
    }


@router.post(
    "/{region}/parameters",
    auth=token_auth,
    response={
        201: RecordOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
    summary="录入一条新的参数记录（经办人员）",
    description=(
        "需具备“政策参数管理”权限的经办人员令牌。错误码：POLICY_EDIT_FORBIDDEN（403）、"
        "POLICY_KEY_UNKNOWN / POLICY_VALUE_INVALID / POLICY_PERIOD_INVALID（422）、"
        "POLICY_PERIOD_OVERLAP（409）。原有无截止日期的记录在新记录生效前一日截止。"
    ),
)
def record_create(request: HttpRequest, region: str, payload: RecordIn) -> Status:
    spec_for(payload.key)
    record = services.parameter_record(
        actor=api_actor(request),
        region=region,
        key=payload.key,
        valid_from=payload.valid_from,
        valid_to=payload.valid_to,
        value=payload.value,
        status=payload.status,
        source=payload.source,
        note=payload.note,
        reason=payload.reason,
    )
    return Status(201, _record_out(record))


@router.post(
    "/records/{record_id}/finalize",
    auth=token_auth,
    response={
        200: RecordOut,
        401: ErrorOut,
        403: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        422: ErrorOut,
    },
    summary="临时参数转为正式（经办人员）",
    description=(
        "以正式值和来源替换临时值；用过该记录的计算结果可在网上大厅预览并结算多退少补。"
        "错误码：POLICY_RECORD_NOT_FOUND（404）、POLICY_ALREADY_FINAL（409）。"
    ),
)
def record_finalize(request: HttpRequest, record_id: int, payload: FinalizeIn) -> dict:
    actor = api_actor(request)
    services.require_editor(actor)
    record = selectors.parameter_record_get(pk=record_id)
    finalized = services.parameter_finalize(
        actor=actor,
        record=record,
        value=payload.value,
        source=payload.source,
        reason=payload.reason,
    )
    return _record_out(finalized)
