"""The shape of a matter's application form and materials, and the checks the loader applies.

The workflow engine renders a matter's form from ``Matter.fields`` and checks uploads against
``Matter.materials``; both are plain JSON so that the catalogue stays data. This module is the
one description of that JSON:

- a form field is ``{"name", "label", "type", "required", "help"?, "choices"?, "max_length"?,
  "min"?, "max"?}`` (``min``/``max`` only for ``date`` and ``month``: an ISO value or ``today``)
  with ``type`` one of :data:`FIELD_TYPES` and ``choices`` (only for ``choice``) a list of
  ``[value, label]`` pairs; a ``district`` field chooses one of the districts of the region
  this hall serves (its choices come from the registry, never from the data file);
- a material is ``{"code", "name", "required", "core", "note", "accept"}``; a ``core`` material
  is always required and can never be deferred under 容缺受理; ``accept`` lists the file kinds
  of :data:`FILE_KINDS` it may be uploaded as (default :data:`DEFAULT_ACCEPT`, a scan: a roster
  is ``["xlsx"]``, a photo ``["jpeg", "png"]``);
- a matter's ``effect`` is one of :data:`EFFECTS`: what approving it does to the master
  records. Every effect but ``decision`` promises one, and such a matter never completes
  without the handler that applies it.

The checks return Chinese messages (for the people who maintain the data files) instead of
raising, so the loader can report every problem of every file at once.
"""

from __future__ import annotations

import re
from typing import Any

from shebao.common.identifiers import identifier_kinds_for_name

# type → what the form shows; the engine maps each to a widget and a parser.
FIELD_TYPES: dict[str, str] = {
    "text": "单行文本",
    "textarea": "多行文本",
    "date": "日期",
    "month": "年月",
    "integer": "整数",
    "money": "金额（元）",
    "choice": "选项",
    "district": "区县（本地区）",
    "id_number": "公民身份号码",
    "credit_code": "统一社会信用代码",
    "mobile": "手机号码",
    "bank_account": "银行账号",
    "bank_card": "银行卡号",
    "bool": "是/否",
}

FIELD_KEYS = {"name", "label", "type", "required", "help", "choices", "max_length", "min", "max"}
MATERIAL_KEYS = {"code", "name", "required", "core", "note", "accept"}

# File kinds a material may be uploaded as: kind → (content type, extensions, label).
FILE_KINDS: dict[str, tuple[str, tuple[str, ...], str]] = {
    "pdf": ("application/pdf", (".pdf",), "PDF"),
    "jpeg": ("image/jpeg", (".jpg", ".jpeg"), "JPG"),
    "png": ("image/png", (".png",), "PNG"),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (".xlsx",),
        "Excel（.xlsx）",
    ),
}
# A scan: what a material is uploaded as unless the data says otherwise.
DEFAULT_ACCEPT = ["pdf", "jpeg", "png"]

# What approving a matter does to the master records. Every effect but "decision" promises one:
# such a matter needs a registered handler to complete, and until then a reviewer handles it.
EFFECTS: dict[str, str] = {
    "enrol": "参保登记",
    "terminate": "停保、暂停或注销",
    "change": "信息变更",
    "declare": "申报",
    "assess": "核定",
    "pay": "缴费、补缴或缓缴",
    "refund": "退费",
    "claim": "待遇或补贴申领",
    "transfer": "关系转移",
    "query": "查询",
    "print": "证明打印",
    "register": "登记、报名或认证",
    "card": "社会保障卡业务",
    "decision": "经办机构的审核决定即为办理结果",
}
NO_EFFECT = "decision"


def accept_label(kinds: list[str]) -> str:
    """The accepted file kinds as people read them: "PDF、JPG、PNG"."""
    return "、".join(FILE_KINDS[k][2] for k in kinds if k in FILE_KINDS)


def accept_attribute(kinds: list[str]) -> str:
    """The HTML ``accept`` attribute for these kinds (extensions and content types)."""
    parts: list[str] = []
    for kind in kinds:
        if kind in FILE_KINDS:
            content_type, extensions, _ = FILE_KINDS[kind]
            parts.extend(extensions)
            parts.append(content_type)
    return ",".join(parts)


# Text-like types that may carry a max_length (characters).
LENGTH_TYPES = {"text", "textarea"}
# Date-like types that may carry min/max: an ISO date (month) or "today"; without them a form
# accepts 1900-01-01 to ten years ahead. A past event (发证日期, 受伤日期) has max = "today".
BOUND_TYPES = {"date": re.compile(r"^\d{4}-\d{2}-\d{2}$"), "month": re.compile(r"^\d{4}-\d{2}$")}

IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")


def _is_str(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def field_errors(fields: Any) -> list[str]:
    """Problems with a form definition; an empty list means it is well formed."""
    if not isinstance(fields, list):
        return ["申请表字段 fields 应为列表"]
    if not fields:
        return ["申请表字段 fields 不能为空：每个事项都应有申请表"]
    errors: list[str] = []
    seen: set[str] = set()
    for index, field in enumerate(fields, start=1):
        where = f"第 {index} 个字段"
        if not isinstance(field, dict):
            errors.append(f"{where}应为表（name、label、type、required）")
            continue
        name = field.get("name")
        if isinstance(name, str):
            where = f"字段 {name}"
        unknown = set(field) - FIELD_KEYS
        if unknown:
            errors.append(f"{where}含未知属性：{'、'.join(sorted(unknown))}")
        if not isinstance(name, str) or not IDENTIFIER.match(name):
            errors.append(f"{where}的 name 应为小写英文标识符（如 leave_date）")
        elif name in seen:
            errors.append(f"字段名 {name} 重复")
        else:
            seen.add(name)
        if not _is_str(field.get("label")):
            errors.append(f"{where}缺少 label（中文名称）")
        kind = field.get("type")
        if kind not in FIELD_TYPES:
            errors.append(f"{where}的 type “{kind}”未知，应为 {' | '.join(FIELD_TYPES)}")
        if not isinstance(field.get("required"), bool):
            errors.append(f"{where}的 required 应为 true 或 false")
        if "help" in field and not isinstance(field["help"], str):
            errors.append(f"{where}的 help 应为文本")
        choices = field.get("choices")
        if kind == "choice":
            errors.extend(_choice_errors(where, choices))
        elif choices is not None:
            errors.append(f"{where}不是选项类型，不应有 choices")
        if "max_length" in field:
            length = field["max_length"]
            if kind not in LENGTH_TYPES:
                errors.append(f"{where}的类型 {kind} 不应有 max_length")
            elif not isinstance(length, int) or isinstance(length, bool) or length <= 0:
                errors.append(f"{where}的 max_length 应为正整数")
        for bound in ("min", "max"):
            if bound not in field:
                continue
            value = field[bound]
            if kind not in BOUND_TYPES:
                errors.append(f"{where}的类型 {kind} 不应有 {bound}")
            elif value != "today" and not (
                isinstance(value, str) and BOUND_TYPES[kind].match(value)
            ):
                errors.append(
                    f"{where}的 {bound} 应为 today 或{FIELD_TYPES[kind]}（如 2024-09-30）"
                )
    for field in fields:
        if not isinstance(field, dict) or not isinstance(field.get("name"), str):
            continue
        kinds = identifier_kinds_for_name(field["name"])
        if kinds is not None and field.get("type") not in kinds:
            errors.append(
                f"字段 {field['name']} 按名称是证件或账号，类型应为 {' 或 '.join(sorted(kinds))}"
                "（按统一规则规范化和校验）"
            )
    if "subject_id_number" in seen:
        subject = next(
            f for f in fields if isinstance(f, dict) and f.get("name") == "subject_id_number"
        )
        if subject.get("type") != "id_number":
            errors.append("字段 subject_id_number 的类型应为 id_number")
        if "subject_name" not in seen:
            errors.append("有 subject_id_number 的表单也应有 subject_name（职工姓名）")
    return errors


def _choice_errors(where: str, choices: Any) -> list[str]:
    if not isinstance(choices, list) or not choices:
        return [f"{where}是选项类型，choices 应为非空的 [值, 名称] 列表"]
    errors: list[str] = []
    values: set[str] = set()
    for choice in choices:
        if (
            not isinstance(choice, list)
            or len(choice) != 2
            or not all(_is_str(part) for part in choice)
        ):
            errors.append(f"{where}的选项 {choice!r} 应为 [值, 名称]")
            continue
        if choice[0] in values:
            errors.append(f"{where}的选项值 {choice[0]} 重复")
        values.add(choice[0])
    return errors


def material_errors(materials: Any) -> list[str]:
    """Problems with a materials list; an empty list means it is well formed."""
    if not isinstance(materials, list):
        return ["申请材料 materials 应为列表"]
    errors: list[str] = []
    seen: set[str] = set()
    for index, material in enumerate(materials, start=1):
        where = f"第 {index} 项材料"
        if not isinstance(material, dict):
            errors.append(f"{where}应为表（code、name、required、core、note）")
            continue
        code = material.get("code")
        if isinstance(code, str):
            where = f"材料 {code}"
        unknown = set(material) - MATERIAL_KEYS
        if unknown:
            errors.append(f"{where}含未知属性：{'、'.join(sorted(unknown))}")
        if not isinstance(code, str) or not IDENTIFIER.match(code):
            errors.append(f"{where}的 code 应为小写英文标识符")
        elif code in seen:
            errors.append(f"材料编码 {code} 重复")
        else:
            seen.add(code)
        if not _is_str(material.get("name")):
            errors.append(f"{where}缺少 name（材料名称）")
        required, core = material.get("required"), material.get("core")
        if not isinstance(required, bool) or not isinstance(core, bool):
            errors.append(f"{where}的 required、core 应为 true 或 false")
        elif core and not required:
            errors.append(f"{where}是核心材料（core），必须是必交材料（required = true）")
        if not isinstance(material.get("note", ""), str):
            errors.append(f"{where}的 note 应为文本")
        accept = material.get("accept", DEFAULT_ACCEPT)
        if (
            not isinstance(accept, list)
            or not accept
            or not all(isinstance(k, str) and k in FILE_KINDS for k in accept)
            or len(set(accept)) != len(accept)
        ):
            errors.append(
                f"{where}的 accept 应为不重复的文件类型列表，取值 {' / '.join(FILE_KINDS)}"
            )
    return errors


# --- text that holds in one region, or only under emergency measures -----------------------------

REGIONAL_KEYS = ("online_path", "deadline_note", "note", "legal_basis")
# The measures of the policy parameter ``emergency.measures`` a tip can depend on, and
# "in_force": any emergency measures in force in the region.
EMERGENCY_MEASURES = (
    "in_force",
    "deferral_months_after_lift",
    "waive_late_fee",
    "keep_rights_record",
    "no_certification_suspension",
    "unemployment_benefit_pct",
    "collection_extensions",
    "flag_manual_operations",
    "suspend_audit_cases",
    "priority_injury_claims",
    "provisional_death_settlement",
    "unemployment_claim_limit_lifted_from",
)


def regional_errors(regional: Any, regions: set[str]) -> list[str]:
    """``{region code: {online_path|deadline_note|note|legal_basis: text}}``, known regions."""
    if not isinstance(regional, dict):
        return ["regional 应为表：地区代码 → {online_path, deadline_note, note}"]
    errors = []
    for code, entry in regional.items():
        if code not in regions:
            errors.append(f"regional 的地区代码“{code}”不存在")
            continue
        if not isinstance(entry, dict) or not entry:
            errors.append(f"regional.{code} 应为非空的表")
            continue
        unknown = set(entry) - set(REGIONAL_KEYS)
        if unknown:
            errors.append(f"regional.{code} 有未知属性：{'、'.join(sorted(unknown))}")
        for key, text in entry.items():
            if not _is_str(text) or not text.strip():
                errors.append(f"regional.{code}.{key} 应为非空文本")
    return errors


def emergency_note_errors(notes: Any) -> list[str]:
    """``[{measure, text}]`` with a measure of ``emergency.measures`` (or ``in_force``)."""
    if not isinstance(notes, list):
        return ["emergency_notes 应为列表：[{measure, text}]"]
    errors = []
    for index, note in enumerate(notes, start=1):
        where = f"emergency_notes 第 {index} 项"
        if not isinstance(note, dict) or set(note) != {"measure", "text"}:
            errors.append(f"{where}应为表（measure、text）")
            continue
        if note["measure"] not in EMERGENCY_MEASURES:
            errors.append(f"{where}的 measure 应为 {' / '.join(EMERGENCY_MEASURES)}")
        if not _is_str(note["text"]) or not note["text"].strip():
            errors.append(f"{where}的 text 应为非空文本")
    return errors
