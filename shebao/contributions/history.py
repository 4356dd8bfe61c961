"""Reads of the contribution record (缴费记录) by month and insurance: a person's own, a unit's
staff with the unit, and any person of a staff member's districts; the months that count for
pension; a unit's monthly totals. Scoped by the actor like :mod:`.selectors` (out of scope is
``NotFound``).

Every read is a fixed number of queries whatever the range or the unit's size: a person's
lines and adjustments come by the (person, month) indexes, a unit's by its bills and the
payer prefix of the lines' key; nothing is read month by month.

A month's amounts are what the month is charged in the end: the assessed line plus the
adjustments (多退少补) carried for it into later bills; its base is the latest one computed
(the adjustment's, else the line's). It is paid when the line's bill and the bill of every
adjustment are paid.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Count, Max, Min, Q, Sum

from shebao.common.errors import InvalidInput, NotFound
from shebao.common.identifiers import normalize_id_number
from shebao.common.money import from_fen
from shebao.common.periods import YearMonth
from shebao.contributions.models import (
    Bill,
    ContributionAdjustment,
    ContributionLine,
    PayerKind,
)
from shebao.contributions.selectors import INSURANCE_LABELS, may_read_unit
from shebao.registry.models import Person, Unit

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor

# The longest range one read covers (a working life); a longer one is refused.
MAX_MONTHS = 600
# The insurances in the order pages and the API list them.
INSURANCE_ORDER = tuple(INSURANCE_LABELS)
PENSION = "pension"


def month_range(
    first: YearMonth | None, last: YearMonth | None, *, default_last: YearMonth, span: int = 12
) -> tuple[YearMonth, YearMonth]:
    """The range asked for: ``last`` defaults to ``default_last``, ``first`` to ``span`` months
    ending there. Refuses a reversed range or one longer than ``MAX_MONTHS``."""
    last = last or default_last
    first = first or last - (span - 1)
    if first > last:
        raise InvalidInput("查询起始年月不能晚于截止年月", code="RANGE_REVERSED", field="from")
    if last - first >= MAX_MONTHS:
        raise InvalidInput(
            f"一次最多查询 {MAX_MONTHS // 12} 年（{MAX_MONTHS} 个月）", code="RANGE_TOO_LONG"
        )
    return first, last


@dataclass
class Cell:
    """One insurance of one month with one payer."""

    insurance: str
    base_fen: int
    unit_fen: int
    individual_fen: int
    bill: str  # the number of the bill the line is on
    paid: bool
    provisional: bool = False
    cancelled: bool = False  # its arrears were given up (已注销): the month counts for nothing
    adjusted: bool = False  # adjustments were carried for it into later bills

    @property
    def insurance_label(self) -> str:
        return INSURANCE_LABELS.get(self.insurance, self.insurance)

    @property
    def total_fen(self) -> int:
        return self.unit_fen + self.individual_fen

    @property
    def base(self) -> Decimal:
        return from_fen(self.base_fen)

    @property
    def unit(self) -> Decimal:
        return from_fen(self.unit_fen)

    @property
    def individual(self) -> Decimal:
        return from_fen(self.individual_fen)


@dataclass
class HistoryMonth:
    """A month's record with one payer: a cell per insurance assessed."""

    month: YearMonth
    payer_kind: str
    payer_code: str  # the unit's credit code, or the person's ID number
    payer_name: str  # the unit's name, or "个人缴费"
    cells: dict[str, Cell] = field(default_factory=dict)

    @property
    def ordered(self) -> list[Cell | None]:
        return [self.cells.get(code) for code in INSURANCE_ORDER]

    @property
    def bills(self) -> list[str]:
        return sorted({c.bill for c in self.cells.values()})

    @property
    def paid(self) -> bool:
        return all(c.paid for c in self.cells.values())

    @property
    def cancelled(self) -> bool:
        return any(c.cancelled for c in self.cells.values())

    @property
    def unit_fen(self) -> int:
        return sum(c.unit_fen for c in self.cells.values())

    @property
    def individual_fen(self) -> int:
        return sum(c.individual_fen for c in self.cells.values())

    @property
    def total_fen(self) -> int:
        return self.unit_fen + self.individual_fen


def _records(
    *, person: Person, first: YearMonth, last: YearMonth, unit: Unit | None
) -> list[HistoryMonth]:
    """The person's months in [first, last] (with ``unit`` only, when given), oldest first:
    two queries."""
    lines = ContributionLine.objects.filter(person=person, month__gte=first, month__lte=last)
    adjustments = ContributionAdjustment.objects.filter(
        person=person, month__gte=first, month__lte=last
    )
    if unit is not None:
        lines = lines.filter(payer_kind=PayerKind.UNIT, payer_id=unit.pk)
        adjustments = adjustments.filter(payer_kind=PayerKind.UNIT, payer_id=unit.pk)
    months: dict[tuple[YearMonth, str, int], HistoryMonth] = {}
    for (
        month,
        payer_kind,
        payer_id,
        unit_name,
        credit_code,
        insurance,
        base_fen,
        unit_fen,
        individual_fen,
        number,
        status,
        provisional,
    ) in lines.values_list(
        "month",
        "payer_kind",
        "payer_id",
        "unit__name",
        "unit__credit_code",
        "insurance",
        "base_fen",
        "unit_fen",
        "individual_fen",
        "bill__number",
        "bill__status",
        "provisional",
    ).order_by("revision"):
        # A cancelled month back-paid later (revision 1) is read after its cancelled line and
        # stands for the month.
        key = (month, payer_kind, payer_id)
        if key not in months:
            own = payer_kind != PayerKind.UNIT
            months[key] = HistoryMonth(
                month=month,
                payer_kind=payer_kind,
                payer_code=person.id_number if own else credit_code or "",
                payer_name="个人缴费" if own else unit_name or "",
            )
        months[key].cells[insurance] = Cell(
            insurance=insurance,
            base_fen=base_fen,
            unit_fen=unit_fen,
            individual_fen=individual_fen,
            bill=number,
            paid=status == Bill.Status.PAID,
            provisional=provisional,
            cancelled=status == Bill.Status.CANCELLED,
        )
    for (
        month,
        payer_kind,
        payer_id,
        insurance,
        base_fen,
        unit_diff,
        individual_diff,
        status,
        pro,
    ) in adjustments.order_by("id").values_list(
        "month",
        "payer_kind",
        "payer_id",
        "insurance",
        "base_fen",
        "unit_diff_fen",
        "individual_diff_fen",
        "bill__status",
        "provisional",
    ):
        record = months.get((month, payer_kind, payer_id))
        cell = record.cells.get(insurance) if record is not None else None
        if cell is None:  # an adjustment always has its line; a range cut between them cannot
            continue
        cell.base_fen = base_fen
        cell.unit_fen += unit_diff
        cell.individual_fen += individual_diff
        cell.paid = cell.paid and status == Bill.Status.PAID
        cell.provisional = pro
        cell.adjusted = True
    return sorted(months.values(), key=lambda m: (m.month, m.payer_kind, m.payer_name))


@dataclass(frozen=True)
class MonthSpan:
    first: YearMonth
    last: YearMonth

    @property
    def months(self) -> int:
        return self.last - self.first + 1

    def __str__(self) -> str:
        if self.first == self.last:
            return self.first.label()
        return f"{self.first.label()}至{self.last.label()}"


def _spans(months: list[YearMonth]) -> list[MonthSpan]:
    spans: list[MonthSpan] = []
    for month in sorted(months):
        if spans and month - spans[-1].last == 1:
            spans[-1] = MonthSpan(spans[-1].first, month)
        else:
            spans.append(MonthSpan(month, month))
    return spans


@dataclass(frozen=True)
class PensionMonths:
    """The months that count for pension (计入养老保险缴费年限): each month with a pension line
    whose bill is paid, with any payer, counted once."""

    count: int
    spans: list[MonthSpan]
    unpaid: int  # months assessed for pension but not (yet) paid
    cancelled: int = 0  # months whose arrears were given up (已注销): they never count

    @property
    def years(self) -> int:
        return self.count // 12

    @property
    def remainder(self) -> int:
        return self.count % 12


def pension_months(*, person: Person) -> PensionMonths:
    """Over the person's whole record: one query."""
    paid: set[YearMonth] = set()
    assessed: set[YearMonth] = set()
    cancelled: set[YearMonth] = set()
    for month, status in (
        ContributionLine.objects.filter(person=person, insurance=PENSION)
        .values_list("month", "bill__status")
        .order_by()
    ):
        if status == Bill.Status.CANCELLED:
            cancelled.add(month)
            continue
        assessed.add(month)
        if status == Bill.Status.PAID:
            paid.add(month)
    return PensionMonths(
        count=len(paid),
        spans=_spans(list(paid)),
        unpaid=len(assessed - paid),
        cancelled=len(cancelled - assessed),
    )


@dataclass(frozen=True)
class BasePoint:
    """The pension base of a year: the latest month's and the year's average, in fen."""

    year: int
    months: int
    average_fen: int
    last_fen: int

    @property
    def average(self) -> Decimal:
        return from_fen(self.average_fen)


def base_by_year(*, person: Person) -> list[BasePoint]:
    """The person's pension base over the years (the chart on the record page): one query over
    the lines, aggregated by year in Python (a person has a few hundred months at most)."""
    by_month: dict[YearMonth, int] = {}
    for month, base_fen in (
        ContributionLine.objects.filter(person=person, insurance=PENSION)
        .values_list("month", "base_fen")
        .order_by("month", "id")
    ):
        by_month[month] = max(by_month.get(month, 0), base_fen)  # two payers: the larger base
    years: dict[int, list[tuple[YearMonth, int]]] = defaultdict(list)
    for month, base_fen in sorted(by_month.items()):
        years[month.year].append((month, base_fen))
    points = []
    for year, rows in sorted(years.items()):
        total = sum(b for _, b in rows)
        # Half-up in integer fen: the average is shown, never charged.
        average = (2 * total + len(rows)) // (2 * len(rows))
        points.append(
            BasePoint(year=year, months=len(rows), average_fen=average, last_fen=rows[-1][1])
        )
    return points


# --- the person's own record ---------------------------------------------------------------------


@dataclass
class PersonHistory:
    person: Person
    first: YearMonth
    last: YearMonth
    months: list[HistoryMonth]

    @property
    def unit_fen(self) -> int:
        return sum(m.unit_fen for m in self.months)

    @property
    def individual_fen(self) -> int:
        return sum(m.individual_fen for m in self.months)

    @property
    def total_fen(self) -> int:
        return self.unit_fen + self.individual_fen

    @property
    def unpaid(self) -> int:
        return sum(1 for m in self.months if not m.paid)


def latest_month(*, person: Person) -> YearMonth | None:
    """The latest month the person was assessed for (any payer)."""
    return (
        ContributionLine.objects.filter(person=person).aggregate(last=Max("month"))["last"] or None
    )


def person_history(
    *, actor: Actor, person: Person, first: YearMonth, last: YearMonth
) -> PersonHistory:
    """The person's record by month and insurance, every payer. An individual reads their own;
    staff a person of their districts (:func:`person_for_staff`)."""
    own = actor.is_individual and actor.person is not None and actor.person.pk == person.pk
    if not own and not (actor.is_staff and _staff_reads(actor, person)):
        raise NotFound("未找到该人员的缴费记录", code="PERSON_NOT_FOUND")
    return PersonHistory(
        person=person,
        first=first,
        last=last,
        months=_records(person=person, first=first, last=last, unit=None),
    )


# --- staff ---------------------------------------------------------------------------------------


def staff_districts(actor: Actor) -> frozenset[str]:
    """Where a staff member reads contribution records: the regions of their REVIEW rows (any
    department) in the capability model."""
    from shebao.accounts.capabilities import Capability, districts_for

    return districts_for(actor, Capability.REVIEW)


def _staff_reads(actor: Actor, person: Person) -> bool:
    """A person of the staff member's districts: registered there, or insured with a unit or
    as a self-payer there (a payer's district is the unit's or the person's)."""
    from shebao.insurance.models import Relation

    codes = staff_districts(actor)
    if not codes:
        return False
    if person.district_id in codes:
        return True
    return Relation.objects.filter(person=person, district_id__in=codes).exists()


def person_for_staff(*, actor: Actor, id_number: str) -> Person:
    """The person by ID number (or a former one), if in the staff member's scope."""
    from shebao.registry.selectors import person_by_former_number

    try:
        number = normalize_id_number(id_number)
    except InvalidInput:
        raise NotFound("未找到该人员的缴费记录", code="PERSON_NOT_FOUND") from None
    person = Person.objects.filter(id_number=number).first() or person_by_former_number(
        id_number=number
    )
    if person is None or not actor.is_staff or not _staff_reads(actor, person):
        raise NotFound("未找到该人员的缴费记录", code="PERSON_NOT_FOUND")
    return person


# --- a unit's staff ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffSummary:
    """One employee's record with the unit over a range."""

    person_id: int
    id_number: str
    name: str
    first: YearMonth
    last: YearMonth
    months: int
    unit_fen: int
    individual_fen: int
    unpaid_lines: int

    @property
    def total_fen(self) -> int:
        return self.unit_fen + self.individual_fen


def _unit_lines(unit: Unit, first: YearMonth, last: YearMonth) -> object:
    # The unit's lines are (month, 'unit', unit id, …): the prefix of the lines' unique key.
    return ContributionLine.objects.filter(
        month__gte=first, month__lte=last, payer_kind=PayerKind.UNIT, payer_id=unit.pk
    )


def unit_staff_history(
    *,
    actor: Actor,
    unit: Unit,
    first: YearMonth,
    last: YearMonth,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[StaffSummary]]:
    """``(total, page)`` of the unit's employees assessed with it in [first, last], by name,
    each with their months and amounts there (the lines as assessed; adjustments are on the
    employee's own page). Three queries whatever the unit's size."""
    if not may_read_unit(actor, unit):
        raise NotFound("未找到该单位", code="UNIT_NOT_FOUND")
    lines = _unit_lines(unit, first, last)
    if q:
        text = q.strip()
        lines = lines.filter(Q(person__name__contains=text) | Q(person__id_number__startswith=text))  # type: ignore[attr-defined]
    people = lines.values("person_id").distinct().order_by()  # type: ignore[attr-defined]
    total = people.count()
    page_ids = list(
        Person.objects.filter(pk__in=people)
        .order_by("name", "pk")
        .values_list("pk", flat=True)[offset : offset + limit]
    )
    if not page_ids:
        return total, []
    persons = {
        p.pk: p for p in Person.objects.filter(pk__in=page_ids).only("pk", "id_number", "name")
    }
    rows = (
        _unit_lines(unit, first, last)
        .filter(person_id__in=page_ids)  # type: ignore[attr-defined]
        .values("person_id")
        .annotate(
            first=Min("month"),
            last=Max("month"),
            months=Count("month", distinct=True),
            unit_fen=Sum("unit_fen"),
            individual_fen=Sum("individual_fen"),
            unpaid=Count("id", filter=~Q(bill__status=Bill.Status.PAID)),
        )
        .order_by()
    )
    found = {r["person_id"]: r for r in rows}
    return total, [
        StaffSummary(
            person_id=pid,
            id_number=persons[pid].id_number,
            name=persons[pid].name,
            first=found[pid]["first"],
            last=found[pid]["last"],
            months=found[pid]["months"],
            unit_fen=found[pid]["unit_fen"] or 0,
            individual_fen=found[pid]["individual_fen"] or 0,
            unpaid_lines=found[pid]["unpaid"],
        )
        for pid in page_ids
        if pid in found
    ]


def unit_employee_history(
    *, actor: Actor, unit: Unit, person_id: int, first: YearMonth, last: YearMonth
) -> PersonHistory:
    """One employee's record with the unit, by month and insurance: only what the unit paid
    for (their months with other payers are theirs). NotFound unless the unit was assessed for
    the person at some time."""
    if not may_read_unit(actor, unit):
        raise NotFound("未找到该单位", code="UNIT_NOT_FOUND")
    person = Person.objects.filter(pk=person_id).first()
    if (
        person is None
        or not ContributionLine.objects.filter(
            person=person, payer_kind=PayerKind.UNIT, payer_id=unit.pk
        ).exists()
    ):
        raise NotFound("未找到该职工在本单位的缴费记录", code="PERSON_NOT_FOUND")
    return PersonHistory(
        person=person,
        first=first,
        last=last,
        months=_records(person=person, first=first, last=last, unit=unit),
    )


def unit_latest_month(*, unit: Unit) -> YearMonth | None:
    return Bill.objects.filter(unit=unit).aggregate(last=Max("month"))["last"] or None


@dataclass(frozen=True)
class MonthTotal:
    """A unit's bill of a month: the month's own lines, in fen."""

    month: YearMonth
    number: str
    lines: int
    unit_fen: int
    individual_fen: int
    adjustment_fen: int
    status: str

    @property
    def total_fen(self) -> int:
        return self.unit_fen + self.individual_fen + self.adjustment_fen

    @property
    def paid(self) -> bool:
        return self.status == Bill.Status.PAID


def unit_monthly_totals(
    *, actor: Actor, unit: Unit, first: YearMonth, last: YearMonth
) -> list[MonthTotal]:
    """The unit's monthly totals in [first, last], oldest first, from its bills (which hold
    the sums of their lines): one query."""
    if not may_read_unit(actor, unit):
        raise NotFound("未找到该单位", code="UNIT_NOT_FOUND")
    return [
        MonthTotal(
            month=b.month,
            number=b.number,
            lines=b.line_count,
            unit_fen=b.unit_total_fen,
            individual_fen=b.individual_total_fen,
            adjustment_fen=b.adjustment_fen,
            status=b.status,
        )
        for b in Bill.objects.filter(
            unit=unit, month__gte=first, month__lte=last, kind=Bill.Kind.MONTHLY
        ).order_by("month")
    ]


# --- pictures ------------------------------------------------------------------------------------


def base_chart(points: list[BasePoint]) -> str:
    """The person's pension base over the years (each year's average), as inline SVG."""
    from shebao.common.charts import Point, line_chart

    return line_chart(
        [Point(str(p.year), from_fen(p.average_fen), note=f"{p.months}个月平均") for p in points],
        title="历年养老保险缴费基数（年度月平均，元）",
    )


def totals_chart(totals: list[MonthTotal]) -> str:
    """A unit's monthly totals (the bills' amounts), as inline SVG."""
    from shebao.common.charts import Point, bar_chart

    return bar_chart(
        [
            Point(str(t.month), from_fen(t.total_fen), note="已缴费" if t.paid else "待缴费")
            for t in totals
        ],
        title="每月应缴社会保险费合计（元）",
    )
