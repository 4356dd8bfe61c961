"""Writes to the catalogue: loading the matters from the versioned data files.

The data directory holds one TOML file per category and applicant kind (see
``data/README.md``) plus ``_common.toml``, a library of materials, form fields and step lists
that matters refer to by name. :func:`catalogue_load` reads every file, expands the references,
checks every matter and writes nothing unless all of them are right.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from shebao.catalogue.models import CATEGORIES, MATTER_CODE_PATTERN, Matter
from shebao.catalogue.schema import (
    DEFAULT_ACCEPT,
    EFFECTS,
    NO_EFFECT,
    emergency_note_errors,
    field_errors,
    material_errors,
    regional_errors,
)
from shebao.catalogue.sources import SEEDS
from shebao.common.errors import InvalidInput
from shebao.registry.models import Department, Region

DATA_DIR = Path(__file__).resolve().parent / "data"
COMMON_FILE = "_common.toml"

# Keys a matter may have in the data files, and the defaults of the optional ones.
REQUIRED_KEYS = (
    "code",
    "name",
    "category",
    "applicant_kind",
    "department",
    "summary",
    "conditions",
    "time_limit_days",
    "steps",
    "fields",
    "legal_basis",
    "sources",
    "effect",
)
OPTIONAL_KEYS: dict[str, Any] = {
    "materials": [],
    "acceptance_mode": Matter.AcceptanceMode.DIRECT.value,
    "commitment_text": "",
    "tolerance_days": None,
    "online_path": "",
    "handler": "",
    "fee": "不收费",
    "enabled": True,
    "keywords": [],
    "window_bound": False,
    "deadline_note": "",
    "instant": False,
    "one_open_case": False,
    "note": "",
    "regional": {},
    "emergency_notes": [],
}
# Model columns the loader writes (besides ``code``).
WRITTEN = (
    "name",
    "category",
    "applicant_kind",
    "department_id",
    "summary",
    "conditions",
    "materials",
    "acceptance_mode",
    "commitment_text",
    "tolerance_days",
    "time_limit_days",
    "steps",
    "online_path",
    "fields",
    "handler",
    "legal_basis",
    "fee",
    "sources",
    "enabled",
    "keywords",
    "window_bound",
    "deadline_note",
    "instant",
    "one_open_case",
    "effect",
    "note",
    "regional",
    "emergency_notes",
    "sort_order",
    "search_text",
)
MAX_LENGTHS = {"name": 100, "online_path": 300, "deadline_note": 200, "fee": 100, "handler": 64}
CODE = re.compile(MATTER_CODE_PATTERN)


class CatalogueDataInvalid(InvalidInput):
    """The data files are wrong; ``details["errors"]`` lists every problem, file and code."""

    default_code = "CATALOGUE_DATA_INVALID"


@dataclass
class LoadReport:
    files: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    disabled: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Matters in the data files."""
        return len(self.created) + len(self.updated) + len(self.unchanged)

    def summary(self) -> str:
        return (
            f"事项清单：{len(self.files)} 个文件，{self.total} 个事项；"
            f"新增 {len(self.created)}，更新 {len(self.updated)}，未变 {len(self.unchanged)}，"
            f"停用 {len(self.disabled)}"
        )


def search_text(*, code: str, name: str, keywords: list[str], summary: str) -> str:
    """The lower-cased text that :func:`shebao.catalogue.selectors.matters_public` searches."""
    return "\n".join([name, *keywords, summary, code]).lower()


@transaction.atomic
def catalogue_load(*, directory: Path = DATA_DIR) -> LoadReport:
    """Create or update the matters of the data files in ``directory``; idempotent by code.

    Every matter is checked first (unique codes, known department and acceptance mode, the form
    and materials schema, 容缺 and 承诺 details, time limit); if anything is wrong nothing is
    written and :class:`CatalogueDataInvalid` lists every problem with its file and code.
    Matters no longer in the data are disabled, never deleted: applications refer to them.
    Departments must be loaded first (``registry.services.departments_load``).
    """
    rows, files, errors = _read(directory)
    if errors:
        raise CatalogueDataInvalid(
            f"事项清单数据有 {len(errors)} 处错误，未写入任何事项：{errors[0]}"
            + ("……" if len(errors) > 1 else ""),
            details={"errors": errors},
        )
    report = LoadReport(files=files)
    existing = {m.code: m for m in Matter.objects.select_for_update()}
    for row in rows:
        matter = existing.get(row["code"])
        if matter is None:
            Matter.objects.create(code=row["code"], **{k: row[k] for k in WRITTEN})
            report.created.append(row["code"])
            continue
        changed = [k for k in WRITTEN if getattr(matter, k) != row[k]]
        if not changed:
            report.unchanged.append(row["code"])
            continue
        for key in changed:
            setattr(matter, key, row[key])
        matter.save(update_fields=[*changed, "updated_at"])
        report.updated.append(row["code"])
    in_data = {row["code"] for row in rows}
    gone = sorted(code for code, m in existing.items() if code not in in_data and m.enabled)
    # updated_at too: it is what catalogue_stamp() (and the pages kept under it) follow.
    Matter.objects.filter(code__in=gone).update(enabled=False, updated_at=timezone.now())
    report.disabled = gone
    return report


def _read(directory: Path) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    """Parse, expand and check every file; returns (rows, file names, errors)."""
    errors: list[str] = []
    if not directory.is_dir():
        return [], [], [f"{directory}：数据目录不存在"]
    library: dict[str, Any] = {"material": {}, "field": {}, "steps": {}}
    common = directory / COMMON_FILE
    if common.exists():
        try:
            loaded = tomllib.loads(common.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            return [], [], [f"{COMMON_FILE}：TOML 格式错误：{exc}"]
        unknown = set(loaded) - set(library)
        if unknown:
            errors.append(f"{COMMON_FILE}：未知的表 {'、'.join(sorted(unknown))}")
        for key in library:
            library[key] = loaded.get(key, {})

    departments = set(Department.objects.values_list("code", flat=True))
    regions = set(Region.objects.values_list("code", flat=True))
    rows: list[dict[str, Any]] = []
    files: list[str] = []
    seen: dict[str, str] = {}
    for path in sorted(directory.glob("*.toml")):
        if path.name == COMMON_FILE:
            continue
        files.append(path.name)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            errors.append(f"{path.name}：TOML 格式错误：{exc}")
            continue
        unknown = set(data) - {"defaults", "matter"}
        if unknown:
            errors.append(f"{path.name}：未知的表 {'、'.join(sorted(unknown))}")
        defaults = data.get("defaults", {})
        for index, raw in enumerate(data.get("matter", []), start=1):
            entry = {**defaults, **raw}
            code = entry.get("code")
            label = f"{path.name} · {code if isinstance(code, str) else f'第 {index} 个事项'}"
            row, problems = _matter(entry, library, departments, regions)
            errors.extend(f"{label}：{problem}" for problem in problems)
            if isinstance(code, str):
                if code in seen:
                    errors.append(f"{label}：事项编码重复（已在 {seen[code]} 中定义）")
                    continue
                seen[code] = path.name
            if not problems:
                row["sort_order"] = (len(rows) + 1) * 10
                rows.append(row)
    if not files:
        errors.append(f"{directory}：没有事项数据文件（*.toml）")
    return rows, files, errors


def _expand(items: Any, library: dict[str, Any], kind: str, key: str) -> tuple[Any, list[str]]:
    """Replace references to the common library: ``"id_card"`` or ``{use = "id_card", …}``."""
    if not isinstance(items, list):
        return items, []
    expanded: list[Any] = []
    errors: list[str] = []
    for item in items:
        ref: str | None = None
        overrides: dict[str, Any] = {}
        if isinstance(item, str):
            ref = item
        elif isinstance(item, dict) and "use" in item:
            ref = item["use"]
            overrides = {k: v for k, v in item.items() if k != "use"}
        if ref is None:
            expanded.append(item)
            continue
        base = library[kind].get(ref)
        if base is None:
            errors.append(
                f"引用的公共{'材料' if kind == 'material' else '字段'} “{ref}” 未在 {COMMON_FILE} 中定义"
            )
            continue
        expanded.append({key: ref, **base, **overrides})
    return expanded, errors


def _material(material: Any) -> Any:
    if not isinstance(material, dict):
        return material
    return {"required": True, "core": False, "note": "", "accept": list(DEFAULT_ACCEPT), **material}


def _matter(
    entry: dict[str, Any], library: dict[str, Any], departments: set[str], regions: set[str]
) -> tuple[dict[str, Any], list[str]]:
    """Normalise one matter of a data file and list what is wrong with it."""
    errors: list[str] = []
    unknown = set(entry) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS)
    if unknown:
        errors.append(f"未知属性：{'、'.join(sorted(unknown))}")
    missing = [key for key in REQUIRED_KEYS if key not in entry]
    if missing:
        errors.append(f"缺少属性：{'、'.join(missing)}")
        return {}, errors
    row: dict[str, Any] = {**OPTIONAL_KEYS, **entry}

    code = row["code"]
    if not isinstance(code, str) or not CODE.match(code) or len(code) > 64:
        errors.append("事项编码应为小写点分标识（如 unit.staff_enrol），不超过 64 个字符")
    for key in ("name", "summary"):
        if not isinstance(row[key], str) or not row[key].strip():
            errors.append(f"{key} 不能为空")
    for key, limit in MAX_LENGTHS.items():
        if isinstance(row[key], str) and len(row[key]) > limit:
            errors.append(f"{key} 超过 {limit} 个字符")
    for key in ("online_path", "handler", "fee", "deadline_note", "note", "commitment_text"):
        if not isinstance(row[key], str):
            errors.append(f"{key} 应为文本")
    for key in ("enabled", "window_bound", "instant", "one_open_case"):
        if not isinstance(row[key], bool):
            errors.append(f"{key} 应为 true 或 false")
    errors.extend(handler_errors(row))
    if row["category"] not in CATEGORIES:
        errors.append(f"类别“{row['category']}”未知，应为 {' / '.join(CATEGORIES)}")
    if row["applicant_kind"] not in Matter.ApplicantKind.values:
        errors.append(
            f"办理对象“{row['applicant_kind']}”未知，应为 {' / '.join(Matter.ApplicantKind.values)}"
        )
    if row["department"] not in departments:
        errors.append(
            f"承办部门“{row['department']}”不存在（先运行 departments_load，"
            "并核对 registry/data/departments.toml）"
        )
    row["department_id"] = row.pop("department")

    for key in ("conditions", "keywords"):
        value = row[key]
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            errors.append(f"{key} 应为文本列表")
        row[key] = value
    if isinstance(row["legal_basis"], list):
        row["legal_basis"] = "\n".join(row["legal_basis"])
    if not isinstance(row["legal_basis"], str) or not row["legal_basis"].strip():
        errors.append("设定依据 legal_basis 不能为空")

    steps = row["steps"]
    if isinstance(steps, str):
        if steps not in library["steps"]:
            errors.append(f"办理流程模板“{steps}”未在 {COMMON_FILE} 的 [steps] 中定义")
        steps = library["steps"].get(steps, [])
    if not isinstance(steps, list) or not steps or not all(_text(s) for s in steps):
        errors.append("办理流程 steps 应为非空的文本列表")
    row["steps"] = steps

    materials, problems = _expand(row["materials"], library, "material", "code")
    errors.extend(problems)
    materials = [_material(m) for m in materials] if isinstance(materials, list) else materials
    errors.extend(material_errors(materials))
    row["materials"] = materials

    fields, problems = _expand(row["fields"], library, "field", "name")
    errors.extend(problems)
    errors.extend(field_errors(fields))
    row["fields"] = fields

    mode = row["acceptance_mode"]
    if mode not in Matter.AcceptanceMode.values:
        errors.append(f"受理方式“{mode}”未知，应为 {' / '.join(Matter.AcceptanceMode.values)}")
    if mode == Matter.AcceptanceMode.COMMITMENT:
        if not _text(row["commitment_text"]):
            errors.append("承诺制事项必须有告知承诺书 commitment_text")
    elif row["commitment_text"]:
        errors.append("只有承诺制事项才有告知承诺书 commitment_text")
    days = row["tolerance_days"]
    if mode == Matter.AcceptanceMode.TOLERANCE:
        if not _positive(days):
            errors.append("容缺受理事项必须有补正时限 tolerance_days（正整数，工作日）")
        deferrable = (
            [
                m
                for m in materials
                if isinstance(m, dict) and m.get("required") and not m.get("core")
            ]
            if isinstance(materials, list)
            else []
        )
        if not deferrable:
            errors.append(
                "容缺受理事项至少要有一项可后补的必交材料（required = true，core = false）"
            )
    elif days is not None:
        errors.append("只有容缺受理事项才有补正时限 tolerance_days")
    if not _positive(row["time_limit_days"]) or row["time_limit_days"] > 365:
        errors.append("承诺办结时限 time_limit_days 应为 1–365 的整数（工作日）")

    sources = row["sources"]
    if not isinstance(sources, list) or not sources or not set(sources) <= set(SEEDS):
        errors.append(f"来源 sources 应为非空列表，取值 {' / '.join(SEEDS)}")
    elif len(set(sources)) != len(sources):
        errors.append("来源 sources 有重复")
    else:
        row["sources"] = sorted(sources)

    errors.extend(regional_errors(row["regional"], regions))
    errors.extend(emergency_note_errors(row["emergency_notes"]))

    if not errors:
        row["search_text"] = search_text(
            code=code, name=row["name"], keywords=row["keywords"], summary=row["summary"]
        )
    return row, errors


def handler_errors(row: dict[str, Any]) -> list[str]:
    """The effect and handler rules of one matter (also the system check's):

    - ``effect`` is one of :data:`~shebao.catalogue.schema.EFFECTS`;
    - a ``handler`` key is registered by some module (else the matter would complete without
      its effect);
    - a matter answered at once (``instant``) needs a handler: nothing else could answer it.
      So a matter that promises an effect and has no handler yet is reviewed by staff, and its
      guide says so (:func:`shebao.catalogue.guide.reviewer_note`).
    """
    from shebao.applications.handlers import is_registered

    errors: list[str] = []
    effect = row.get("effect")
    if effect not in EFFECTS:
        errors.append(f"办理效果 effect“{effect}”未知，应为 {' / '.join(EFFECTS)}")
    handler = row.get("handler", "")
    if isinstance(handler, str) and handler and not is_registered(handler):
        errors.append(
            f"业务处理器 handler“{handler}”没有任何模块注册（检查拼写，或注册该处理器的应用是否已安装）"
        )
    if row.get("instant") is True and not handler:
        what = "" if effect == NO_EFFECT else f"（{EFFECTS.get(str(effect), effect)}）"
        errors.append(
            f"即办件必须有业务处理器 handler：没有处理器，提交后无法即时产生办理结果{what}"
        )
    return errors


def _text(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def _positive(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value > 0
