"""Reads of bases, assessments and bills, scoped by the actor (DESIGN principle 6).

- a unit's legal representative and administrators read the unit's bases and bills; an
  operator reads them when granted one of the contribution matters (``CONTRIBUTION_MATTERS``);
- a self-paying person reads their own bills;
- agency staff read the units and persons of their districts.

Anything out of scope is ``NotFound``, never ``PermissionDenied``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils import timezone

from shebao.common.errors import NotFound
from shebao.common.identifiers import SPELLINGS, normalize_credit_code
from shebao.common.money import from_fen
from shebao.common.periods import YearMonth
from shebao.contributions.dues import Due, bill_state, bills_with_state, dues_of
from shebao.contributions.models import (
    AdjustmentCause,
    AssessmentRun,
    BackPayment,
    Bill,
    ContributionAdjustment,
    ContributionBase,
    ContributionLine,
    PayerKind,
)
from shebao.insurance.models import Relation
from shebao.registry.models import Region, Unit

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor

INSURANCE_LABELS = {
    "pension": "基本养老保险",
    "medical": "基本医疗保险",
    "maternity": "生育保险",
    "unemployment": "失业保险",
    "work_injury": "工伤保险",
}

# The unit matters whose operators may read the unit's bases and bills.
CONTRIBUTION_MATTERS = (
    "unit.base_declare",
    "unit.institution_wage_declare",
    "unit.base_raise",
    "unit.contribution_assess",
)


def may_read_unit(actor: Actor, unit: Unit) -> bool:
    """Whether the actor may read the unit's bases and bills."""
    if actor.is_unit and actor.unit is not None and actor.unit.pk == unit.pk:
        if actor.is_unit_manager:
            return True
        from shebao.catalogue.models import Matter

        return Matter.objects.filter(
            pk__in=actor.granted_matter_ids, code__in=CONTRIBUTION_MATTERS
        ).exists()
    if actor.is_staff:
        return unit.district_id in actor.district_codes
    return False


def unit_for_reader(*, actor: Actor, credit_code: str) -> Unit:
    """The unit by credit code, if the actor may read its contributions; else NotFound."""
    code = normalize_credit_code(credit_code)
    unit = Unit.objects.select_related("district").filter(credit_code=code).first()
    if unit is None or not may_read_unit(actor, unit):
        raise NotFound("未找到该单位", code="UNIT_NOT_FOUND")
    return unit


# --- bases ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffBase:
    """An employee of the unit in a month, with the declaration in force (if any)."""

    person_id: int
    id_number: str
    name: str
    wage_fen: int | None  # the declared wage in force; None: never declared with the unit
    declared_from: YearMonth | None

    @property
    def wage(self) -> Decimal | None:
        return None if self.wage_fen is None else from_fen(self.wage_fen)


def base_in_force(*, unit_id: int, person_id: int, month: YearMonth) -> ContributionBase | None:
    """The declaration of the employee with the unit in force in ``month`` (not scoped)."""
    return (
        ContributionBase.objects.filter(
            unit_id=unit_id, person_id=person_id, superseded_at__isnull=True, valid_from__lte=month
        )
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=month))
        .order_by("-valid_from")
        .first()
    )


def unit_staff_bases(
    *, actor: Actor, unit: Unit, month: YearMonth, schemes: tuple[str, ...] = ()
) -> list[StaffBase]:
    """The unit's employees insured with it in ``month`` (any insurance; of ``schemes`` only,
    if given), by name, each with the declaration in force. Two queries whatever the unit's
    size."""
    if not may_read_unit(actor, unit):
        raise NotFound("未找到该单位", code="UNIT_NOT_FOUND")
    relations = Relation.objects.current().covering(month).filter(unit=unit)
    if schemes:
        relations = relations.filter(scheme__in=schemes)
    people = (
        relations.values_list("person_id", "person__id_number", "person__name")
        .distinct()
        .order_by("person__name", "person_id")
    )
    rows = list(people)
    declared = {
        b.person_id: b
        for b in ContributionBase.objects.filter(
            unit=unit, superseded_at__isnull=True, valid_from__lte=month
        ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=month))
    }
    return [
        StaffBase(
            person_id=pid,
            id_number=id_number,
            name=name,
            wage_fen=declared[pid].wage_fen if pid in declared else None,
            declared_from=declared[pid].valid_from if pid in declared else None,
        )
        for pid, id_number, name in rows
    ]


# --- assessment runs -----------------------------------------------------------------------------


def runs_for(*, actor: Actor, limit: int = 50) -> list[AssessmentRun]:
    """The latest runs of the regions where the staff member may run the assessment."""
    from shebao.accounts.capabilities import Capability, districts_for

    codes = districts_for(actor, Capability.RUN_ASSESSMENT)
    if not codes:
        return []
    return list(
        AssessmentRun.objects.filter(region_id__in=codes)
        .select_related("region", "requested_by")
        .order_by("-created_at", "-id")[:limit]
    )


def regions_to_assess(*, actor: Actor) -> list[Region]:
    """The pooling regions the staff member may assess, for the page's picker."""
    from shebao.accounts.capabilities import Capability, districts_for

    codes = districts_for(actor, Capability.RUN_ASSESSMENT)
    return list(Region.objects.filter(code__in=codes, is_pooling=True).order_by("code"))


def assessment_windows(*, actor: Actor) -> list[tuple[Region, str]]:
    """The closed assessment windows of the regions the staff member may assess today, as
    the page says them (e.g. 江苏省各地每月7日至10日)."""
    from django.utils import timezone

    from shebao.contributions.assessment import window_of

    today = timezone.localdate()
    found = []
    for region in regions_to_assess(actor=actor):
        window = window_of(region, today)
        if window is not None:
            found.append((region, f"每月{window['open_day']}日至{window['close_day']}日"))
    return found


# --- bills ---------------------------------------------------------------------------------------


def unit_bill(*, actor: Actor, unit: Unit, month: YearMonth) -> Bill | None:
    """The unit's bill for ``month``, or None if the month is not assessed yet."""
    if not may_read_unit(actor, unit):
        raise NotFound("未找到该单位", code="UNIT_NOT_FOUND")
    return Bill.objects.filter(unit=unit, month=month, kind=Bill.Kind.MONTHLY).first()


def _bills_in_scope(actor: Actor) -> QuerySet[Bill]:
    """The bills the actor may read: a unit's own (its readers), a person's own self-paid
    bills, the bills of a staff member's districts (a unit's district; a self-payer's)."""
    bills = Bill.objects.select_related("unit", "person", "region")
    if actor.is_unit and actor.unit is not None:
        return bills.filter(unit=actor.unit) if may_read_unit(actor, actor.unit) else bills.none()
    if actor.is_individual and actor.person is not None:
        return bills.filter(person=actor.person)
    if actor.is_staff:
        codes = actor.district_codes
        return bills.filter(Q(unit__district_id__in=codes) | Q(person__district_id__in=codes))
    return bills.none()


def bills_readable(*, actor: Actor) -> QuerySet[Bill]:
    """Every bill the actor may read (for reads built on bills, such as their payments)."""
    return _bills_in_scope(actor)


def bills_for(
    *,
    actor: Actor,
    payer: str | None = None,
    month: YearMonth | None = None,
    status: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> tuple[int, list[Bill]]:
    """``(total, page)`` of the bills the actor may read, newest month first; ``payer`` is a
    unit's credit code or a person's ID number."""
    bills = _bills_in_scope(actor)
    if payer:
        text = SPELLINGS["credit_code"](payer)  # a credit code and an ID number fold alike
        bills = bills.filter(Q(unit__credit_code=text) | Q(person__id_number=text))
    if month is not None:
        bills = bills.filter(month=month)
    if status in Bill.Status.values:
        # As read today: a bill past the day it was payable by is in arrears even before the
        # daily step stores it.
        bills = bills_with_state(bills, state=status, on=timezone.localdate())
    elif status:
        bills = bills.none()  # no bill has a state of another name
    bills = bills.order_by("-month", "number")
    return bills.count(), list(bills[offset : offset + limit])


@dataclass(frozen=True)
class BillStanding:
    """A bill as its payer reads it on a day: its state (unpaid, arrears, paid) and the parts
    of its amount due, the late fee to date among them."""

    bill: Bill
    due: Due
    state: str

    @property
    def state_label(self) -> str:
        return Bill.Status(self.state).label

    @property
    def arrears(self) -> bool:
        return self.state == Bill.Status.ARREARS


def bills_standing(bills: list[Bill], *, on: date | None = None) -> list[BillStanding]:
    """Each of ``bills`` (already scoped) with its state and amount due on ``on`` (today)."""
    day = on or timezone.localdate()
    dues = dues_of([b.pk for b in bills], on=day)
    return [BillStanding(b, dues[b.pk], bill_state(b, on=day)) for b in bills]


# The most bills in arrears the person's arrears page lists (ten years of months).
ARREARS_SHOWN = 120


@dataclass(frozen=True)
class OwnArrears:
    """A self-paying person's bills in arrears on a day (oldest first) and what they owe."""

    rows: list[BillStanding]
    count: int  # all of them (the page lists the first ``ARREARS_SHOWN``)

    @property
    def principal_fen(self) -> int:
        """The contributions still unpaid (the bills' totals less what was paid on them)."""
        return sum(r.due.principal_due_fen for r in self.rows)

    @property
    def late_fee_fen(self) -> int:
        return sum(r.due.due_fen for r in self.rows) - self.principal_fen

    @property
    def due_fen(self) -> int:
        return sum(r.due.due_fen for r in self.rows)


def own_arrears(*, actor: Actor, on: date | None = None) -> OwnArrears:
    """The actor's own self-paid bills in arrears on ``on`` (today), oldest month first: an
    individual's only (anyone else has none to pay here)."""
    day = on or timezone.localdate()
    if not (actor.is_individual and actor.person is not None):
        return OwnArrears(rows=[], count=0)
    bills = bills_with_state(
        _bills_in_scope(actor).filter(payer_kind=PayerKind.SELF),
        state=Bill.Status.ARREARS,
        on=day,
    ).order_by("month", "number")
    found = list(bills[: ARREARS_SHOWN + 1])
    count = len(found) if len(found) <= ARREARS_SHOWN else bills.count()
    return OwnArrears(rows=bills_standing(found[:ARREARS_SHOWN], on=day), count=count)


def bill_standing(bill: Bill, *, on: date | None = None) -> BillStanding:
    return bills_standing([bill], on=on)[0]


def bill_for_reader(*, actor: Actor, number: str) -> Bill:
    """The bill by number, if the actor may read it; else NotFound."""
    bill = _bills_in_scope(actor).filter(number=number.strip().upper()).first()
    if bill is None:
        raise NotFound("未找到该征集单", code="BILL_NOT_FOUND")
    return bill


@dataclass(frozen=True)
class BillLine:
    id: int
    id_number: str
    name: str
    insurance: str
    base_fen: int
    unit_fen: int
    individual_fen: int
    injury_class: int | None
    base_source: str
    provisional: bool
    month: YearMonth | None = None  # the line's month (a back-payment's bill holds several)

    @property
    def insurance_label(self) -> str:
        return INSURANCE_LABELS.get(self.insurance, self.insurance)

    @property
    def base(self) -> Decimal:
        return from_fen(self.base_fen)

    @property
    def unit(self) -> Decimal:
        return from_fen(self.unit_fen)

    @property
    def individual(self) -> Decimal:
        return from_fen(self.individual_fen)


def bill_line_rows(bill: Bill) -> QuerySet[ContributionLine]:
    """The bill's lines. A month's bill is (month, payer): the prefix of the lines' unique key,
    their only index (a back-payment's lines of the same month belong to its own bill). A
    back-payment's bill holds past months of its case: read by the person's index for one
    employee's case, else by the months of the case."""
    rows = ContributionLine.objects.filter(
        payer_kind=bill.payer_kind, payer_id=bill.payer_id, bill_id=bill.pk
    )
    if bill.kind == Bill.Kind.MONTHLY:
        return rows.filter(month=bill.month)
    case = BackPayment.objects.filter(bill=bill).values("person_id", "first_month", "last_month")
    found = case.first()
    if found is None:
        return rows.none()
    rows = rows.filter(month__gte=found["first_month"], month__lte=found["last_month"])
    return rows.filter(person_id=found["person_id"]) if found["person_id"] else rows


def bill_lines(
    *, bill: Bill, limit: int | None = None, offset: int = 0, q: str | None = None
) -> tuple[int, list[BillLine]]:
    """``(total, page)`` of the bill's lines by employee and insurance (the bill comes from
    :func:`bill_for_reader`, which checked the scope). Two queries whatever the bill's size."""
    rows = bill_line_rows(bill)
    if q:
        text = q.strip()
        rows = rows.filter(Q(person__name__contains=text) | Q(person__id_number__startswith=text))
    total = rows.count()
    values = rows.order_by("person__name", "person_id", "month", "insurance").values_list(
        "id",
        "person__id_number",
        "person__name",
        "insurance",
        "base_fen",
        "unit_fen",
        "individual_fen",
        "injury_class",
        "base_source",
        "provisional",
        "month",
    )
    if limit is not None:
        values = values[offset : offset + limit]
    elif offset:
        values = values[offset:]
    return total, [BillLine(*row) for row in values]


def line_for_reader(*, actor: Actor, number: str, line_id: int) -> ContributionLine:
    bill = bill_for_reader(actor=actor, number=number)
    line = (
        ContributionLine.objects.select_related("snapshot", "person", "bill")
        .filter(pk=line_id, bill_id=bill.pk, payer_kind=bill.payer_kind, payer_id=bill.payer_id)
        .first()
    )
    if line is None:
        raise NotFound("未找到该缴费明细", code="LINE_NOT_FOUND")
    return line


# --- adjustments (多退少补) ---------------------------------------------------------------------


@dataclass(frozen=True)
class BillAdjustment:
    id: int
    month: YearMonth
    id_number: str
    name: str
    insurance: str
    cause: str
    base_fen: int
    unit_diff_fen: int
    individual_diff_fen: int

    @property
    def insurance_label(self) -> str:
        return INSURANCE_LABELS.get(self.insurance, self.insurance)

    @property
    def cause_label(self) -> str:
        return AdjustmentCause(self.cause).label

    @property
    def base(self) -> Decimal:
        return from_fen(self.base_fen)

    @property
    def unit(self) -> Decimal:
        return from_fen(self.unit_diff_fen)

    @property
    def individual(self) -> Decimal:
        return from_fen(self.individual_diff_fen)


def bill_adjustments(*, bill: Bill, limit: int = 200) -> list[BillAdjustment]:
    """The adjustments of earlier months carried into the bill (the bill comes from
    :func:`bill_for_reader`), by month and employee."""
    rows = (
        ContributionAdjustment.objects.filter(bill=bill)
        .order_by("month", "person__name", "person_id", "insurance", "id")
        .values_list(
            "id",
            "month",
            "person__id_number",
            "person__name",
            "insurance",
            "cause",
            "base_fen",
            "unit_diff_fen",
            "individual_diff_fen",
        )[:limit]
    )
    return [BillAdjustment(*row) for row in rows]


def adjustment_for_reader(
    *, actor: Actor, number: str, adjustment_id: int
) -> ContributionAdjustment:
    bill = bill_for_reader(actor=actor, number=number)
    found = (
        ContributionAdjustment.objects.select_related(
            "line__snapshot", "snapshot", "old_snapshot", "person", "bill"
        )
        .filter(bill=bill, pk=adjustment_id)
        .first()
    )
    if found is None:
        raise NotFound("未找到该补退明细", code="ADJUSTMENT_NOT_FOUND")
    return found
