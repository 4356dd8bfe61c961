"""A unit's back-payment of a base difference (单位申报基数差补缴, matter
``unit.base_difference_back_payment``, handler ``base_difference_back_payment``; seed 003).

The unit names, for a period of past months already assessed, the employees whose base was
declared too low and the monthly wage it should have declared for them (one per line of the
form's roster: ID number, name, wage). For each employee × month × insurance the line is
computed again by the contribution rule (:func:`shebao.rules.contribution.contribution`, the
public calculator's and the monthly assessment's) on the month's parameter snapshot — the new
wage clamped to that month's limits — and the difference to what was charged for it so far (the
line and the adjustments carried for it before) is what is back-paid. Only upward: a month ×
insurance the new wage would charge less for is a refund (退费), refused here with
``BASEDIFF_NOT_UPWARD``; a case where nothing differs (the old base was already at the
ceiling, say) is refused with ``BASEDIFF_NOTHING``.

On approval, in the approval's transaction:

1. the wage becomes each employee's :class:`ContributionBase` record for the period (the record
   in force before is closed the month before; one from the first month is superseded; the part
   of either after the period continues as its own record), so that a later true-up of those
   months computes from the corrected base and carries nothing back;
2. the differences are written as :class:`ContributionAdjustment` rows (cause ``base_diff``,
   keyed by the new base record) into one back-payment bill (补缴征集单) the unit pays through
   the payment channels — each explained like any adjustment: the line on its old snapshot
   and base, the rule on the new, the difference;
3. each month's late fee (滞纳金) runs on its difference by the one late-fee calculation, from the
   day after the month was payable by to the day before the bill, as the unit back-payments'
   (:func:`shebao.contributions.backpay.month_plan`).

One record per application (:class:`BackPayment`, one-to-one), so a repeated approval writes
nothing more; the adjustments' key refuses the same difference twice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import IO, TYPE_CHECKING, Any

from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone

from shebao.applications.handlers import MatterHandler, register
from shebao.common.errors import Conflict, DomainError, InvalidInput
from shebao.common.identifiers import normalize_id_number
from shebao.common.money import FEN, from_fen, money_str, to_fen
from shebao.common.periods import YearMonth, check_period
from shebao.contributions.models import (
    AdjustmentCause,
    BackPayment,
    BackPaymentKind,
    Bill,
    ContributionAdjustment,
    ContributionBase,
    ContributionLine,
    LineKind,
    ParameterSnapshot,
    PayerKind,
)

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor
    from shebao.applications.models import Application
    from shebao.registry.models import Region, Unit
    from shebao.rules.latefee import LateFeeResult

HANDLER = "base_difference_back_payment"
MATTER = "unit.base_difference_back_payment"
# How long a period one case covers (months) and how many employees it names.
MAX_MONTHS = 36
MAX_ROWS = 500
# The roster as an .xlsx sheet (the base declaration's sheet machinery, these columns).
SHEET = "基数差补缴明细"
WAGE_COLUMN = "应申报的月平均工资"
HEADERS = ("公民身份号码", "姓名", f"{WAGE_COLUMN}（元）")
MATERIAL = "difference_roster"
# What separates the cells of a roster line: a name holding one would not read back.
SEPARATORS = r"[\s,，、;；]+"
INSURANCE_LABELS = {
    "pension": "养老",
    "medical": "医疗",
    "unemployment": "失业",
    "work_injury": "工伤",
    "maternity": "生育",
}


@dataclass(frozen=True)
class RosterRow:
    row: int
    id_number: str
    name: str
    wage_fen: int


@dataclass(frozen=True)
class DiffLine:
    """One employee × month × insurance: the line, what it was charged so far and what the
    new wage charges on the month's snapshot (fen)."""

    line_id: int
    person_id: int
    name: str
    month: YearMonth
    insurance: str
    old_snapshot_id: int
    injury_class: int | None
    old_base_fen: int
    base_fen: int
    unit_fen: int
    individual_fen: int
    unit_diff_fen: int
    individual_diff_fen: int

    @property
    def diff_fen(self) -> int:
        return self.unit_diff_fen + self.individual_diff_fen

    @property
    def insurance_label(self) -> str:
        return INSURANCE_LABELS.get(self.insurance, self.insurance)

    @property
    def old_base(self) -> Decimal:
        return from_fen(self.old_base_fen)

    @property
    def base(self) -> Decimal:
        return from_fen(self.base_fen)

    @property
    def unit_diff(self) -> Decimal:
        return from_fen(self.unit_diff_fen)

    @property
    def individual_diff(self) -> Decimal:
        return from_fen(self.individual_diff_fen)


@dataclass(frozen=True)
class DiffMonth:
    month: YearMonth
    snapshot: ParameterSnapshot
    lines: tuple[DiffLine, ...]
    payable_by: date
    late_fee: LateFeeResult | None

    @property
    def diff_fen(self) -> int:
        return sum(x.diff_fen for x in self.lines)

    @property
    def late_fee_fen(self) -> int:
        return to_fen(self.late_fee.fee) if self.late_fee is not None else 0

    @property
    def total(self) -> Decimal:
        return from_fen(self.diff_fen)

    @property
    def late_fee_amount(self) -> Decimal:
        return from_fen(self.late_fee_fen)


@dataclass(frozen=True)
class DiffPlan:
    region: Region
    rows: tuple[RosterRow, ...]
    late_fee_until: date
    months: list[DiffMonth] = field(default_factory=list)

    @property
    def lines(self) -> list[DiffLine]:
        return [x for m in self.months for x in m.lines]

    @property
    def unit_fen(self) -> int:
        return sum(x.unit_diff_fen for x in self.lines)

    @property
    def individual_fen(self) -> int:
        return sum(x.individual_diff_fen for x in self.lines)

    @property
    def late_fee_fen(self) -> int:
        return sum(m.late_fee_fen for m in self.months)

    @property
    def provisional(self) -> bool:
        return any(m.snapshot.employee_provisional for m in self.months)

    def summary(self) -> dict[str, str]:
        return {
            "unit": money_str(from_fen(self.unit_fen)),
            "individual": money_str(from_fen(self.individual_fen)),
            "late_fee": money_str(from_fen(self.late_fee_fen)),
            "total": money_str(from_fen(self.unit_fen + self.individual_fen + self.late_fee_fen)),
        }


# --- the case ------------------------------------------------------------------------------------


def _period(data: dict[str, Any]) -> tuple[YearMonth | None, YearMonth | None]:
    start, end = data.get("start_month"), data.get("end_month")
    return (
        YearMonth.parse(str(start), field="start_month") if start else None,
        YearMonth.parse(str(end), field="end_month") if end else None,
    )


def roster_rows(text: str) -> list[RosterRow]:
    """The roster's rows: one employee a line — ID number, name and the monthly wage (yuan) —
    separated by spaces, tabs or commas. Refuses the whole roster on the first bad row."""
    rows: list[RosterRow] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(str(text or "").splitlines(), start=1):
        cells = [c for c in re.split(SEPARATORS, raw.strip()) if c]
        if not cells:
            continue
        if len(cells) != 3:
            raise InvalidInput(
                f"补差人员明细第{number}行应为“公民身份号码 姓名 核定缴费基数”三项",
                code="BASEDIFF_ROSTER_INVALID",
                field="roster",
            )
        try:
            id_number = normalize_id_number(cells[0])
        except DomainError as error:
            raise InvalidInput(
                f"补差人员明细第{number}行：{error.message}",
                code="BASEDIFF_ROSTER_INVALID",
                field="roster",
            ) from None
        if id_number in seen:
            raise InvalidInput(
                f"补差人员明细第{number}行与第{seen[id_number]}行是同一人",
                code="BASEDIFF_ROSTER_INVALID",
                field="roster",
            )
        seen[id_number] = number
        try:
            amount = Decimal(cells[2].replace("元", ""))
        except InvalidOperation:
            amount = Decimal(-1)
        if not amount.is_finite() or amount <= 0 or amount != amount.quantize(FEN):
            raise InvalidInput(
                f"补差人员明细第{number}行的核定缴费基数“{cells[2]}”不是大于0、最多两位小数的金额",
                code="BASEDIFF_ROSTER_INVALID",
                field="roster",
            )
        rows.append(RosterRow(number, id_number, cells[1], to_fen(amount)))
        if len(rows) > MAX_ROWS:
            raise InvalidInput(
                f"一次最多申报{MAX_ROWS}人", code="BASEDIFF_ROSTER_INVALID", field="roster"
            )
    return rows


def check_form(data: dict[str, Any], *, today: YearMonth) -> list[RosterRow]:
    """What the form alone says: a past period in order, not too long, a roster that parses
    and as many employees as the unit states."""
    start, end = _period(data)
    check_period(
        start,
        end,
        reversed_message="补差起始年月不能晚于补差截止年月",
        before=today,
        not_past_message=f"补差截止年月须早于申报当月（{today.label()}）；当月的费款按新基数核定",
        max_months=MAX_MONTHS,
        too_long_message=f"一次最多补差{MAX_MONTHS}个月",
    )
    rows = roster_rows(data.get("roster", ""))
    stated = data.get("staff_count")
    if rows and stated not in (None, "") and int(stated) != len(rows):
        raise InvalidInput(
            f"补差人数为{stated}人，补差人员明细列了{len(rows)}人，请核对",
            code="BASEDIFF_STAFF_COUNT_MISMATCH",
            field="staff_count",
        )
    return rows


def sheet_rows(stream: IO[bytes]) -> list[RosterRow]:
    """The roster of an uploaded .xlsx sheet (columns ``HEADERS``, as the template), each row
    numbered by its row in the sheet. Every problem of every row refuses the whole sheet
    (:class:`LinesInvalid`, the rows in ``details``): the text of a cell, then the registry —
    a person not found or named otherwise."""
    from shebao.applications.handlers import LineProblem
    from shebao.contributions.bases import lines_refusal, read_sheet, rows_problems
    from shebao.registry.models import Person

    declared = read_sheet(stream, sheet_name=SHEET, headers=HEADERS)
    if len(declared) > MAX_ROWS:
        raise InvalidInput(
            f"一次最多申报{MAX_ROWS}人，请分成几份申报", code="SHEET_TOO_MANY_ROWS", field="file"
        )
    lines, problems = rows_problems(declared, wage_column=WAGE_COLUMN)
    for line in lines:
        if re.search(SEPARATORS, line.name):
            problems.append(LineProblem(line.row, "姓名", "姓名中不能有空格、逗号或分号"))
    registered = dict(
        Person.objects.filter(id_number__in=[x.id_number for x in lines]).values_list(
            "id_number", "name"
        )
    )
    for line in lines:
        name = registered.get(line.id_number)
        if name is None:
            problems.append(LineProblem(line.row, "公民身份号码", "社会保险登记中无此人"))
        elif name != line.name:
            problems.append(
                LineProblem(line.row, "姓名", f"与社会保险登记不一致（登记为“{name}”）")
            )
    if problems:
        raise lines_refusal(problems)
    return [RosterRow(x.row, x.id_number, x.name, x.wage_fen) for x in lines]


def roster_text(rows: list[RosterRow]) -> str:
    """The rows as the form's roster (one line each: ID number, name, wage), which the handler,
    the reviewer and the record read whichever way the unit entered them."""
    return "\n".join(f"{r.id_number} {r.name} {money_str(from_fen(r.wage_fen))}" for r in rows)


def template_workbook() -> bytes:
    """The empty roster sheet to fill in: the columns ``HEADERS``."""
    from shebao.contributions.bases import template_workbook as workbook

    return workbook([], sheet_name=SHEET, headers=HEADERS)


def base_difference_submit(
    *,
    actor: Actor,
    unit: Unit,
    start: YearMonth,
    end: YearMonth,
    rows: list[RosterRow],
    material: IO[bytes],
    reason: str = "",
    client_key: str = "",
) -> tuple[Application, bool]:
    """File and submit the unit's base-difference case from a roster read from a sheet
    (:func:`sheet_rows`) with the signed detail table (``material``); returns
    ``(application, created)``. The case is checked whole first — the period, then every
    employee × month against the records, by the rows' sheet numbers — and a refusal writes
    nothing. A repeated ``client_key`` returns the first application."""
    from shebao.applications import services as engine
    from shebao.applications.selectors import matter_for_applicant

    matter = matter_for_applicant(actor=actor, code=MATTER)
    if actor.unit is None or actor.unit.pk != unit.pk:
        raise InvalidInput("只能为本单位申报基数差补缴", code="UNIT_MISMATCH")
    replayed = engine.application_replay(actor=actor, matter=matter, client_key=client_key)
    if replayed is not None:
        return replayed, False
    data = {
        "start_month": str(start),
        "end_month": str(end),
        "staff_count": len(rows),
        "roster": roster_text(rows),
        "reason": reason.strip()[:200],
    }
    today = timezone.localdate()
    check_form(data, today=YearMonth.of(today))
    difference_plan(unit=unit, start=start, end=end, rows=rows, on=today)
    return engine.application_file(
        actor=actor,
        matter=matter,
        data=data,
        client_key=client_key,
        material=(MATERIAL, material),
    )


def _charged(line_ids: list[int]) -> dict[int, tuple[int, int]]:
    """What each line was charged by adjustments so far: (unit, individual) fen."""
    found: dict[int, tuple[int, int]] = {}
    for start in range(0, len(line_ids), 5000):
        for line_id, u, i in (
            ContributionAdjustment.objects.filter(line_id__in=line_ids[start : start + 5000])
            .values("line_id")
            .annotate(u=Sum("unit_diff_fen"), i=Sum("individual_diff_fen"))
            .values_list("line_id", "u", "i")
            .order_by()
        ):
            found[line_id] = (int(u or 0), int(i or 0))
    return found


def _last_base(line_ids: list[int]) -> dict[int, int]:
    """The base each line was last charged on (its latest adjustment's, else its own)."""
    found: dict[int, int] = {}
    for start in range(0, len(line_ids), 5000):
        for line_id, base in (
            ContributionAdjustment.objects.filter(line_id__in=line_ids[start : start + 5000])
            .order_by("line_id", "id")
            .values_list("line_id", "base_fen")
        ):
            found[line_id] = base
    return found


def difference_plan(
    *,
    unit: Unit,
    start: YearMonth,
    end: YearMonth,
    rows: list[RosterRow],
    on: date,
    conflict: bool = False,
) -> DiffPlan:
    """The differences of the roster's employees over ``start``–``end`` (see the module's
    docstring), with each month's late fee to the day before ``on``. Refuses (422, or 409 when
    ``conflict``: the records changed since the submission) an employee not found or named
    otherwise, a month not assessed with the unit, a wage beyond plausible, a declaration that
    starts inside the period, a lower base and nothing to back-pay."""
    from shebao.calculators.services import late_fee_calculate
    from shebao.contributions.assessment import due_date
    from shebao.contributions.backpay import injury_class_in
    from shebao.contributions.bases import wage_limit
    from shebao.contributions.snapshots import snapshot_params, snapshot_resolve
    from shebao.policy.selectors import policy_scope
    from shebao.registry.models import Person
    from shebao.registry.selectors import pooling_region_of
    from shebao.rules.contribution import contribution

    error = Conflict if conflict else InvalidInput
    if not rows:
        raise InvalidInput("请填写补差人员明细", code="BASEDIFF_ROSTER_INVALID", field="roster")
    persons = {
        p.id_number: p
        for p in Person.objects.filter(id_number__in=[r.id_number for r in rows]).only(
            "pk", "id_number", "name"
        )
    }
    for row in rows:
        person = persons.get(row.id_number)
        if person is None:
            raise InvalidInput(
                f"补差人员明细第{row.row}行：社会保险登记中无此人",
                code="SUBJECT_NOT_FOUND",
                field="roster",
            )
        if person.name != row.name:
            raise InvalidInput(
                f"补差人员明细第{row.row}行：姓名与社会保险登记不一致（登记为“{person.name}”）",
                code="SUBJECT_NAME_MISMATCH",
                field="roster",
            )
    ids = {persons[r.id_number].pk: r for r in rows}
    names = {persons[r.id_number].pk: r.name for r in rows}
    inside = list(
        ContributionBase.objects.filter(
            unit=unit,
            person_id__in=list(ids),
            superseded_at__isnull=True,
            valid_from__gt=start,
            valid_from__lte=end,
        ).values_list("person_id", "valid_from")
    )
    if inside:
        person_id, month = inside[0]
        raise error(
            f"{names[person_id]}在{month.label()}起另有缴费基数申报，请以该月为界分段申报补差",
            code="BASEDIFF_DECLARATION_INSIDE",
            field="start_month",
        )
    lines = list(
        ContributionLine.objects.filter(
            payer_kind=PayerKind.UNIT,
            payer_id=unit.pk,
            person_id__in=list(ids),
            month__gte=start,
            month__lte=end,
            kind=LineKind.EMPLOYEE,
        )
        .exclude(bill__status=Bill.Status.CANCELLED)
        .order_by("month", "person_id", "insurance")
        .values_list(
            "pk",
            "person_id",
            "month",
            "insurance",
            "snapshot_id",
            "injury_class",
            "base_fen",
            "unit_fen",
            "individual_fen",
        )
    )
    assessed = {(p, m) for _pk, p, m, *_rest in lines}
    month = start
    while month <= end:
        for person_id in ids:
            if (person_id, month) not in assessed:
                raise error(
                    f"{names[person_id]}{month.label()}未在本单位核定缴费，不能补差；"
                    "未缴费的月份请办理单位申报个人补缴",
                    code="BASEDIFF_MONTH_NOT_ASSESSED",
                    field="start_month",
                )
        month = month + 1
    region = pooling_region_of(region=unit.district)
    charged = _charged([x[0] for x in lines])
    last_base = _last_base([x[0] for x in lines])
    until = on - timedelta(days=1)
    plan = DiffPlan(region=region, rows=tuple(rows), late_fee_until=until)
    with policy_scope():
        by_month: dict[YearMonth, list[Any]] = {}
        for line in lines:
            by_month.setdefault(line[2], []).append(line)
        for month, month_lines in sorted(by_month.items()):
            limit = to_fen(wage_limit(unit=unit, month=month))
            for row in ids.values():
                if row.wage_fen > limit:
                    raise InvalidInput(
                        f"补差人员明细第{row.row}行：{from_fen(row.wage_fen)}元超过合理上限"
                        f"{from_fen(limit)}元（{month.label()}缴费基数上限的倍数），请核对是否误填",
                        code="BASEDIFF_WAGE_IMPLAUSIBLE",
                        field="roster",
                    )
            snapshot = snapshot_resolve(region=region, month=month)
            params = snapshot_params(snapshot)
            computed: dict[tuple[int, int | None], Any] = {}
            diffs: list[DiffLine] = []
            # The work-injury class each employee's month was assessed with (the rule asks for
            # it whenever work injury is levied), else the unit's of the month.
            classes = {x[1]: x[5] for x in month_lines if x[3] == "work_injury"}
            unit_class = injury_class_in(unit=unit, month=month)
            for (
                pk,
                person_id,
                _m,
                insurance,
                old_snapshot,
                _injury,
                base,
                unit_fen,
                ind,
            ) in month_lines:
                wage = ids[person_id].wage_fen
                injury = classes.get(person_id, unit_class)
                key = (wage, injury)
                if key not in computed:
                    computed[key] = contribution(params, wage=from_fen(wage), injury_class=injury)
                result = computed[key]
                share = next((s for s in result.lines if s.insurance == insurance), None)
                if share is None:
                    continue  # the insurance is no longer levied that month
                adj_unit, adj_individual = charged.get(pk, (0, 0))
                new_unit, new_individual = to_fen(share.unit), to_fen(share.individual)
                unit_diff = new_unit - (unit_fen + adj_unit)
                individual_diff = new_individual - (ind + adj_individual)
                old_base = last_base.get(pk, base)
                if to_fen(result.base) < old_base or unit_diff < 0 or individual_diff < 0:
                    raise error(
                        f"{names[person_id]}{month.label()}"
                        f"{INSURANCE_LABELS.get(insurance, insurance)}保险原缴费基数"
                        f"{from_fen(old_base):,.2f}元，按申报的基数核定为{result.base:,.2f}元，"
                        "低于原基数；基数差补缴只补缴基数调高的差额，调低基数的多缴部分请办理退费",
                        code="BASEDIFF_NOT_UPWARD",
                        field="roster",
                    )
                if unit_diff == 0 and individual_diff == 0:
                    continue
                diffs.append(
                    DiffLine(
                        line_id=pk,
                        person_id=person_id,
                        name=names[person_id],
                        month=month,
                        insurance=insurance,
                        old_snapshot_id=old_snapshot,
                        injury_class=injury if insurance == "work_injury" else None,
                        old_base_fen=old_base,
                        base_fen=to_fen(result.base),
                        unit_fen=new_unit,
                        individual_fen=new_individual,
                        unit_diff_fen=unit_diff,
                        individual_diff_fen=individual_diff,
                    )
                )
            if not diffs:
                continue
            payable = due_date(snapshot)
            total = sum(x.diff_fen for x in diffs)
            fee = (
                late_fee_calculate(
                    amount=from_fen(total),
                    start=payable + timedelta(days=1),
                    end=until,
                    region=snapshot.region_id,
                )
                if until >= payable + timedelta(days=1)
                else None
            )
            plan.months.append(
                DiffMonth(
                    month=month,
                    snapshot=snapshot,
                    lines=tuple(diffs),
                    payable_by=payable,
                    late_fee=fee,
                )
            )
    if not plan.months:
        raise error(
            f"按申报的基数核定，{start.label()}至{end.label()}的缴费与已核定的相同"
            "（原基数已达上限或不低于申报基数），没有需要补缴的差额",
            code="BASEDIFF_NOTHING",
            field="roster",
        )
    return plan


def bases_record(
    *,
    unit: Unit,
    rows: dict[int, RosterRow],
    start: YearMonth,
    end: YearMonth,
    application: Application,
    actor: Actor | None,
) -> dict[int, int]:
    """Each employee's wage as their base record for ``start``–``end``: the record in force
    before is closed at ``start − 1`` (one from ``start`` superseded), and whatever of it ran
    past ``end`` continues from ``end + 1``. Returns person id → the new record's id."""
    now = timezone.now()
    user = actor.user if actor is not None else None
    created: dict[int, int] = {}
    for person_id, row in rows.items():
        current = ContributionBase.objects.select_for_update().filter(
            unit=unit, person_id=person_id, superseded_at__isnull=True
        )
        covering = (
            current.filter(valid_from__lte=start)
            .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=start))
            .first()
        )
        continuation = None
        if covering is not None:
            if covering.valid_to is None or covering.valid_to > end:
                continuation = ContributionBase(
                    unit=unit,
                    person_id=person_id,
                    year=covering.year,
                    valid_from=end + 1,
                    valid_to=covering.valid_to,
                    wage_fen=covering.wage_fen,
                    application=covering.application,
                    recorded_at=now,
                    recorded_by=user,
                )
            if covering.valid_from == start:
                covering.superseded_at = now
                covering.save(update_fields=["superseded_at"])
            else:
                covering.valid_to = start - 1
                covering.save(update_fields=["valid_to"])
        record = ContributionBase.objects.create(
            unit=unit,
            person_id=person_id,
            year=start.year,
            valid_from=start,
            valid_to=end,
            wage_fen=row.wage_fen,
            application=application,
            recorded_at=now,
            recorded_by=user,
        )
        if continuation is not None:
            continuation.save()
        created[person_id] = record.pk
    return created


def difference_record(
    *,
    application: Application,
    plan: DiffPlan,
    unit: Unit,
    start: YearMonth,
    end: YearMonth,
    on: date,
    actor: Actor | None,
) -> BackPayment:
    """Write the plan in the caller's transaction: the base records, the bill, its adjustment
    rows (one statement) and the record."""
    from shebao.contributions.services import backpay_issue
    from shebao.registry.models import Person

    persons = dict(
        Person.objects.filter(id_number__in=[r.id_number for r in plan.rows]).values_list(
            "id_number", "pk"
        )
    )
    records = bases_record(
        unit=unit,
        rows={persons[r.id_number]: r for r in plan.rows},
        start=start,
        end=end,
        application=application,
        actor=actor,
    )
    snapshots = {m.month: m.snapshot for m in plan.months}
    wages = {persons[r.id_number]: r.wage_fen for r in plan.rows}
    now = timezone.now()
    lines = plan.lines
    adjustments = [
        ContributionAdjustment(
            month=x.month,
            region=plan.region,
            payer_kind=PayerKind.UNIT,
            payer_id=unit.pk,
            unit=unit,
            person_id=x.person_id,
            insurance=x.insurance,
            kind=LineKind.EMPLOYEE,
            cause=AdjustmentCause.BASE_DIFFERENCE,
            line_id=x.line_id,
            old_snapshot_id=x.old_snapshot_id,
            snapshot=snapshots[x.month],
            base_record_id=records[x.person_id],
            wage_fen=wages[x.person_id],
            injury_class=x.injury_class,
            base_fen=x.base_fen,
            unit_fen=x.unit_fen,
            individual_fen=x.individual_fen,
            unit_diff_fen=x.unit_diff_fen,
            individual_diff_fen=x.individual_diff_fen,
            provisional=snapshots[x.month].employee_provisional,
            created_at=now,
        )
        for x in lines
    ]
    return backpay_issue(
        application=application,
        kind=BackPaymentKind.BASE_DIFFERENCE,
        region=plan.region,
        unit=unit,
        person=None,
        first=start,
        last=end,
        on=on,
        amounts={
            "adjustment_unit_fen": plan.unit_fen,
            "adjustment_individual_fen": plan.individual_fen,
            "adjustment_count": len(lines),
            "backpay_late_fee_fen": plan.late_fee_fen,
        },
        provisional=plan.provisional,
        rows=adjustments,
        refusal=lambda: Conflict(
            "所选月份的基数差已由其他业务补缴，请刷新后核对", code="BASEDIFF_ALREADY_PAID"
        ),
        late_fee_until=plan.late_fee_until,
    )


def result_of(record: BackPayment) -> dict[str, Any]:
    bill = record.bill
    return {
        "template": "contributions/_base_difference_result.html",
        "first_month": str(record.first_month),
        "last_month": str(record.last_month),
        "bill": bill.number,
        "bill_url": reverse("contributions:bill", args=[bill.number]),
        "lines": bill.adjustment_count,
        "unit": money_str(from_fen(bill.adjustment_unit_fen)),
        "individual": money_str(from_fen(bill.adjustment_individual_fen)),
        "late_fee": money_str(from_fen(bill.backpay_late_fee_fen)),
        "total": money_str(from_fen(bill.total_fen + bill.backpay_late_fee_fen)),
        "due_date": bill.due_date.isoformat(),
        "paid": bill.status == Bill.Status.PAID,
    }


# --- the handler ---------------------------------------------------------------------------------


@register(HANDLER)
class BaseDifferenceHandler(MatterHandler):
    """单位申报基数差补缴: the named employees' past months at the base they should have had; the
    upward differences on one back-payment bill with the months' late fee."""

    auto_complete = True

    def _case(self, application: Application) -> tuple[Unit, YearMonth, YearMonth, list[Any]]:
        unit = application.unit
        if unit is None:
            raise InvalidInput("基数差补缴须由参保单位申报", code="UNIT_REQUIRED")
        start, end = _period(application.data)
        if start is None or end is None:
            raise InvalidInput("请填写补差起止年月", code="BACKPAY_CASE_INCOMPLETE")
        rows = check_form(application.data, today=YearMonth.of(timezone.localdate()))
        return unit, start, end, rows

    def plan(self, application: Application, *, conflict: bool = False) -> DiffPlan:
        unit, start, end, rows = self._case(application)
        return difference_plan(
            unit=unit, start=start, end=end, rows=rows, on=timezone.localdate(), conflict=conflict
        )

    def validate(self, application: Application, data: dict[str, Any]) -> dict[str, Any]:
        check_form(data, today=YearMonth.of(timezone.localdate()))
        return data

    def check_submit(self, application: Application) -> None:
        self.plan(application)

    def reviewer_context(self, application: Application) -> dict[str, Any] | None:
        try:
            plan = self.plan(application)
        except DomainError as error:
            return {
                "template": "contributions/_base_difference_review.html",
                "refusal": error.message,
            }
        return {
            "template": "contributions/_base_difference_review.html",
            "plan": plan,
            "totals": plan.summary(),
        }

    def result_context(self, application: Application) -> dict[str, Any] | None:
        record = BackPayment.objects.select_related("bill").filter(application=application).first()
        return result_of(record) if record is not None else None

    def on_approved(self, application: Application, actor: Actor | None) -> dict[str, Any]:
        record = BackPayment.objects.filter(application=application).first()
        if record is None:
            from shebao.registry.models import Unit

            unit, start, end, _rows = self._case(application)
            # One base-difference approval of the unit at a time: the second computes its
            # differences after the first's are written.
            Unit.objects.select_for_update().filter(pk=unit.pk).first()
            plan = self.plan(application, conflict=True)
            record = difference_record(
                application=application,
                plan=plan,
                unit=unit,
                start=start,
                end=end,
                on=timezone.localdate(),
                actor=actor,
            )
        bill = record.bill
        return {
            "bill": bill.number,
            "adjustments": bill.adjustment_count,
            "total": money_str(from_fen(bill.total_fen)),
            "late_fee": money_str(from_fen(bill.backpay_late_fee_fen)),
        }
