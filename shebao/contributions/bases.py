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

from django.db.models import Q
from django.utils import timezone

from shebao.applications.handlers import LineProblem, LinesHandler, LinesInvalid, register
from shebao.common.errors import DomainError, InvalidInput
from shebao.common.identifiers import normalize_id_number
from shebao.common.money import FEN, from_fen, to_fen
from shebao.common.periods import YearMonth
from shebao.contributions.models import BaseDeclarationLine, ContributionBase
from shebao.insurance.models import Relation, Scheme
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
INSTITUTION_MATTER = "unit.institution_wage_declare"


@dataclass(frozen=True)
class Declaration:
    """One kind of base declaration: the enterprise's (企业职工社会保险缴费基数申报) or the
    institution's salary declaration (机关事业单位缴费工资申报). Both are the same machinery —
    lines staged with the case, checked whole, clamped to the month's limits, applied as
    :class:`ContributionBase` records — over the staff of the unit in the declaration's schemes.
    """

    matter: str
    title: str
    page: str  # URL name of the declaration page
    sheet_page: str  # URL name of its sheet
    schemes: tuple[str, ...]  # the relations whose staff the unit declares
    unit_kinds: tuple[str, ...]  # empty: any unit
    wage_label: str


ENTERPRISE = Declaration(
    matter=MATTER,
    title="缴费基数申报",
    page="contributions:bases",
    sheet_page="contributions:base_sheet",
    schemes=(),
    unit_kinds=(),
    wage_label="上年度月平均工资",
)
INSTITUTION = Declaration(
    matter=INSTITUTION_MATTER,
    title="机关事业单位缴费工资申报",
    page="contributions:institution_wages",
    sheet_page="contributions:institution_wage_sheet",
    schemes=(Scheme.INSTITUTION,),
    unit_kinds=(Unit.Kind.INSTITUTION,),
    wage_label="上年度月平均工资",
)
DECLARATIONS = {d.matter: d for d in (ENTERPRISE, INSTITUTION)}


def declaration_for(unit: Unit, kind: Declaration) -> Declaration:
    """The declaration ``kind`` if ``unit`` may file it; refuses (422
    ``INSTITUTION_ONLY``) an enterprise filing the institution's salary declaration."""
    if kind.unit_kinds and unit.kind not in kind.unit_kinds:
        raise InvalidInput(
            f"{kind.title}仅限机关事业单位办理；企业请办理“企业职工社会保险缴费基数申报”",
            code="INSTITUTION_ONLY",
        )
    return kind


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


@dataclass(frozen=True)
class Limits:
    """The base limits of a region's month, with how each was found and the sources of the
    parameters it came from (what the page, the sheet's preview and the reviewer show)."""

    month: YearMonth
    floor: Decimal
    ceiling: Decimal
    floor_how: str  # "公布标准" or "55,340.00 × 60% ÷ 12，…"
    ceiling_how: str
    sources: tuple[tuple[str, str], ...]  # (parameter, its public source)
    provisional: bool
    rounding: Any  # rounding.base: the declared wage is rounded by it before the clamp

    def clamp(self, wage_fen: int) -> Clamp:
        """The base of a declared wage, by the rule's own clamp formula
        (:func:`shebao.rules.contribution.clamp_formula`)."""
        from shebao.rules.contribution import clamp_formula
        from shebao.rules.formula import evaluate_named

        values = evaluate_named(
            clamp_formula(floor=self.floor, ceiling=self.ceiling, rounding=self.rounding),
            {"wage": from_fen(wage_fen)},
        )
        declared, base = values["declared"], values["base"]
        side = "floor" if declared < self.floor else "ceiling" if declared > self.ceiling else ""
        return Clamp(wage=from_fen(wage_fen), declared=declared, base=base, side=side)


@dataclass(frozen=True)
class Clamp:
    """A declared wage and the base applied: ``side`` says which limit clamped it."""

    wage: Decimal  # as declared
    declared: Decimal  # rounded by rounding.base
    base: Decimal  # applied
    side: str  # "floor", "ceiling" or ""

    @property
    def clamped(self) -> bool:
        return bool(self.side)

    @property
    def note(self) -> str:
        if self.side == "floor":
            return f"低于下限，按下限{self.base:,.2f}元核定"
        if self.side == "ceiling":
            return f"高于上限，按上限{self.base:,.2f}元核定"
        if self.declared != self.wage:
            return f"按舍入规则取{self.base:,.2f}元"
        return "在上下限之间，按申报工资核定"


def month_limits(*, region: str, month: YearMonth) -> Limits:
    """The limits of ``region``'s ``month`` as the contribution rule resolves them
    (:func:`shebao.rules.contribution.base_limits`), traced to their parameters."""
    from shebao.calculators.services import params_for
    from shebao.common.trace import Trace
    from shebao.policy.display import public_source, spec_label
    from shebao.rules import contribution

    params = params_for(
        region=region,
        on=month.first_day,
        keys=contribution.LIMIT_KEYS,
        optional=contribution.LIMIT_OPTIONAL_KEYS,
    )
    trace = Trace("contribution.limits", "缴费基数上下限")
    floor, ceiling = contribution.base_limits(params, trace)
    how = {step.label: step.formula for step in trace.steps}
    return Limits(
        month=month,
        floor=floor,
        ceiling=ceiling,
        floor_how=how.get("缴费基数下限", ""),
        ceiling_how=how.get("缴费基数上限", ""),
        sources=tuple((spec_label(ref.key), public_source(ref.source)) for ref in trace.params),
        provisional=trace.provisional,
        rounding=params["rounding.base"].value,
    )


def rows_problems(
    rows: list[DeclaredRow], *, wage_column: str = "上年度月平均工资"
) -> tuple[list[BaseDeclarationLine], list[LineProblem]]:
    """Parse the rows: (lines not yet saved, problems). Only what the text itself says;
    ``wage_column`` names the wage's column in the problems."""
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
                LineProblem(row.row, wage_column, f"“{row.wage}”不是大于0、最多两位小数的金额")
            )
            continue
        lines.append(
            BaseDeclarationLine(row=row.row, id_number=id_number, name=name, wage_fen=wage_fen)
        )
    return lines, problems


def records_problems(
    lines: list[BaseDeclarationLine],
    *,
    unit: Unit,
    month: YearMonth,
    schemes: tuple[str, ...] = (),
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
        relations = (
            Relation.objects.current()
            .filter(unit=unit, person_id__in=chunk)
            .filter(Q(end_month__isnull=True) | Q(end_month__gte=month))
        )
        if schemes:
            relations = relations.filter(scheme__in=schemes)
        on_roster |= set(relations.values_list("person_id", flat=True))
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
            where = "参加机关事业单位养老保险" if schemes else "参保"
            problems.append(
                LineProblem(
                    line.row,
                    "公民身份号码",
                    f"{month.label()}起未在本单位{where}，不能申报基数",
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


@dataclass(frozen=True)
class CheckedLine:
    """A declaration line as the reviewer (and the unit's preview) sees it: the clamp of its
    wage to the month's limits, and what stands out — a wage below the minimum wage, a large
    change from the wage declared before."""

    row: int
    id_number: str
    name: str
    clamp: Clamp
    previous: Decimal | None  # the wage declared before, with this unit; None: first declaration
    change: Decimal | None  # (wage − previous) ÷ previous
    below_minimum: bool
    large_change: bool

    @property
    def change_percent(self) -> str:
        return "" if self.change is None else f"{self.change * 100:+.1f}%"


@dataclass(frozen=True)
class Checks:
    """Every line of a declaration checked: the lines, the month's limits and the thresholds."""

    limits: Limits
    lines: list[CheckedLine]
    minimum_wage: Decimal | None
    minimum_source: str
    change_ratio: Decimal | None
    change_source: str

    @property
    def clamped(self) -> list[CheckedLine]:
        return [line for line in self.lines if line.clamp.clamped]

    @property
    def below_minimum(self) -> list[CheckedLine]:
        return [line for line in self.lines if line.below_minimum]

    @property
    def large_changes(self) -> list[CheckedLine]:
        return [line for line in self.lines if line.large_change]


def lines_check(lines: list[BaseDeclarationLine], *, unit: Unit, month: YearMonth) -> Checks:
    """Clamp every line and find what stands out, in a few queries whatever their number. The
    wage declared before is the last record of the employee with the unit that starts before
    ``month``; the threshold of a large change is ``contribution.base_change_review_ratio``."""
    from shebao.policy.display import public_source
    from shebao.policy.selectors import param_or_none

    region = _region(unit)
    limits = month_limits(region=region, month=month)
    minimum = param_or_none(region=region, key="wage.minimum_monthly", on=month.first_day)
    ratio = param_or_none(
        region=region, key="contribution.base_change_review_ratio", on=month.first_day
    )
    ids = [line.person_id for line in lines if line.person_id]
    previous: dict[int, int] = {}
    for start in range(0, len(ids), 5000):
        for person_id, wage_fen in (
            ContributionBase.objects.filter(
                unit=unit,
                person_id__in=ids[start : start + 5000],
                superseded_at__isnull=True,
                valid_from__lt=month,
            )
            .order_by("person_id", "valid_from")
            .values_list("person_id", "wage_fen")
        ):
            previous[person_id] = wage_fen  # ordered by month: the last one stays
    checked = []
    for line in lines:
        before = previous.get(line.person_id) if line.person_id else None
        change = (
            (Decimal(line.wage_fen - before) / Decimal(before)).quantize(Decimal("0.0001"))
            if before
            else None
        )
        checked.append(
            CheckedLine(
                row=line.row,
                id_number=line.id_number,
                name=line.name,
                clamp=limits.clamp(line.wage_fen),
                previous=from_fen(before) if before is not None else None,
                change=change,
                below_minimum=minimum is not None and from_fen(line.wage_fen) < minimum.value,
                large_change=ratio is not None and change is not None and abs(change) > ratio.value,
            )
        )
    return Checks(
        limits=limits,
        lines=checked,
        minimum_wage=minimum.value if minimum is not None else None,
        minimum_source=public_source(minimum.ref.source) if minimum is not None else "",
        change_ratio=ratio.value if ratio is not None else None,
        change_source=public_source(ratio.ref.source) if ratio is not None else "",
    )


def declaration_preview(
    *,
    actor: Actor,
    unit: Unit,
    effective_month: YearMonth,
    rows: list[DeclaredRow],
    kind: Declaration = ENTERPRISE,
) -> tuple[Checks | None, list[LineProblem]]:
    """What a declaration would be, before it is filed: each parseable line clamped (declared
    vs applied, the limit), and every problem of every line. Writes nothing."""
    from shebao.applications.selectors import matter_for_applicant

    matter_for_applicant(actor=actor, code=kind.matter)
    declaration_for(unit, kind)
    lines, problems = rows_problems(rows)
    if lines:
        problems += records_problems(lines, unit=unit, month=effective_month, schemes=kind.schemes)
    return (lines_check(lines, unit=unit, month=effective_month) if lines else None), problems


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


def lines_refusal(problems: list[LineProblem]) -> LinesInvalid:
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


def read_sheet(
    stream: IO[bytes], *, sheet_name: str = SHEET, headers: tuple[str, str, str] = HEADERS
) -> list[DeclaredRow]:
    """The rows of an uploaded declaration (.xlsx, first row the ``headers``: ID number, name,
    wage), each numbered by its row in the sheet; the sheet ``sheet_name``, else the first."""
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
    sheet = book[sheet_name] if sheet_name in book.sheetnames else book.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [_text(v) for v in next(rows, ())]
    missing = [h for h in headers if h not in header]
    if missing:
        raise InvalidInput(
            f"申报表缺少“{missing[0]}”列，请使用模板（第一行为列名）",
            code="SHEET_COLUMN_MISSING",
            field="file",
        )
    at = [header.index(h) for h in headers]
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


def template_workbook(
    rows: list[tuple[str, str, str]],
    *,
    sheet_name: str = SHEET,
    headers: tuple[str, str, str] = HEADERS,
) -> bytes:
    """The declaration sheet, pre-filled with ``rows`` (ID number, name, wage)."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = sheet_name
    sheet.append(list(headers))
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
    kind: Declaration = ENTERPRISE,
) -> tuple[Application, bool]:
    """File and submit the unit's declaration with its lines and the signed wage roster
    (``material``); returns ``(application, created)``. Every problem of every line refuses
    the whole declaration (:class:`LinesInvalid`, the rows in ``details``) and nothing is
    written. A repeated ``client_key`` returns the first application."""
    from shebao.applications import services as engine
    from shebao.applications.selectors import matter_for_applicant

    matter = matter_for_applicant(actor=actor, code=kind.matter)
    if actor.unit is None or actor.unit.pk != unit.pk:
        raise InvalidInput("只能为本单位申报缴费基数", code="UNIT_MISMATCH")
    declaration_for(unit, kind)
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
        raise lines_refusal(problems)

    def stage(application: Application) -> None:
        for line in lines:
            line.application = application
        _link_persons(lines)
        BaseDeclarationLine.objects.bulk_create(lines, batch_size=2000)

    return engine.application_file(
        actor=actor,
        matter=matter,
        data=data,
        client_key=client_key,
        stage=stage,
        material=(MATERIAL, material),
    )


def declaration_stage(application: Application, rows: list[DeclaredRow]) -> int:
    """Stage lines on a draft declaration (the demo builds its case this way); returns the
    number staged."""
    lines, problems = rows_problems(rows)
    if problems:
        raise lines_refusal(problems)
    for line in lines:
        line.application = application
    _link_persons(lines)
    BaseDeclarationLine.objects.bulk_create(lines, batch_size=2000)
    return len(lines)


@register("base_declare")
class BaseDeclareHandler(LinesHandler):
    """企业职工社会保险缴费基数申报: each line's declared wage from the effective month on."""

    kind = ENTERPRISE
    line_model = BaseDeclarationLine
    page = "contributions:bases"
    reviewer_template = "contributions/_base_lines.html"

    def validate(self, application: Application, data: dict[str, Any]) -> dict[str, Any]:
        if data.get("declare_year") and data.get("effective_month"):
            _declared_month(data)
        return data

    def check_submit(self, application: Application) -> None:
        assert application.unit is not None
        declaration_for(application.unit, self.kind)
        super().check_submit(application)

    def line_columns(self) -> list[tuple[str, str]]:
        return [
            ("row", "行号"),
            ("id_number", "公民身份号码"),
            ("name", "姓名"),
            ("wage_yuan", f"{self.kind.wage_label}（元）"),
        ]

    def validate_lines(self, application: Application) -> list[LineProblem]:
        assert application.unit is not None
        _year, month = _declared_month(application.data)
        lines = list(self.lines(application))
        return records_problems(
            lines, unit=application.unit, month=month, schemes=self.kind.schemes
        )

    def reviewer_context(self, application: Application) -> dict[str, Any]:
        from shebao.applications.handlers import REVIEW_SAMPLE

        context = super().reviewer_context(application)
        assert application.unit is not None
        _year, month = _declared_month(application.data)
        checks = lines_check(list(self.lines(application)), unit=application.unit, month=month)
        context.update(
            {
                "checks": checks,
                "limits": checks.limits,
                "checked_sample": checks.lines[:REVIEW_SAMPLE],
                "clamped": checks.clamped,
                "below_minimum": checks.below_minimum[:REVIEW_SAMPLE],
                "below_minimum_count": len(checks.below_minimum),
                "large_changes": checks.large_changes[:REVIEW_SAMPLE],
                "large_change_count": len(checks.large_changes),
                "minimum_wage": checks.minimum_wage,
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


@register("institution_wage_declare")
class InstitutionWageDeclareHandler(BaseDeclareHandler):
    """机关事业单位缴费工资申报: the same lines, over the unit's staff in the institutions'
    pension scheme, filed by institution units only."""

    kind = INSTITUTION
    page = "contributions:institution_wages"
