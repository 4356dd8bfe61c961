"""REST API v1: applications (业务申请).

Applicants (individual or unit tokens) create, edit, upload materials, submit, recall and
withdraw; agency staff (staff tokens) list their queue and decide. Every call needs a token;
every read is scoped by the token's actor; every state change carries the ``version`` the
client was shown (409 ``APPLICATION_STALE`` otherwise). Errors are JSON
``{"code", "message", ...}``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import FileResponse, HttpRequest
from django.urls import reverse
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from shebao.accounts.actors import Actor
from shebao.accounts.api_auth import api_actor, token_auth
from shebao.applications import selectors, services
from shebao.applications.models import Application, ApplicationEvent, DeferredMaterial, Material
from shebao.common.paging import LIMIT_HELP, MAX_LIMIT, MAX_OFFSET, OFFSET_HELP
from shebao.common.schemas import ErrorOut

router = Router(tags=["业务申请"], auth=token_auth)

# A change to an application: refused to an actor who sees it but may not make the change (403),
# or when the application has changed since the client read it or its state forbids it (409).
# 400, 401, 404, 413 and 422 are documented for every operation they apply to (shebao/api.py).
REFUSED = {403: ErrorOut, 409: ErrorOut}


class MatterRef(Schema):
    code: str
    name: str


class MaterialOut(Schema):
    id: int
    code: str
    name: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime
    download_url: str


class DeferredOut(Schema):
    code: str
    name: str
    due_date: date | None
    due_provisional: bool
    state: str  # outstanding / supplied / lapsed
    supplied_at: datetime | None


class ApplicationSummary(Schema):
    number: str
    matter: MatterRef
    applicant_kind: str
    applicant_name: str
    status: str
    status_label: str
    acceptance_mode: str
    district: str
    department: str
    version: int
    created_at: datetime
    submitted_at: datetime | None
    accepted_at: datetime | None
    due_date: date | None
    due_provisional: bool
    overdue: bool


class ActionOut(Schema):
    """One action the caller may take now (a row of the workflow's transitions table)."""

    action: str
    label: str
    reason: str  # "required", "optional" or "" (no reason taken)
    reason_label: str


class ApplicationDetail(ApplicationSummary):
    data: dict[str, Any]
    subject_id_number: str
    materials: list[MaterialOut]
    deferred: list[DeferredOut]
    missing_materials: list[str]
    allowed_actions: list[str]
    actions: list[ActionOut]
    review: dict[str, Any] | None
    result: dict[str, Any] | None
    commitment_version: str
    commitment_signed_at: datetime | None
    returned_reason: str
    rejected_reason: str
    completed_at: datetime | None


class ApplicationPage(Schema):
    """One page of applications; the same paging as every list of the API."""

    total: int
    limit: int
    offset: int
    items: list[ApplicationSummary]


class EventOut(Schema):
    action: str
    label: str
    from_status: str
    to_status: str
    to_status_label: str
    actor_kind: str
    actor_name: str
    reason: str
    data: dict[str, Any]
    at: datetime


class CreateIn(Schema):
    matter: str
    data: dict[str, Any] = {}


class UpdateIn(Schema):
    data: dict[str, Any]
    version: int


class SubmitIn(Schema):
    version: int
    commitment_accepted: bool = False


class WithdrawIn(Schema):
    version: int
    reason: str = ""


class DecisionIn(Schema):
    action: str
    version: int
    reason: str = ""


def _summary(application: Application) -> dict[str, Any]:
    return {
        "number": application.number,
        "matter": {"code": application.matter.code, "name": application.matter.name},
        "applicant_kind": application.applicant_kind,
        "applicant_name": application.applicant_name,
        "status": application.status,
        "status_label": application.status_label,
        "acceptance_mode": application.acceptance_mode,
        "district": application.district_id,
        "department": application.department_id,
        "version": application.version,
        "created_at": application.created_at,
        "submitted_at": application.submitted_at,
        "accepted_at": application.accepted_at,
        "due_date": application.due_date,
        "due_provisional": application.due_provisional,
        "overdue": selectors.is_overdue(application),
    }


def _material(application: Application, material: Material) -> dict[str, Any]:
    spec = application.matter.material(material.code)
    return {
        "id": material.pk,
        "code": material.code,
        "name": spec.get("name", material.code) if spec else "其他材料",
        "original_name": material.original_name,
        "content_type": material.content_type,
        "size": material.size,
        "sha256": material.sha256,
        "uploaded_at": material.uploaded_at,
        "download_url": reverse(
            "api-v1:application_material_download", args=[application.number, material.pk]
        ),
    }


def _deferred(item: DeferredMaterial) -> dict[str, Any]:
    state = "supplied" if item.supplied_at else "lapsed" if item.lapsed_at else "outstanding"
    return {
        "code": item.code,
        "name": item.name,
        "due_date": item.due_date,
        "due_provisional": item.due_provisional,
        "state": state,
        "supplied_at": item.supplied_at,
    }


def _detail(actor: Actor, application: Application) -> dict[str, Any]:
    view = selectors.application_overview(actor=actor, application=application)
    return {
        **_summary(application),
        "data": application.data,
        "subject_id_number": application.subject_id_number,
        "materials": [_material(application, m) for m in view["materials"]],
        "deferred": [_deferred(d) for d in view["deferred"]],
        "missing_materials": [m["code"] for m in view["missing"]],
        "allowed_actions": view["actions"],
        "actions": [
            {
                "action": row.action,
                "label": row.button,
                "reason": row.reason,
                "reason_label": row.reason_label,
            }
            for row in selectors.available_rows(actor=actor, application=application)
        ],
        "review": _review(view["review"]),
        "result": {k: v for k, v in view["result"].items() if k != "template"}
        if view["result"]
        else None,
        "commitment_version": application.commitment_version,
        "commitment_signed_at": application.commitment_signed_at,
        "returned_reason": view["return_reason"],
        "rejected_reason": view["reject_reason"],
        "completed_at": application.completed_at,
    }


def _review(review: dict[str, Any] | None) -> dict[str, Any] | None:
    """The handler's reviewer context as JSON (staff only): lines count, columns, sample and
    problems for a many-lines matter."""
    if not review:
        return None
    out = {k: v for k, v in review.items() if k != "template"}
    if "problems" in out:
        out["problems"] = [
            {"row": p.row, "column": p.column, "reason": p.reason} for p in out["problems"]
        ]
    if "sample" in out:
        out["sample"] = [
            [str(v) if v is not None else None for v in line] for line in out["sample"]
        ]
    return out


def _get(request: HttpRequest, number: str) -> Application:
    return selectors.application_get(actor=api_actor(request), number=number)


def _fresh_detail(request: HttpRequest, number: str) -> dict[str, Any]:
    return _detail(api_actor(request), _get(request, number))


@router.get(
    "/",
    response=ApplicationPage,
    summary="我的申请 / 审核队列",
    description=(
        "个人、单位令牌：本人或本单位的申请（单位经办人仅限获授权事项）；经办人员令牌：本部门、"
        "本人负责区县的申请队列。筛选：status（状态，all 为全部）、q（编号、事项名称；经办人员还可"
        "按申请人姓名、身份证号、信用代码）、overdue（仅超期，经办人员）、district（区县，经办人员）。"
    ),
)
def list_applications(
    request: HttpRequest,
    status: str | None = None,
    q: str | None = None,
    overdue: bool = False,
    district: str | None = None,
    limit: int = Query(20, ge=1, le=MAX_LIMIT, description=LIMIT_HELP),
    offset: int = Query(0, ge=0, le=MAX_OFFSET, description=OFFSET_HELP),
) -> dict[str, Any]:
    actor = api_actor(request)
    if actor.is_staff:
        rows = selectors.review_queue(
            actor=actor, status=status or "all", overdue=overdue, q=q, district=district
        )
    else:
        rows = selectors.applications_for(actor=actor, status=status, q=q).order_by(
            "-created_at", "-id"
        )
    return {
        "total": rows.count(),
        "limit": limit,
        "offset": offset,
        "items": [_summary(a) for a in rows[offset : offset + limit]],
    }


@router.post(
    "/",
    response={200: ApplicationDetail, 201: ApplicationDetail, 404: ErrorOut, **REFUSED},
    summary="创建申请（草稿）",
    description=(
        "请求头 `Idempotency-Key`：同一用户以同一标识重复请求时返回首次创建的申请（HTTP 200），"
        "不会重复创建。申请表 data 按事项的字段定义校验，草稿可暂缺必填项；格式错误返回 422 "
        "`APPLICATION_DATA_INVALID` 及逐项 errors。"
    ),
)
def create_application(request: HttpRequest, payload: CreateIn) -> Status:
    actor = api_actor(request)
    matter = selectors.matter_for_applicant(actor=actor, code=payload.matter)
    application, created = services.application_create(
        actor=actor,
        matter=matter,
        data=payload.data,
        client_key=request.headers.get("Idempotency-Key", ""),
    )
    return Status(201 if created else 200, _fresh_detail(request, application.number))


@router.get("/{number}", response=ApplicationDetail, summary="申请详情")
def get_application(request: HttpRequest, number: str) -> dict[str, Any]:
    return _fresh_detail(request, number)


@router.patch(
    "/{number}",
    response={200: ApplicationDetail, **REFUSED},
    summary="修改申请表（草稿或退回补正）",
    description="data 整体替换原申请表内容（未列出的字段视为未填）；须带 version。",
)
def update_application(request: HttpRequest, number: str, payload: UpdateIn) -> dict[str, Any]:
    services.application_update(
        actor=api_actor(request),
        application=_get(request, number),
        data=payload.data,
        version=payload.version,
    )
    return _fresh_detail(request, number)


@router.post(
    "/{number}/submit",
    response={200: ApplicationDetail, **REFUSED},
    summary="提交申请",
    description="承诺制事项须 `commitment_accepted: true`（签署告知承诺书）。",
)
def submit_application(request: HttpRequest, number: str, payload: SubmitIn) -> dict[str, Any]:
    services.application_submit(
        actor=api_actor(request),
        application=_get(request, number),
        version=payload.version,
        commitment_accepted=payload.commitment_accepted,
    )
    return _fresh_detail(request, number)


@router.post(
    "/{number}/recall", response={200: ApplicationDetail, **REFUSED}, summary="回退修改（受理前）"
)
def recall_application(request: HttpRequest, number: str, payload: WithdrawIn) -> dict[str, Any]:
    services.application_recall(
        actor=api_actor(request), application=_get(request, number), version=payload.version
    )
    return _fresh_detail(request, number)


@router.post("/{number}/withdraw", response={200: ApplicationDetail, **REFUSED}, summary="撤回申请")
def withdraw_application(request: HttpRequest, number: str, payload: WithdrawIn) -> dict[str, Any]:
    services.application_withdraw(
        actor=api_actor(request),
        application=_get(request, number),
        version=payload.version,
        reason=payload.reason,
    )
    return _fresh_detail(request, number)


@router.post(
    "/{number}/materials",
    response={201: MaterialOut, **REFUSED},
    summary="上传材料",
    description=(
        "multipart 表单：code（事项材料代码，或 other）、file（PDF、JPG、PNG，内容须与类型和扩展名"
        "一致）。错误码：UPLOAD_TOO_LARGE、UPLOAD_TYPE_NOT_ALLOWED、UPLOAD_EMPTY。已受理的容缺"
        "申请上传待补交材料即为补交。"
    ),
)
def upload_material(
    request: HttpRequest, number: str, code: Form[str], file: File[UploadedFile]
) -> Status:
    application = _get(request, number)
    material = services.material_upload(
        actor=api_actor(request), application=application, code=code, file=file
    )
    return Status(201, _material(application, material))


@router.delete(
    "/{number}/materials/{material_id}", response={204: None, **REFUSED}, summary="删除材料"
)
def remove_material(request: HttpRequest, number: str, material_id: int) -> Status:
    services.material_remove(
        actor=api_actor(request), application=_get(request, number), material_id=material_id
    )
    return Status(204, None)


@router.get(
    "/{number}/materials/{material_id}",
    url_name="application_material_download",
    summary="下载材料",
    response={200: None},
)
def download_material(request: HttpRequest, number: str, material_id: int) -> FileResponse:
    actor = api_actor(request)
    material = selectors.material_get(
        actor=actor, application=_get(request, number), material_id=material_id
    )
    return FileResponse(
        material.file.open("rb"),
        as_attachment=True,
        filename=material.original_name,
        content_type=material.content_type,
    )


@router.post(
    "/{number}/decisions",
    response={200: ApplicationDetail, **REFUSED},
    summary="审核决定（经办人员）",
    description=(
        "action：accept 受理、return 退回补正（须 reason）、reject 不予受理/不予批准（须 reason）、"
        "approve 审核通过、complete 办结。"
    ),
)
def decide_application(request: HttpRequest, number: str, payload: DecisionIn) -> dict[str, Any]:
    services.application_decide(
        actor=api_actor(request),
        application=_get(request, number),
        action=payload.action,
        version=payload.version,
        reason=payload.reason,
    )
    return _fresh_detail(request, number)


@router.get("/{number}/events", response=list[EventOut], summary="办理记录（审计轨迹）")
def list_events(request: HttpRequest, number: str) -> list[dict[str, Any]]:
    actor = api_actor(request)
    application = _get(request, number)
    reviewer = selectors.is_reviewer(actor, application)
    rows = []
    for event in selectors.application_events(actor=actor, application=application):
        rows.append(
            {
                "action": event.action,
                "label": event.label,
                "from_status": event.from_status,
                "to_status": event.to_status,
                "to_status_label": event.to_status_label if event.to_status else "",
                "actor_kind": event.actor_kind,
                "actor_name": _actor_name(event, reviewer),
                "reason": event.reason,
                "data": event.data,
                "at": event.at,
            }
        )
    return rows


def _actor_name(event: ApplicationEvent, reviewer: bool) -> str:
    if event.actor_kind == "system" or event.actor is None:
        return "系统"
    if event.actor_kind == "staff" and not reviewer:
        return "经办机构"  # applicants see the agency, not the reviewer's name
    return event.actor.name
