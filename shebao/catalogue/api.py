"""Catalogue API (mounted at ``/api/v1/catalogue``): the public matter catalogue and guides.

Public: no token is needed, and every caller sees the same enabled matters. A token that is
sent must be valid (an invalid one is refused with 401, as everywhere in the API).
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from shebao.accounts.api_auth import optional_token
from shebao.catalogue import selectors
from shebao.catalogue.guide import acceptance_text, guide_for, time_limit_text
from shebao.catalogue.models import Matter
from shebao.catalogue.schema import EFFECTS
from shebao.common.paging import LIMIT_HELP, MAX_LIMIT, MAX_OFFSET, OFFSET_HELP
from shebao.common.schemas import ErrorOut

router = Router(tags=["事项清单"])


class MatterFilters(Schema):
    q: str = Field(
        default="",
        max_length=selectors.QUERY_MAX_LENGTH,
        description="检索词：在事项名称、别名、说明和编码中按子串匹配，空格分隔的多个词须同时出现",
    )
    applicant_kind: Literal["individual", "unit", "both"] | None = Field(
        default=None,
        description="办理对象：individual 个人可办（含单位或个人均可）、unit 单位可办（含均可）、both 仅限均可办理的事项",
    )
    department: str | None = Field(
        default=None, max_length=40, description="承办部门代码，如 unemployment、transfer"
    )
    category: str | None = Field(
        default=None,
        max_length=40,
        description="类别：社会保险 / 就业创业 / 人才人事 / 劳动关系 / 社会保障卡",
    )
    limit: int = Field(default=20, ge=1, le=MAX_LIMIT, description=LIMIT_HELP)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET, description=OFFSET_HELP)


class DepartmentOut(Schema):
    code: str = Field(description="部门代码")
    name: str = Field(description="部门名称")


class MatterSummaryOut(Schema):
    code: str = Field(description="事项编码（稳定，不会变更），如 person.unemployment_benefit")
    name: str = Field(description="事项名称")
    category: str = Field(description="类别")
    applicant_kind: str = Field(description="办理对象：individual 个人 / unit 单位 / both 均可")
    applicant_kind_label: str = Field(description="办理对象中文名")
    department: DepartmentOut = Field(description="承办部门")
    summary: str = Field(description="事项说明")
    acceptance_mode: str = Field(
        description="受理方式：direct 直接办理 / commitment 承诺制 / tolerance 容缺受理"
    )
    acceptance_mode_label: str = Field(description="受理方式中文名")
    time_limit_days: int = Field(description="承诺办结时限（工作日）")
    time_limit_text: str = Field(description="承诺办结时限的中文表述，如“即办”“20 个工作日”")
    instant: bool = Field(description="是否即办件")
    window_bound: bool = Field(
        description="是否仅在本地业务受理期内受理（如江苏每月11日至次月6日）"
    )


class MatterPageOut(Schema):
    total: int = Field(description="符合条件的事项总数")
    limit: int = Field(description="本页条数上限")
    offset: int = Field(description="跳过的条数")
    items: list[MatterSummaryOut] = Field(description="本页事项")


class MatterMaterialOut(Schema):
    code: str = Field(description="材料编码")
    name: str = Field(description="材料名称")
    required: bool = Field(description="是否必交")
    core: bool = Field(description="是否核心材料（容缺受理时不可后补）")
    note: str = Field(description="说明")
    accept: list[str] = Field(
        default=["pdf", "jpeg", "png"],
        description="可上传的文件类型：pdf / jpeg / png / xlsx（名册为 xlsx，照片为 jpeg、png）",
    )


class FormFieldOut(Schema):
    name: str = Field(description="字段名")
    label: str = Field(description="字段中文名")
    type: str = Field(
        description="类型：text / textarea / date / month / integer / money / choice / district（本地区的区县，取值为行政区划代码）/ id_number / credit_code / mobile / bank_account / bank_card / bool"
    )
    required: bool = Field(description="是否必填")
    help: str | None = Field(default=None, description="填写说明")
    choices: list[list[str]] | None = Field(
        default=None, description="选项类型与区县类型的可选值：[[值, 名称], …]"
    )
    max_length: int | None = Field(default=None, description="文本的最大长度（字符）")


class SourceOut(Schema):
    id: str = Field(description="来源文档编号")
    place: str = Field(description="来源地区")
    title: str = Field(description="来源文档")


class MatterOut(MatterSummaryOut):
    conditions: list[str] = Field(description="办理条件")
    materials: list[MatterMaterialOut] = Field(description="申请材料")
    acceptance_text: str = Field(description="受理方式的说明")
    effect: str = Field(
        description="办理效果：enrol / terminate / change / declare / assess / pay / refund / claim / "
        "transfer / query / print / register / card / decision（审核决定即为结果）"
    )
    effect_label: str = Field(description="办理效果的中文名")
    reviewed_by_staff: bool = Field(
        description="是否由经办人员人工审核办理（承诺产生登记效果、尚无自动办理的事项）"
    )
    one_open_case: bool = Field(description="同一对象是否仅限一件在办（在办期间再次提交将被拒绝）")
    commitment_text: str = Field(description="告知承诺书（承诺制事项）")
    tolerance_days: int | None = Field(description="容缺材料补正时限（工作日，容缺受理事项）")
    deadline_note: str = Field(description="办理期限提示")
    steps: list[str] = Field(description="办理流程")
    online_path: str = Field(description="网上办理路径")
    fields: list[FormFieldOut] = Field(description="申请表字段")
    legal_basis: list[str] = Field(description="设定依据")
    fee: str = Field(description="收费标准")
    note: str = Field(description="温馨提示")
    keywords: list[str] = Field(description="检索别名")
    sources: list[SourceOut] = Field(description="来源")
    regional: dict[str, dict[str, str]] = Field(
        description="仅适用于某一地区的内容：地区代码 → {online_path, deadline_note, note, "
        "legal_basis}；上级地区的内容适用于下级地区"
    )
    emergency_notes: list[dict[str, str]] = Field(
        description="应急措施期间的提示：[{measure, text}]，measure 为政策参数 emergency.measures "
        "中的一项措施（in_force 表示任何应急措施生效期间），仅在该地区该措施生效时适用"
    )


def _summary(matter: Matter) -> dict[str, Any]:
    return {
        "code": matter.code,
        "name": matter.name,
        "category": matter.category,
        "applicant_kind": matter.applicant_kind,
        "applicant_kind_label": matter.get_applicant_kind_display(),
        "department": {"code": matter.department.code, "name": matter.department.name},
        "summary": matter.summary,
        "acceptance_mode": matter.acceptance_mode,
        "acceptance_mode_label": matter.get_acceptance_mode_display(),
        "time_limit_days": matter.time_limit_days,
        "time_limit_text": time_limit_text(matter),
        "instant": matter.instant,
        "window_bound": matter.window_bound,
    }


@router.get(
    "/matters",
    response={200: MatterPageOut, 401: ErrorOut, 422: ErrorOut},
    auth=optional_token,
    summary="检索事项清单",
    description="按检索词、办理对象、承办部门和类别检索可网上办理的事项，分页返回（limit/offset）。无需令牌。",
)
def matter_list(request: HttpRequest, filters: Query[MatterFilters]) -> dict[str, Any]:
    matters = selectors.matters_public(
        q=filters.q,
        applicant_kind=filters.applicant_kind,
        department=filters.department,
        category=filters.category,
    )
    total = matters.count()
    page = matters[filters.offset : filters.offset + filters.limit]
    return {
        "total": total,
        "limit": filters.limit,
        "offset": filters.offset,
        "items": [_summary(m) for m in page],
    }


def _fields(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The form's fields; a district field with the districts it may take as its choices."""
    if not any(f.get("type") == "district" for f in fields):
        return fields
    from shebao.registry.selectors import hall_districts

    districts = [[r.code, r.name] for r in hall_districts()]
    return [{**f, "choices": districts} if f.get("type") == "district" else f for f in fields]


@router.get(
    "/matters/{code}",
    response={200: MatterOut, 401: ErrorOut, 404: ErrorOut},
    auth=optional_token,
    summary="事项办事指南",
    description="一个事项的完整办事指南：条件、材料、受理方式、时限、流程、申请表字段、设定依据与来源。已停用或不存在的事项返回 404 MATTER_NOT_FOUND。",
)
def matter_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    matter = selectors.matter_get(code=code)
    guide = guide_for(matter)
    return {
        **_summary(matter),
        "conditions": matter.conditions,
        "materials": matter.materials,
        "acceptance_text": acceptance_text(matter),
        "effect": matter.effect,
        "effect_label": EFFECTS.get(matter.effect, ""),
        "reviewed_by_staff": matter.reviewed_by_staff_only,
        "one_open_case": matter.one_open_case,
        "commitment_text": matter.commitment_text,
        "tolerance_days": matter.tolerance_days,
        "deadline_note": matter.deadline_note,
        "steps": matter.steps,
        "online_path": matter.online_path,
        "fields": _fields(matter.fields),
        "legal_basis": guide.legal_basis,
        "fee": matter.fee,
        "note": matter.note,
        "keywords": matter.keywords,
        "sources": [{"id": s.id, "place": s.place, "title": s.title} for s in guide.sources],
        "regional": matter.regional,
        "emergency_notes": matter.emergency_notes,
    }
