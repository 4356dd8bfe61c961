"""Audit API (mounted at ``/api/v1/audit``): an individual files a complaint or report and
follows its progress."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from shebao.accounts.api_auth import api_actor, token_auth
from shebao.audit import selectors, services
from shebao.audit.models import AuditCase
from shebao.common.errors import NotFound
from shebao.common.schemas import CreditCodeStr, ErrorOut

router = Router(tags=["社会保险稽核"])


class ReportIn(Schema):
    kind: str = Field("complaint", description="complaint 投诉 / report 举报")
    respondent_name: str = Field(description="被投诉举报单位名称")
    respondent_credit_code: CreditCodeStr = Field("", description="统一社会信用代码（知道时填写）")
    content: str = Field(description="投诉举报内容（必填）")
    materials: str = Field("", description="已有的证据材料（留存）")
    request_key: str = Field(description="客户端生成的提交标识：重复提交只登记一次")


class StepOut(Schema):
    action: str = Field(description="file / defer / open / suspend / resume / close")
    label: str
    on: date
    text: str


class ReportOut(Schema):
    number: str
    kind: str
    status: str = Field(description="registered / deferred / open / suspended / closed")
    status_label: str
    respondent_name: str
    filed_at: datetime
    opened_on: date | None
    time_limit_days: int | None = Field(description="立案后的办理时限（工作日）")
    suspended_days: int = Field(description="中止的工作日（顺延办结期限）")
    due_on: date | None
    closed_on: date | None
    outcome: str = Field(description="confirmed / unfounded / not_opened；未结案为空")
    outcome_label: str
    steps: list[StepOut]


def _out(case: AuditCase) -> dict[str, Any]:
    return {
        "number": case.number,
        "kind": case.kind,
        "status": case.status,
        "status_label": case.get_status_display(),
        "respondent_name": case.respondent_name,
        "filed_at": case.filed_at,
        "opened_on": case.opened_on,
        "time_limit_days": case.time_limit_days,
        "suspended_days": case.suspended_days,
        "due_on": case.due_on,
        "closed_on": case.closed_on,
        "outcome": case.outcome,
        "outcome_label": case.get_outcome_display() if case.outcome else "",
        "steps": selectors.progress(case),
    }


@router.post(
    "/reports",
    auth=token_auth,
    response={201: ReportOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut},
    summary="个人提交投诉举报",
    description=(
        "个人令牌。错误码：AUDIT_CONTENT_REQUIRED（422，未填写内容）、AUDIT_RESPONDENT_REQUIRED"
        "（422）、CREDIT_CODE_MALFORMED（422）、AUDIT_KIND_INVALID（422）、FORBIDDEN（403，非个人）。"
        "应急措施中止稽核期间登记为暂缓立案（deferred）。"
    ),
)
def report_file(request: HttpRequest, payload: ReportIn) -> Status:
    case = services.report_file(actor=api_actor(request), **payload.dict())
    return Status(201, _out(case))


@router.get(
    "/reports/{number}",
    auth=token_auth,
    response={200: ReportOut, 401: ErrorOut, 404: ErrorOut},
    summary="投诉举报的办理进度",
    description="投诉举报人本人，或该地区稽核部门经办人员；其他人 AUDIT_NOT_FOUND（404）。",
)
def report_progress(request: HttpRequest, number: str) -> dict[str, Any]:
    case = selectors.case_for(actor=api_actor(request), number=number)
    if case is None:
        raise NotFound("未找到该投诉举报，或您无权查看", code="AUDIT_NOT_FOUND")
    return _out(case)
