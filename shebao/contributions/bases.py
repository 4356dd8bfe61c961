"""Contribution bases (缴费基数): the unit's annual declaration per employee, as a case with its
lines (企业职工社会保险缴费基数申报, ``unit.base_declare``, handler ``base_declare``).

The unit declares each employee's previous-year average monthly wage for the year, from a month
on, on screen or from an .xlsx sheet, and attaches the signed wage roster. Every line is checked
at submission (and again at approval): the person is on the unit's roster in that month, the
name matches the registry, the wage is plausible — at most ``contribution.declared_wage_max_ratio``
times the base ceiling of the month (a monthly wage of 999,999 yuan is a typing error, not a
wage) — and no later declaration exists. On approval the lines become
:class:`~shebao.contributions.models.ContributionBase` records, set-based, in the approval's
transaction. The base of each month is the clamp of the declared wage to that month's limits,
derived by the assessment with the rules' own formula.

An employee with no declaration in force: the base floor (下限). The declared wage of the last
declaration stays in force until the next one (so the previous year's wage carries over into a
year not yet declared, as the limits of the new year apply to it); an employee never declared —
new to the unit since the last declaration — is assessed at the floor of the month, the lowest
base the law allows (国办发〔2019〕13号: 个人缴费基数下限为全口径平均工资的60%), until the
unit declares them. The explanation of such a line says so.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import IO, TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from shebao.applications.handlers import LineProblem, LinesHandler, LinesInvalid, register
from shebao.common.errors import DomainError, InvalidInput
from shebao.common.identifiers import normalize_id_number
from shebao.common.money import FEN, from_fen, to_fen
from shebao.common.periods import YearMonth
from shebao.contributions.models import BaseDeclarationLine, ContributionBase
from shebao.insurance.models import Relation
from shebao.registry.models import Person, Unit

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor
    from shebao.applications.models import Application

MATTER = "unit.base_declare"
MATERIAL = "wage_roster"
# Lines a declaration may carry (a unit of 20,000 staff declares at once).
MAX_ROWS = 20_000
MAX_BYTES = 8 * 1024 * 1024
SHEET = "缴费基数申报"
HEADERS = ("公民身份号码", "姓名", "上年度月平均工资（元）")


@dataclass(frozen=True)
class DeclaredRow:
    """One employee as the unit entered them: the row number (the sheet's row, or the order on
    screen), and the text of each cell."""

    row: int
    id_number: str
    name: str
    wage: str


# --- reading and checking ------------------------------------------------------------------------


def _wage_fen(text: str) -> int:
    try:
        amount = Decimal(text.strip().replace(",", "").replace("，", ""))
    except InvalidOperation:
        raise ValueError(text) from None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(FEN):
        raise ValueError(text)
    return to_fen(amount)


def _region(unit: Unit) -> str:
    return unit.district_id


def wage_limit(*, unit: Unit, month: YearMonth) -> Decimal:
    """The highest monthly wage a declaration of ``unit`` from ``month`` may carry (yuan):
    ``contribution.declared_wage_max_ratio`` × the base ceiling of the month."""
    from shebao.calculators.services import base_limits_for
    from shebao.policy.selectors import param

    ceiling = base_limits_for(region=_region(unit), month=month).ceiling
    ratio = param(
        region=_region(unit), key="contribution.declared_wage_max_ratio", on=month.first_day
    ).value
    return (ceiling * ratio).quantize(FEN)


def rows_problems(rows: list[DeclaredRow]) -> tuple[list[BaseDeclarationLine], list[LineProblem]]:
    """Parse the rows: (lines not yet saved, problems). Only what the text itself says."""
    lines: list[BaseDeclarationLine] = []
    problems: list[LineProblem] = []
    seen: dict[str, int] = {}
    if not rows:
        problems.append(LineProblem(1, "公民身份号码", "没有申报任何职工"))
    for row in rows:
        try:
            id_number = normalize_id_number(row.id_number)
        except DomainError as error:
            problems.append(LineProblem(row.row, "公民身份号码", error.message))
            continue
        if id_number in seen:
            problems.append(
                LineProblem(row.row, "公民身份号码", f"与第{seen[id_number]}行是同一人")
            )
            continue
        seen[id_number] = row.row
        name = row.name.strip()
        if not name:
            problems.append(LineProblem(row.row, "姓名", "未填写姓名"))
        try:
            wage_fen = _wage_fen(row.wage)
        except ValueError:
            problems.append(
                LineProblem(
                    row.row, "上年度月平均工资", f"“{row.wage}”不是大于0、最多两位小数的金额"
                )
            )
            continue
        lines.append(
            BaseDeclarationLine(row=row.row, id_number=id_number, name=name, wage_fen=wage_fen)
        )
    return lines, problems


def records_problems(
    lines: list[BaseDeclarationLine], *, unit: Unit, month: YearMonth
) -> list[LineProblem]:
    """Check the lines against the records as they are now, in a few queries whatever their
    number: the registry, the unit's relations, the declarations already in force, the limit.
    Sets each line's ``person``."""
    problems: list[LineProblem] = []
    limit_fen = to_fen(wage_limit(unit=unit, month=month))
    persons = {
        p.id_number: p
        for start in range(0, len(lines), 5000)
        for p in Person.objects.filter(
            id_number__in=[x.id_number for x in lines[start : start + 5000]]
        ).only("pk", "id_number", "name")
    }
    ids = [p.pk for p in persons.values()]
    on_roster = set()
    later = set()
    for start in range(0, len(ids), 5000):
        chunk = ids[start : start + 5000]
        on_roster |= set(
            Relation.objects.current()
            .filter(unit=unit, person_id__in=chunk)
            .filter(Q(end_month__isnull=True) | Q(end_month__gte=month))
            .values_list("person_id", flat=True)
        )
        later |= set(
            ContributionBase.objects.filter(
                unit=unit, person_id__in=chunk, superseded_at__isnull=True, valid_from__gt=month
            ).values_list("person_id", flat=True)
        )
    for line in lines:
        person = persons.get(line.id_number)
        line.person = person
        if person is None:
            problems.append(LineProblem(line.row, "公民身份号码", "社会保险登记中无此人"))
            continue
        if person.name != line.name:
            problems.append(
                LineProblem(line.row, "姓名", f"与社会保险登记不一致（登记为“{person.name}”）")
            )
        if person.pk not in on_roster:
            problems.append(
                LineProblem(
                    line.row, "公民身份号码", f"{month.label()}起未在本单位参保，不能申报基数"
                )
            )
        if person.pk in later:
            problems.append(
                LineProblem(
                    line.row,
                    "公民身份号码",
                    f"已申报{month.label()}以后月份起的缴费基数，请先更正该申报",
                )
            )
        if line.wage_fen > limit_fen:
            problems.append(
                LineProblem(
                    line.row,
                    "上年度月平均工资",
                    f"{from_fen(line.wage_fen)}元超过合理上限{from_fen(limit_fen)}元"
                    "（缴费基数上限的倍数），请核对是否误填（如把年工资填成月工资）",
                )
            )
    return problems


def _link_persons(lines: list[BaseDeclarationLine]) -> None:
    """Point each line at the registry's person of its ID number (one query per 5,000)."""
    found: dict[str, int] = {}
    for start in range(0, len(lines), 5000):
        found.update(
            Person.objects.filter(
                id_number__in=[x.id_number for x in lines[start : start + 5000]]
            ).values_list("id_number", "pk")
        )
    for line in lines:
        line.person_id = found.get(line.id_number)


def _refuse(problems: list[LineProblem]) -> LinesInvalid:
    from dataclasses import asdict

    problems = sorted(problems, key=lambda p: p.row)
    named = "；".join(f"第 {p.row} 行 {p.column}：{p.reason}" for p in problems[:3])
    more = "……" if len(problems) > 3 else ""
    return LinesInvalid(
        f"明细有 {len(problems)} 处错误，请修改后再提交：{named}{more}",
        details={"rows": [asdict(p) for p in problems]},
    )


def _declared_month(data: dict[str, Any]) -> tuple[int, YearMonth]:
    year = int(data["declare_year"])
    month = YearMonth.parse(str(data["effective_month"]), field="effective_month")
    if month.year not in (year, year + 1):
        raise InvalidInput(
            f"执行起始年月应在{year}年或{year + 1}年内（本年度基数自公布的执行月份起执行）",
            code="BASE_MONTH_OUTSIDE_YEAR",
            field="effective_month",
        )
    return year, month


# --- the sheet -----------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def read_sheet(stream: IO[bytes]) -> list[DeclaredRow]:
    """The rows of an uploaded declaration (.xlsx, first row the headers ``HEADERS``)."""
    from openpyxl import load_workbook

    content = stream.read(MAX_BYTES + 1)
    if len(content) > MAX_BYTES:
        raise InvalidInput("申报表不能超过8MB", code="SHEET_TOO_LARGE", field="file")
    if not content.startswith(b"PK") or not zipfile.is_zipfile(io.BytesIO(content)):
        raise InvalidInput(
            "申报表须为Excel文件（.xlsx），请下载模板填写后上传",
            code="SHEET_NOT_XLSX",
            field="file",
        )
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of errors for a damaged file
        raise InvalidInput(
            "申报表已损坏或不是Excel（.xlsx）文件", code="SHEET_NOT_XLSX", field="file"
        ) from None
    sheet = book[SHEET] if SHEET in book.sheetnames else book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [_text(v) for v in next(rows, ())]
    missing = [h for h in HEADERS if h not in header]
    if missing:
        raise InvalidInput(
            f"申报表缺少“{missing[0]}”列，请使用模板（第一行为列名）",
            code="SHEET_COLUMN_MISSING",
            field="file",
        )
    at = [header.index(h) for h in HEADERS]
    result: list[DeclaredRow] = []
    for number, values in enumerate(rows, start=2):
        cells = [_text(values[i]) if i < len(values) else "" for i in at]
        if not any(cells):
            continue
        if len(result) >= MAX_ROWS:
            raise InvalidInput(
                f"一份申报表最多{MAX_ROWS}行", code="SHEET_TOO_MANY_ROWS", field="file"
            )
        result.append(DeclaredRow(number, *cells))
    book.close()
    return result


def template_workbook(rows: list[tuple[str, str, str]]) -> bytes:
    """The declaration sheet, pre-filled with ``rows`` (ID number, name, wage)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET
    sheet.append(list(HEADERS))
    for row in rows:
        sheet.append(list(row))
    for column, width in zip("ABC", (22, 12, 24), strict=True):
        sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- the case ------------------------------------------------------------------------------------


def base_declaration_submit(
    *,
    actor: Actor,
    unit: Unit,
    year: int,
    effective_month: YearMonth,
    rows: list[DeclaredRow],
    material: IO[bytes],
    remark: str = "",
    client_key: str = "",
) -> tuple[Application, bool]:
    """File and submit the unit's declaration with its lines and the signed wage roster
    (``material``); returns ``(application, created)``. Every problem of every line refuses
    the whole declaration (:class:`LinesInvalid`, the rows in ``details``) and nothing is
    written. A repeated ``client_key`` returns the first application."""
    from shebao.applications import services as engine
    from shebao.applications.selectors import matter_for_applicant

    matter = matter_for_applicant(actor=actor, code=MATTER)
    if actor.unit is None or actor.unit.pk != unit.pk:
        raise InvalidInput("只能为本单位申报缴费基数", code="UNIT_MISMATCH")
    replayed = engine.application_replay(actor=actor, matter=matter, client_key=client_key)
    if replayed is not None:
        return replayed, False
    data = {
        "declare_year": year,
        "effective_month": str(effective_month),
        "remark": remark.strip()[:200],
    }
    _declared_month(data)
    lines, problems = rows_problems(rows)
    if problems:
        raise _refuse(problems)
    with transaction.atomic():
        application, created = engine.application_create(
            actor=actor, matter=matter, data=data, client_key=client_key
        )
        if not created:
            return application, False
        for line in lines:
            line.application = application
        _link_persons(lines)
        BaseDeclarationLine.objects.bulk_create(lines, batch_size=2000)
        engine.material_upload(actor=actor, application=application, code=MATERIAL, file=material)
        application.refresh_from_db()
        submitted = engine.application_submit(
            actor=actor, application=application, version=application.version
        )
        return submitted, True


def declaration_stage(application: Application, rows: list[DeclaredRow]) -> int:
    """Stage lines on a draft declaration (the demo builds its case this way); returns the
    number staged."""
    lines, problems = rows_problems(rows)
    if problems:
        raise _refuse(problems)
    for line in lines:
        line.application = application
    _link_persons(lines)
    BaseDeclarationLine.objects.bulk_create(lines, batch_size=2000)
    return len(lines)


@register("base_declare")
class BaseDeclareHandler(LinesHandler):
    """企业职工社会保险缴费基数申报: each line's declared wage from the effective month on."""

    line_model = BaseDeclarationLine
    page = "contributions:bases"
    reviewer_template = "contributions/_base_lines.html"

    def validate(self, application: Application, data: dict[str, Any]) -> dict[str, Any]:
        if data.get("declare_year") and data.get("effective_month"):
            _declared_month(data)
        return data

    def line_columns(self) -> list[tuple[str, str]]:
        return [
            ("row", "行号"),
            ("id_number", "公民身份号码"),
            ("name", "姓名"),
            ("wage_yuan", "上年度月平均工资（元）"),
        ]

    def validate_lines(self, application: Application) -> list[LineProblem]:
        assert application.unit is not None
        _year, month = _declared_month(application.data)
        lines = list(self.lines(application))
        return records_problems(lines, unit=application.unit, month=month)

    def reviewer_context(self, application: Application) -> dict[str, Any]:
        from shebao.calculators.services import base_limits_for
        from shebao.policy.selectors import param_or_none

        context = super().reviewer_context(application)
        assert application.unit is not None
        _year, month = _declared_month(application.data)
        region = _region(application.unit)
        limits = base_limits_for(region=region, month=month)
        minimum = param_or_none(region=region, key="wage.minimum_monthly", on=month.first_day)
        below = [
            line
            for line in self.lines(application)
            if minimum is not None and from_fen(line.wage_fen) < minimum.value
        ][:50]
        context.update(
            {
                "floor": limits.floor,
                "ceiling": limits.ceiling,
                "minimum_wage": minimum.value if minimum is not None else None,
                "below_minimum": below,
                "month": month,
            }
        )
        return context

    def apply_lines(self, application: Application, actor: Actor | None) -> dict[str, Any]:
        """The declaration's records, set-based: what was declared from the same month for these
        employees is superseded, what was in force before is closed the month before, and one
        record per line is inserted."""
        unit = application.unit
        assert unit is not None
        year, month = _declared_month(application.data)
        now = timezone.now()
        persons = BaseDeclarationLine.objects.filter(application=application).values("person_id")
        current = ContributionBase.objects.filter(
            unit=unit, person_id__in=persons, superseded_at__isnull=True
        )
        superseded = current.filter(valid_from=month).update(superseded_at=now)
        closed = (
            current.filter(valid_from__lt=month)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=month))
            .update(valid_to=month - 1)
        )
        user = actor.user if actor is not None else None
        rows = [
            ContributionBase(
                unit=unit,
                person_id=person_id,
                year=year,
                valid_from=month,
                wage_fen=wage_fen,
                application=application,
                recorded_at=now,
                recorded_by=user,
            )
            for person_id, wage_fen in BaseDeclarationLine.objects.filter(
                application=application
            ).values_list("person_id", "wage_fen")
        ]
        ContributionBase.objects.bulk_create(rows, batch_size=2000)
        return {"bases": len(rows), "superseded": superseded, "closed": closed}
