"""The staff-change roster (人员增减名册) as an Excel file: the template, reading and checking an
uploaded roster row by row, and the error report.

Checking is set-based: every row is parsed first, then the registry and the current relations
are read once for all the rows' ID numbers. A roster with any error is refused whole; the report
names each error's row, column and reason.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import IO, TYPE_CHECKING, Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from shebao.common.errors import DomainError, InvalidInput
from shebao.common.identifiers import normalize_id_number, normalize_mobile
from shebao.common.periods import YearMonth
from shebao.insurance import services
from shebao.insurance.calendar import open_period
from shebao.insurance.handlers import INSURANCE_SETS, LEAVE_REASONS, collected_insurances
from shebao.insurance.models import StaffChangeLine
from shebao.insurance.services import LineProblem
from shebao.registry.models import Person

if TYPE_CHECKING:
    from shebao.registry.models import Unit

# Rows a roster may carry (a unit of 20,000 staff declares in one file).
MAX_ROWS = 20_000
MAX_BYTES = 8 * 1024 * 1024
# A monthly wage above this (元) is a typing error, not a wage.
WAGE_PLAUSIBLE_MAX = Decimal("999999.99")

SHEET = "人员增减名册"
KIND_LABELS = {"增员": StaffChangeLine.Kind.ENROL, "减员": StaffChangeLine.Kind.LEAVE}
INSURANCE_LABELS = {
    "全部险种": "all",
    "养老失业工伤": "pension_unemployment_injury",
    "仅工伤": "injury_only",
}
LEAVE_REASON_LABELS = {
    "劳动合同期满终止": "contract_expired",
    "用人单位解除劳动合同": "unit_dismissal",
    "用人单位提出、协商一致解除": "mutual_by_unit",
    "因用人单位过错劳动者被迫解除": "forced_resignation",
    "劳动者本人提出解除": "resignation",
    "退休": "retirement",
    "死亡": "death",
    "其他": "other",
}


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: str  # 必填 / 增员必填 / 减员必填 / 选填
    rule: str
    example_enrol: str
    example_leave: str
    width: int = 16


COLUMNS = [
    Column("kind", "变动类型", "必填", "填“增员”或“减员”", "增员", "减员", 10),
    Column(
        "id_number",
        "公民身份号码",
        "必填",
        "18位居民身份证号码，最后一位可为X；校验位和出生日期须正确",
        "220202199001011234",
        "220202198505054321",
        22,
    ),
    Column(
        "name", "姓名", "必填", "与身份证一致；已在社保登记的，须与登记姓名一致", "张三", "李四", 10
    ),
    Column(
        "event_date",
        "用工或解除日期",
        "必填",
        "增员填劳动合同约定的用工起始日期，减员填解除或终止劳动合同日期，格式 2026-03-01",
        "2026-12-01",
        "2026-11-30",
        14,
    ),
    Column(
        "month",
        "参保或停保年月",
        "选填",
        "格式 2026-12。增员不填则为用工日期所在月；减员不填则为解除日期的次月（从该月起停止缴费）。"
        "须在本期可办理的月份内",
        "",
        "",
        14,
    ),
    Column(
        "wage",
        "月工资收入（元）",
        "增员必填",
        "大于0的金额，最多两位小数；用于核定缴费基数",
        "5200.00",
        "",
        14,
    ),
    Column(
        "insurances",
        "参保险种",
        "选填",
        "“全部险种”（默认）、“养老失业工伤”或“仅工伤”（超过法定退休年龄等人员）",
        "全部险种",
        "",
        14,
    ),
    Column(
        "leave_reason",
        "解除原因",
        "减员必填",
        "、".join(LEAVE_REASON_LABELS),
        "",
        "劳动合同期满终止",
        24,
    ),
    Column("mobile", "手机号码", "选填", "11位手机号码", "13900000000", "", 14),
]
HEADERS = [c.header for c in COLUMNS]


def template_workbook() -> bytes:
    """The roster template: the sheet to fill in, and the field rules on a second sheet."""
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append(HEADERS)
    bold = Font(bold=True)
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = bold
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        sheet.column_dimensions[cell.column_letter].width = column.width
    for col in ("B", "D", "E", "F", "I"):  # keep numbers and dates as typed text
        for row in range(2, 2001):
            sheet[f"{col}{row}"].number_format = "@"
    kinds = DataValidation(type="list", formula1='"增员,减员"', allow_blank=False)
    kinds.add("A2:A20001")
    sheet.add_data_validation(kinds)
    rules = book.create_sheet("填写说明")
    rules.append(["列名", "是否必填", "填写规则", "增员示例", "减员示例"])
    for cell in rules[1]:
        cell.font = bold
    for column in COLUMNS:
        rules.append(
            [
                column.header,
                column.required,
                column.rule,
                column.example_enrol,
                column.example_leave,
            ]
        )
    rules.append([])
    rules.append(
        [
            "说明",
            "",
            "每行一人；同一人在一份名册中只能出现一次。名册有任何一行不符合要求的，整份名册不予接收，请按错误报告修改后重新上传。",
        ]
    )
    rules.append(["", "", f"一份名册最多 {MAX_ROWS} 行；请填写数值，不要使用公式。"])
    for letter, width in (("A", 18), ("B", 10), ("C", 80), ("D", 20), ("E", 20)):
        rules.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# ------------------------------------------------------------------------------ reading


@dataclass
class RosterRow:
    line: int
    raw: dict[str, Any]
    kind: str = ""
    id_number: str = ""
    name: str = ""
    event_date: date | None = None
    month: YearMonth | None = None
    wage_fen: int | None = None
    insurances: str = ""
    leave_reason: str = ""
    mobile: str = ""
    person: Person | None = None


@dataclass
class RosterCheck:
    rows: list[RosterRow] = field(default_factory=list)
    problems: list[LineProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _refuse(message: str, code: str) -> InvalidInput:
    return InvalidInput(message, code=code, field="file")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_roster(stream: IO[bytes]) -> list[RosterRow]:
    """The data rows of an uploaded roster; refuses a file that is not a readable roster."""
    content = stream.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        raise _refuse(f"名册文件不能超过{MAX_BYTES // 1024 // 1024}MB", "ROSTER_TOO_LARGE")
    if not content.startswith(b"PK") or not zipfile.is_zipfile(io.BytesIO(content)):
        raise _refuse("名册须为Excel文件（.xlsx），请下载模板填写后上传", "ROSTER_NOT_XLSX")
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds of errors for a damaged file
        raise _refuse(
            "名册文件已损坏或不是Excel（.xlsx）文件，请重新保存后上传", "ROSTER_NOT_XLSX"
        ) from None
    sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
    rows = sheet.iter_rows()
    try:
        header_cells = next(rows)
    except StopIteration:
        raise _refuse("名册是空的：没有表头和人员", "ROSTER_EMPTY") from None
    header = [_text(c.value) for c in header_cells]
    positions: dict[str, int] = {}
    for column in COLUMNS:
        if column.header not in header:
            raise _refuse(
                f"名册缺少“{column.header}”列，请使用最新模板（第一行为列名）",
                "ROSTER_COLUMN_MISSING",
            )
        positions[column.key] = header.index(column.header)
    result: list[RosterRow] = []
    for number, cells in enumerate(rows, start=2):
        values = {
            key: (cells[index] if index < len(cells) else None) for key, index in positions.items()
        }
        if all(c is None or c.value is None or _text(c.value) == "" for c in values.values()):
            continue
        if len(result) >= MAX_ROWS:
            raise _refuse(f"一份名册最多{MAX_ROWS}行，请分成几份上传", "ROSTER_TOO_MANY_ROWS")
        raw: dict[str, Any] = {}
        formula = None
        for key, cell in values.items():
            if cell is not None and getattr(cell, "data_type", None) == "f":
                formula = key
            raw[key] = None if cell is None else cell.value
        row = RosterRow(line=number, raw=raw)
        if formula:
            row.raw["__formula__"] = formula
        result.append(row)
    book.close()
    if not result:
        raise _refuse("名册中没有人员：请从第二行起每行填写一人", "ROSTER_EMPTY")
    return result


def _header(key: str) -> str:
    return next(c.header for c in COLUMNS if c.key == key)


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value).replace("/", "-").replace(".", "-")
    if len(text) == 8 and text.isdigit():
        text = f"{text[:4]}-{text[4:6]}-{text[6:]}"
    parts = text.split("-")
    if len(parts) != 3:
        raise ValueError(text)
    return date(int(parts[0]), int(parts[1]), int(parts[2]))


def _month(value: Any) -> YearMonth:
    if isinstance(value, datetime | date):
        return YearMonth(value.year, value.month)
    text = _text(value).replace("/", "-").replace(".", "-")
    if len(text) == 6 and text.isdigit():
        text = f"{text[:4]}-{text[4:]}"
    return YearMonth.parse(text)


def _wage_fen(value: Any) -> int:
    amount = Decimal(_text(value).replace(",", "").replace("，", ""))
    if not amount.is_finite() or amount <= 0 or amount > WAGE_PLAUSIBLE_MAX:
        raise ValueError(value)
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(value)
    return int(amount * 100)


def _parse(row: RosterRow, problems: list[LineProblem]) -> None:
    raw = row.raw

    def bad(key: str, reason: str) -> None:
        problems.append(LineProblem(row.line, _header(key), reason))

    if "__formula__" in raw:
        bad(raw["__formula__"], "单元格是公式，请复制后“粘贴为数值”再上传")
        return
    kind = _text(raw.get("kind"))
    if kind not in KIND_LABELS:
        bad("kind", "应填“增员”或“减员”")
        return
    row.kind = KIND_LABELS[kind]
    try:
        row.id_number = normalize_id_number(_text(raw.get("id_number")), field=None)
    except DomainError as error:
        bad("id_number", error.message)
    row.name = _text(raw.get("name"))
    if not row.name:
        bad("name", "姓名不能为空")
    elif len(row.name) > 50:
        bad("name", "姓名过长")
    try:
        row.event_date = _date(raw.get("event_date"))
        if not date(1950, 1, 1) <= row.event_date <= date(2100, 12, 31):
            raise ValueError
    except (ValueError, TypeError):
        label = "用工日期" if row.kind == StaffChangeLine.Kind.ENROL else "解除日期"
        bad("event_date", f"{label}不是有效日期，格式如 2026-03-01")
    if _text(raw.get("month")):
        try:
            row.month = _month(raw.get("month"))
        except (DomainError, ValueError):
            bad("month", "年月格式应为 2026-03")
    elif row.event_date is not None:
        month = YearMonth.of(row.event_date)
        row.month = month if row.kind == StaffChangeLine.Kind.ENROL else month + 1
    if _text(raw.get("mobile")):
        try:
            row.mobile = normalize_mobile(_text(raw.get("mobile")), field=None)
        except DomainError as error:
            bad("mobile", error.message)
    if row.kind == StaffChangeLine.Kind.ENROL:
        if not _text(raw.get("wage")):
            bad("wage", "增员须填写月工资收入")
        else:
            try:
                row.wage_fen = _wage_fen(raw.get("wage"))
            except (InvalidOperation, ValueError):
                bad(
                    "wage", f"月工资收入应为大于0、不超过{WAGE_PLAUSIBLE_MAX}元的金额，最多两位小数"
                )
        choice = _text(raw.get("insurances")) or "全部险种"
        if choice not in INSURANCE_LABELS:
            bad("insurances", "应填“全部险种”“养老失业工伤”或“仅工伤”")
        else:
            row.insurances = INSURANCE_LABELS[choice]
    else:
        reason = _text(raw.get("leave_reason"))
        if reason not in LEAVE_REASON_LABELS:
            bad("leave_reason", "请从填写说明列出的解除原因中选择一项")
        else:
            row.leave_reason = LEAVE_REASON_LABELS[reason]


def check_roster(rows: list[RosterRow], *, unit: Unit, on: date) -> RosterCheck:
    """Check every row: its own fields, the period, the registry, duplicates in the file, and
    the current relations (enrolments must not overlap; terminations must have something
    open). Reads the database a fixed number of times, whatever the number of rows."""
    problems: list[LineProblem] = []
    for row in rows:
        _parse(row, problems)
    bad_lines = {p.line for p in problems}
    period = open_period(region=unit.district_id, on=on)
    seen: dict[str, int] = {}
    for row in rows:
        if row.line in bad_lines or not row.id_number:
            continue
        if row.id_number in seen:
            problems.append(
                LineProblem(row.line, _header("id_number"), f"与第{seen[row.id_number]}行是同一人")
            )
            bad_lines.add(row.line)
            continue
        seen[row.id_number] = row.line
        assert row.month is not None
        if row.kind == StaffChangeLine.Kind.ENROL:
            effective = period.enrolment_start(row.month)
        else:
            effective = period.termination_stop(row.month)
        if isinstance(effective, str):
            problems.append(LineProblem(row.line, _header("month"), effective))
            bad_lines.add(row.line)
        else:
            row.month = effective
    numbers = [r.id_number for r in rows if r.line not in bad_lines]
    known: dict[str, Person] = {}
    for start in range(0, len(numbers), 5000):
        for person in Person.objects.filter(id_number__in=numbers[start : start + 5000]):
            known[person.id_number] = person
    for row in rows:
        if row.line in bad_lines:
            continue
        row.person = known.get(row.id_number)
        if row.person is not None and row.person.name != row.name:
            problems.append(
                LineProblem(
                    row.line,
                    _header("name"),
                    f"与社会保险登记的姓名“{row.person.name}”不一致",
                )
            )
            bad_lines.add(row.line)
        elif row.person is None and row.kind == StaffChangeLine.Kind.LEAVE:
            problems.append(
                LineProblem(row.line, _header("id_number"), "该人员未在本单位参保，不能减员")
            )
            bad_lines.add(row.line)
    problems.extend(_relation_problems(rows, bad_lines, unit=unit))
    problems.sort(key=lambda p: (p.line, HEADERS.index(p.column) if p.column in HEADERS else 99))
    return RosterCheck(rows=rows, problems=problems)


def openings_for(rows: list[RosterRow], *, district: str) -> list[services.Opening]:
    cache: dict[YearMonth, tuple[str, ...]] = {}
    result = []
    for row in rows:
        assert row.person is not None and row.month is not None
        if row.month not in cache:
            cache[row.month] = collected_insurances(district_code=district, month=row.month)
        collected = cache[row.month]
        chosen = INSURANCE_SETS.get(row.insurances or "all")
        result.append(
            services.Opening(
                person=row.person,
                insurances=tuple(i for i in (chosen or collected) if i in collected),
                start_month=row.month,
            )
        )
    return result


def closings_for(rows: list[RosterRow]) -> list[services.Closing]:
    from shebao.insurance.models import EndReason

    return [
        services.Closing(
            person=row.person,
            stop_month=row.month,
            reason=LEAVE_REASONS.get(row.leave_reason, EndReason.LEAVE),
        )
        for row in rows
        if row.person is not None and row.month is not None
    ]


def _relation_problems(rows: list[RosterRow], bad: set[int], *, unit: Unit) -> list[LineProblem]:
    enrol = [r for r in rows if r.line not in bad and r.kind == "enrol" and r.person is not None]
    leave = [r for r in rows if r.line not in bad and r.kind == "leave" and r.person is not None]
    problems: list[LineProblem] = []
    if enrol:
        for problem in services.opening_problems(
            openings_for(enrol, district=unit.district_id), unit=unit
        ):
            problems.append(
                LineProblem(enrol[problem.line - 1].line, _header("id_number"), problem.reason)
            )
    if leave:
        for problem in services.closing_problems(closings_for(leave), unit=unit):
            column = _header("month") if problem.column == "停保年月" else _header("id_number")
            problems.append(LineProblem(leave[problem.line - 1].line, column, problem.reason))
    return problems


def error_report(rows: list[RosterRow], problems: list[LineProblem]) -> bytes:
    """The roster as uploaded with each row's errors beside it, and a list of every error."""
    by_line: dict[int, list[LineProblem]] = {}
    for problem in problems:
        by_line.setdefault(problem.line, []).append(problem)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("错误报告")
    sheet.append(["行号", "列", "错误原因"])
    for problem in problems:
        sheet.append([problem.line, problem.column, problem.reason])
    marked = book.create_sheet("名册（标注错误）")
    marked.append(["行号", *HEADERS, "错误原因"])
    for row in rows:
        reasons = "；".join(f"{p.column}：{p.reason}" for p in by_line.get(row.line, []))
        marked.append([row.line, *[_text(row.raw.get(c.key)) for c in COLUMNS], reasons or "无误"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
