"""Which fields of a person's basic information (人员基础信息) change how: the one table.

Four classes, from the policy the seeds state:

- ``direct`` — 直接变更: contact details with no bearing on rights or amounts (mobile, contact
  address, postal code, education). The insured person, or the unit for its employee, changes
  them and the change applies at once: the case completes on submission (即办).
- ``general`` — 一般信息: facts a reviewer checks against a document (the hukou address, the
  date the person started work, which counts towards deemed contribution years). Beijing lets
  every change "除变更姓名、身份证号码、民族、户籍性质、缴费人员类别、工人变更干部身份外" be accepted
  with the document to follow (容缺受理, seed 003); it is applied when the reviewer approves.
- ``key`` — 关键信息: exactly the six that Beijing excludes from 容缺受理 (seed 003): name, ID
  number, ethnicity, hukou type, payer category, worker/cadre status. They decide who the
  person is and which rules apply (a woman cadre's original retirement age is 55, a worker's
  50), so a reviewer approves them with every document in hand (公安机关 or 人事部门 proof).
- ``personnel`` — 机关事业单位人事信息 (seed 004 item 15: 出生年月、参加工作时间、改革时点人事工资信息):
  the birth date as the personnel file records it, the reform-time post, grade and wage, and
  the deemed contribution period, approved by the 机关事业养老保险 reviewer on the personnel
  department's documents.

Which matter may change which field is :data:`MATTER_FIELDS`; the form field that carries a
value is the field's name except where :data:`FORM_NAMES` says otherwise.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from shebao.common.money import from_fen, to_decimal, to_fen, yuan_display
from shebao.common.periods import YearMonth

DIRECT = "direct"
GENERAL = "general"
KEY = "key"
PERSONNEL = "personnel"

CLASS_LABELS = {
    DIRECT: "直接变更，提交即生效",
    GENERAL: "经办审核，证明材料可容缺后补",
    KEY: "关键信息，经办审核，材料须齐全",
    PERSONNEL: "人事信息，机关事业养老保险经办审核",
}

# The machinery-and-institution pension reform took effect on 2014-10-01 (国发〔2015〕2号 第十条):
# work before it counts as deemed contribution years (视同缴费年限); the reform-time post, grade
# and wage are those of that month.
REFORM_MONTH = YearMonth(2014, 10)

CODES_FILE = Path(__file__).resolve().parent / "data" / "person_codes.toml"


@dataclass(frozen=True)
class InfoField:
    """One field of :class:`~shebao.registry.models.PersonInfo` and how it changes.

    ``value`` says how the form's answer becomes the stored value: ``text``, ``date``,
    ``month``, ``fen`` (yuan in the form, integer fen stored), ``code`` (one of the code list
    ``codes``), ``id_number`` or ``mobile``. ``proof`` is what the reviewer checks it against.
    """

    name: str
    label: str
    klass: str
    value: str = "text"
    codes: str = ""
    proof: str = ""

    @property
    def class_label(self) -> str:
        return CLASS_LABELS[self.klass]


FIELDS: tuple[InfoField, ...] = (
    InfoField("mobile", "手机号码", DIRECT, "mobile"),
    InfoField("contact_address", "联系地址", DIRECT),
    InfoField("postal_code", "邮政编码", DIRECT),
    InfoField("education", "文化程度", DIRECT, "code", "education"),
    InfoField("hukou_address", "户籍所在地地址", GENERAL, proof="居民户口簿本人页"),
    InfoField(
        "work_start_date",
        "参加工作日期",
        GENERAL,
        "date",
        proof="人事档案中最先记载参加工作时间的页面或招工、录用审批材料",
    ),
    InfoField("name", "姓名", KEY, proof="公安机关出具的姓名变更证明或户口簿变更页"),
    InfoField(
        "id_number",
        "公民身份号码",
        KEY,
        "id_number",
        proof="公安机关出具的公民身份号码变更证明（证明新旧号码为同一人）",
    ),
    InfoField("ethnicity", "民族", KEY, "code", "ethnicity", proof="居民户口簿或公安机关证明"),
    InfoField(
        "hukou_type", "户籍性质", KEY, "code", "hukou_type", proof="居民户口簿或公安机关证明"
    ),
    InfoField(
        "payer_category",
        "缴费人员类别",
        KEY,
        "code",
        "payer_category",
        proof="居民户口簿及劳动合同",
    ),
    InfoField(
        "identity",
        "用工身份（工人/干部）",
        KEY,
        "code",
        "identity",
        proof="组织人事部门的工人转干部审批材料",
    ),
    InfoField(
        "birth_date",
        "出生日期（以人事档案为准）",
        PERSONNEL,
        "date",
        proof="人事档案中最先记载出生时间的页面",
    ),
    InfoField("reform_post", "改革时点职务（岗位）", PERSONNEL, proof="人事部门的任职或聘用材料"),
    InfoField(
        "reform_grade", "改革时点职级（级别、档次）", PERSONNEL, proof="人事部门的任职或聘用材料"
    ),
    InfoField(
        "reform_wage_fen", "改革时点工资（元/月）", PERSONNEL, "fen", proof="改革时点工资审批表"
    ),
    InfoField("deemed_start", "视同缴费起始年月", PERSONNEL, "month", proof="人事档案"),
    InfoField("deemed_end", "视同缴费截止年月", PERSONNEL, "month", proof="人事档案"),
)

BY_NAME: dict[str, InfoField] = {f.name: f for f in FIELDS}

# Form field → info field, where the names differ (the form keeps subject_name/subject_id_number
# for the person as registered, so the new values have names of their own).
FORM_NAMES = {"new_name": "name", "new_id_number": "id_number", "reform_wage": "reform_wage_fen"}
INFO_TO_FORM = {info: form for form, info in FORM_NAMES.items()}

# What each matter may record. A collection records the first values; the others change them.
COLLECTED = (
    "mobile",
    "contact_address",
    "postal_code",
    "education",
    "hukou_address",
    "work_start_date",
    "ethnicity",
    "hukou_type",
    "payer_category",
    "identity",
)
_DIRECT = tuple(f.name for f in FIELDS if f.klass == DIRECT)
_KEY = tuple(f.name for f in FIELDS if f.klass == KEY)
_PERSONNEL = tuple(f.name for f in FIELDS if f.klass == PERSONNEL)
MATTER_FIELDS: dict[str, tuple[str, ...]] = {
    "unit.person_info_collect": COLLECTED,
    "unit.staff_info_change": (*_DIRECT, *(f.name for f in FIELDS if f.klass == GENERAL)),
    "unit.staff_key_info_change": _KEY,
    "unit.institution_person_info_change": ("work_start_date", *_PERSONNEL),
    "person.flexible_info_change": _DIRECT,
    "person.resident_info_change": _DIRECT,
}
# Fields a person's own identity consists of, kept current on registry.Person as well.
PERSON_COLUMNS = ("name", "id_number", "sex", "birth_date", "mobile")


def form_name(info_name: str) -> str:
    return INFO_TO_FORM.get(info_name, info_name)


# ------------------------------------------------------------------------------ code lists


@cache
def code_lists() -> dict[str, dict[str, Any]]:
    """The code lists of ``person_codes.toml``: name → {name, source, codes: {code: label}}."""
    raw = tomllib.loads(CODES_FILE.read_text(encoding="utf-8"))
    return {
        key: {"name": value["name"], "source": value["source"], "codes": dict(value["codes"])}
        for key, value in raw.items()
    }


def code_label(codes: str, code: str) -> str:
    return code_lists()[codes]["codes"].get(code, code)


# ------------------------------------------------------------------------------ values


def value_from_form(field: InfoField, raw: Any) -> Any:
    """The stored value of a cleaned form answer (the form schema already checked its type)."""
    if field.value == "date":
        return date.fromisoformat(str(raw))
    if field.value == "month":
        return YearMonth.parse(str(raw))
    if field.value == "fen":
        return to_fen(to_decimal(raw))
    return str(raw).strip()


def values_from_form(data: dict[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    """The info values a case's answers carry, by info field name (empty answers left out)."""
    values: dict[str, Any] = {}
    for name in allowed:
        raw = data.get(form_name(name))
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        values[name] = value_from_form(BY_NAME[name], raw)
    return values


def display(field: InfoField | str, value: Any) -> str:
    """A stored value as people read it; "" for none."""
    spec = BY_NAME[field] if isinstance(field, str) else field
    if value is None or value == "":
        return ""
    if spec.value == "code":
        return code_label(spec.codes, str(value))
    if spec.value == "date":
        return f"{value.year}年{value.month}月{value.day}日"
    if spec.value == "month":
        return value.label()
    if spec.value == "fen":
        return f"{yuan_display(from_fen(int(value)))} 元"
    return str(value)
