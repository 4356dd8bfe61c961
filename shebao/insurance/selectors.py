"""Reads of the insurance relations, scoped by the actor (DESIGN principle 6).

- an individual reads their own relations;
- a unit's legal representative and administrators read the unit's roster; an operator reads it
  when granted one of the roster's matters (enrolment, termination or the unit's query);
- agency staff read the persons and units of their districts.

Anything out of scope is ``NotFound``, never ``PermissionDenied``: the hall does not confirm that
a person or a unit exists to someone who may not see it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import Case, Count, IntegerField, Max, Min, Q, QuerySet, When
from django.utils import timezone

from shebao.common.errors import NotFound
from shebao.common.identifiers import (
    mask_id_number,
    normalize_credit_code,
    normalize_id_number,
)
from shebao.common.periods import YearMonth
from shebao.insurance.models import Category, EndReason, Insurance, Relation, Scheme
from shebao.registry.models import Person, Unit

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor

# The unit matters whose operators may read the roster.
ROSTER_MATTERS = ("unit.staff_enrol", "unit.staff_leave", "unit.insurance_query")

INSURANCE_ORDER = [choice for choice, _ in Insurance.choices]


class RosterStatus:
    ACTIVE = "active"
    STOPPED = "stopped"
    LABELS = {ACTIVE: "参保缴费", STOPPED: "停保"}


def this_month() -> YearMonth:
    return YearMonth.of(timezone.localdate())


def relation_status(relation: Relation, month: YearMonth | None = None) -> str:
    """``active`` while the relation covers ``month`` (default: this month) or starts later;
    ``suspended`` / ``stopped`` once it has ended (by its end reason)."""
    month = month or this_month()
    if relation.end_month is None or relation.end_month >= month:
        return "active"
    return "suspended" if relation.end_reason == "suspend" else "stopped"


STATUS_LABELS = {"active": "参保缴费", "suspended": "暂停缴费", "stopped": "终止参保"}


# ------------------------------------------------------------------------------ scope


def may_read_unit(actor: Actor, unit: Unit) -> bool:
    if actor.is_unit and actor.unit is not None and actor.unit.pk == unit.pk:
        if actor.is_unit_manager:
            return True
        from shebao.catalogue.models import Matter

        granted = Matter.objects.filter(pk__in=actor.granted_matter_ids, code__in=ROSTER_MATTERS)
        return granted.exists()
    if actor.is_staff:
        return unit.district_id in actor.district_codes
    return False


def unit_for_reader(*, actor: Actor, credit_code: str) -> Unit:
    """The unit by credit code, if the actor may read its records; else NotFound."""
    code = normalize_credit_code(credit_code)
    unit = Unit.objects.select_related("district").filter(credit_code=code).first()
    if unit is None or not may_read_unit(actor, unit):
        raise NotFound("未找到该单位", code="UNIT_NOT_FOUND")
    return unit


def person_for_reader(*, actor: Actor, id_number: str | None = None) -> Person:
    """The person whose relations the actor reads: an individual's own record; for staff, a
    person of their districts (by ID number)."""
    if actor.is_individual and actor.person is not None:
        if id_number is None or normalize_id_number(id_number) == actor.person.id_number:
            return actor.person
    elif actor.is_staff and id_number:
        number = normalize_id_number(id_number)
        person = Person.objects.filter(id_number=number).first()
        if person is None:  # a number changed since: staff still find the person by it
            from shebao.registry.selectors import person_by_former_number

            person = person_by_former_number(id_number=number)
        if person is not None and (
            person.district_id in actor.district_codes
            or Relation.objects.current()
            .filter(person=person, district_id__in=actor.district_codes)
            .exists()
        ):
            return person
    raise NotFound("未找到该人员的参保信息", code="PERSON_NOT_FOUND")


# ------------------------------------------------------------------------------ a person


def _ordered(rows: QuerySet[Relation]) -> QuerySet[Relation]:
    return rows.select_related("unit", "district", "client_unit", "project").order_by(
        "-start_month", "insurance", "-id"
    )


def person_relations(*, actor: Actor, person: Person) -> list[Relation]:
    """The person's current relations, newest first. ``person`` comes from
    :func:`person_for_reader` (which checked the scope)."""
    return _current_first(list(_ordered(Relation.objects.current().filter(person=person))))


def _current_first(rows: list[Relation]) -> list[Relation]:
    rows.sort(
        key=lambda r: (
            relation_status(r) != "active",
            -r.start_month.index,
            INSURANCE_ORDER.index(r.insurance),
            -r.pk,
        )
    )
    return rows


def person_relation_history(*, actor: Actor, person: Person) -> list[Relation]:
    """Every version of every relation of the person, corrections included, newest first."""
    return list(
        Relation.objects.filter(person=person)
        .select_related("unit", "district", "client_unit", "project", "recorded_by", "application")
        .order_by("-recorded_at", "-id")
    )


@dataclass(frozen=True)
class PersonRecord:
    """What the person's 参保信息 page shows, from one read of the relations."""

    relations: list[Relation]  # current, active first
    history: list[Relation]  # every version, newest first
    cover: list[CoverSummary]


def person_record(*, actor: Actor, person: Person) -> PersonRecord:
    """The person's relations, their history and the cover per insurance: one query."""
    history = person_relation_history(actor=actor, person=person)
    relations = _current_first([r for r in history if r.superseded_at is None])
    return PersonRecord(
        relations=relations,
        history=history,
        cover=person_cover(actor=actor, person=person, relations=relations),
    )


@dataclass(frozen=True)
class FlexibleBase:
    """A flexible worker's pension base of a month: the grade in force (chosen, or the lowest
    offered when none was chosen, as the assessment takes it) and the base and amount it gives
    by the flexible-employment rule, with its explanation."""

    month: YearMonth
    grade: int
    chosen: bool
    since: YearMonth | None
    result: Any  # shebao.rules.flexible.FlexibleResult


def flexible_base(
    *, person: Person, relations: list[Relation], month: YearMonth
) -> FlexibleBase | None:
    """The flexible worker's base in ``month`` from their grade, or None when no self-paid
    flexible pension relation covers the month. ``relations`` are the person's, already read
    within the actor's scope (:func:`person_record`)."""
    from shebao.calculators.services import flexible_calculate, flexible_grades
    from shebao.insurance.models import FlexibleGrade

    relation = next(
        (
            r
            for r in relations
            if r.category == Category.FLEXIBLE
            and r.insurance == Insurance.PENSION
            and r.unit_id is None
            and r.start_month <= month
            and (r.end_month is None or r.end_month >= month)
        ),
        None,
    )
    if relation is None:
        return None
    record = (
        FlexibleGrade.objects.filter(person=person, valid_from__lte=month)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=month))
        .order_by("-valid_from")
        .first()
    )
    region = relation.district_id
    grade = record.grade if record is not None else min(flexible_grades(region=region, month=month))
    return FlexibleBase(
        month=month,
        grade=grade,
        chosen=record is not None,
        since=record.valid_from if record is not None else None,
        result=flexible_calculate(region=region, month=month, grade=grade),
    )


def own_info_matters(*, actor: Actor, person: Person) -> list[tuple[str, str]]:
    """The matters through which an individual changes their own contact details: (code,
    button text), by the schemes they are insured in as a self-payer; none for staff."""
    if not actor.is_individual:
        return []
    own = Relation.objects.current().filter(person=person, unit__isnull=True)
    matters = []
    if own.filter(category=Category.FLEXIBLE).exists():
        matters.append(("person.flexible_info_change", "修改联系方式"))
    elif own.filter(scheme=Scheme.RESIDENT).exists():
        matters.append(("person.resident_info_change", "修改联系方式"))
    return matters


def relations_in_month(*, person: Person, month: YearMonth) -> list[Relation]:
    """What covered the person in ``month`` (not scoped: for services and rules)."""
    return list(Relation.objects.current().covering(month).filter(person=person))


@dataclass(frozen=True)
class CoverSummary:
    """One line per insurance for the person's page: the current or latest relation."""

    insurance: str
    label: str
    relation: Relation
    status: str
    since: YearMonth  # the first month of the unbroken cover (through dispatch transfers)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


def person_cover(
    *, actor: Actor, person: Person, relations: list[Relation] | None = None
) -> list[CoverSummary]:
    """Each insurance the person has ever had, with the relation that stands for it now.
    ``relations``: the person's current relations when the caller has read them already."""
    latest: dict[str, Relation] = {}
    if relations is None:
        relations = person_relations(actor=actor, person=person)
    for relation in relations:
        known = latest.get(relation.insurance)
        if known is None or (
            relation_status(relation) == "active" and relation_status(known) != "active"
        ):
            latest[relation.insurance] = relation
    return [
        CoverSummary(
            insurance=insurance,
            label=_insurance_label(latest[insurance]),
            relation=latest[insurance],
            status=relation_status(latest[insurance]),
            since=continuous_start(latest[insurance], relations),
        )
        for insurance in INSURANCE_ORDER
        if insurance in latest
    ]


def _insurance_label(relation: Relation) -> str:
    if relation.insurance == Insurance.PENSION and relation.scheme == Scheme.INSTITUTION:
        return "机关事业单位养老保险"
    if relation.insurance == Insurance.PENSION and relation.scheme == Scheme.RESIDENT:
        return "城乡居民基本养老保险"
    if relation.insurance == Insurance.PENSION:
        return "企业职工基本养老保险"
    if relation.insurance == Insurance.MEDICAL and relation.scheme == Scheme.RESIDENT:
        return "城乡居民基本医疗保险"
    if relation.insurance == Insurance.MEDICAL:
        return "职工基本医疗保险"
    return dict(Insurance.choices)[relation.insurance]


def insurance_label(relation: Relation) -> str:
    """The insurance's name as people know it (企业职工基本养老保险, 城乡居民基本养老保险 …)."""
    return _insurance_label(relation)


def category_label(code: str) -> str:
    return dict(Category.choices).get(code, code)


# ------------------------------------------------------------------------------ a unit's roster


@dataclass(frozen=True)
class RosterRow:
    person_id: int
    id_number: str
    name: str
    insurances: list[str]
    start_month: YearMonth
    end_month: YearMonth | None
    status: str
    # 劳务派遣: the client units the person serves (in order, with the month each begins);
    # 按项目参保: the projects they work on.
    clients: list[tuple[str, YearMonth]] = field(default_factory=list)
    projects: list[str] = field(default_factory=list)

    @property
    def status_label(self) -> str:
        return RosterStatus.LABELS[self.status]

    @property
    def client_units(self) -> list[str]:
        return [name for name, _ in self.clients]

    @property
    def placement(self) -> str:
        """Where the person works, for the roster: the client unit (and the next one, from the
        month a transfer takes effect), or the project."""
        now = this_month()
        parts = []
        for name, start in self.clients:
            parts.append(f"{start.label()}起派遣至{name}" if start > now else f"派遣至{name}")
        parts += [f"项目：{name}" for name in self.projects]
        return "；".join(parts)

    @property
    def insurance_labels(self) -> list[str]:
        labels = dict(Insurance.choices)
        return [labels[i] for i in self.insurances]


def _roster_base(unit: Unit, insurance: str | None) -> QuerySet[Relation]:
    rows = Relation.objects.current().filter(unit=unit)
    if insurance:
        rows = rows.filter(insurance=insurance)
    return rows


def _active_case(month: YearMonth) -> Case:
    return Case(
        When(Q(end_month__isnull=True) | Q(end_month__gte=month), then=1),
        default=0,
        output_field=IntegerField(),
    )


def continuous_start(relation: Relation, relations: list[Relation]) -> YearMonth:
    """The first month of the unbroken cover ``relation`` continues: a dispatch transfer
    (派遣调转) ends the agency's relation the month before the next one starts, and the worker's
    spell with the agency runs on through it. ``relations``: the person's others to look in."""
    ended = {
        (r.insurance, r.unit_id, r.end_month): r
        for r in relations
        if r.end_month is not None and r.end_reason == EndReason.DISPATCH
    }
    first = relation
    while (
        earlier := ended.get((first.insurance, first.unit_id, first.start_month - 1))
    ) is not None:
        first = earlier
    return first.start_month


def _clients(held: list[Relation]) -> list[tuple[str, YearMonth]]:
    """Each client unit of the held relations with the month its placement begins, in order."""
    starts: dict[str, YearMonth] = {}
    for relation in held:
        if relation.client_unit is not None:
            name = relation.client_unit.name
            starts[name] = min(starts.get(name, relation.start_month), relation.start_month)
    return sorted(starts.items(), key=lambda item: item[1])


def unit_roster(
    *,
    actor: Actor,
    unit: Unit,
    insurance: str | None = None,
    status: str | None = None,
    q: str | None = None,
    limit: int | None = 20,
    offset: int = 0,
    total: int | None = None,
) -> tuple[int, list[RosterRow]]:
    """The unit's staff: one row per person who has or had a relation with the unit, with the
    insurances currently held (or last held, once stopped), the first month of the current
    spell and the status. Returns ``(total, rows)``; ``limit=None`` returns every row (export).
    ``total``: the count of these rows when the caller knows it already (the page's tab counts,
    :func:`unit_roster_counts`, when it neither searches nor filters by insurance).

    Three queries for a page whatever the unit's size (two when ``total`` is given): the total,
    the page's persons ordered by name (both grouped over the relations), the page's relations.
    """
    if not may_read_unit(actor, unit):
        raise NotFound("未找到该单位", code="UNIT_NOT_FOUND")
    if insurance and insurance not in Insurance.values:
        insurance = None
    month = this_month()
    base = _roster_base(unit, insurance)
    if q:
        text = q.strip()
        base = base.filter(
            Q(person__name__contains=text) | Q(person__id_number__startswith=text.upper())
        )
    people = base.values("person_id").annotate(active=Max(_active_case(month)))
    if status == RosterStatus.ACTIVE:
        people = people.filter(active=1)
    elif status == RosterStatus.STOPPED:
        people = people.filter(active=0)
    if limit is not None and total is None:
        total = people.aggregate(n=Count("person_id"))["n"]
    page = people.order_by("person__name", "person_id").values_list(
        "person_id", "person__id_number", "person__name", "active"
    )
    if limit is not None:
        page = page[offset : offset + limit]
    page_rows = list(page)
    if total is None:
        total = len(page_rows)
    ids = [row[0] for row in page_rows]
    by_person: dict[int, list[Relation]] = {pid: [] for pid in ids}
    for start in range(0, len(ids), 5000):
        for relation in (
            _roster_base(unit, insurance)
            .filter(person_id__in=ids[start : start + 5000])
            .select_related("client_unit", "project")
        ):
            by_person[relation.person_id].append(relation)
    rows = []
    for person_id, id_number, name, active in page_rows:
        relations = by_person[person_id]
        if active:
            held = [r for r in relations if r.end_month is None or r.end_month >= month]
        else:
            last = max(r.end_month for r in relations if r.end_month is not None)
            held = [r for r in relations if r.end_month == last]
        spell_start = min(continuous_start(r, relations) for r in held)
        ends = [r.end_month for r in held]
        rows.append(
            RosterRow(
                person_id=person_id,
                id_number=id_number,
                name=name,
                insurances=sorted({r.insurance for r in held}, key=INSURANCE_ORDER.index),
                start_month=spell_start,
                end_month=None if None in ends else max(e for e in ends if e is not None),
                status=RosterStatus.ACTIVE if active else RosterStatus.STOPPED,
                clients=_clients(held),
                projects=sorted({r.project.name for r in held if r.project}),
            )
        )
    return total, rows


@dataclass(frozen=True)
class DispatchedRow:
    """A worker a dispatch agency places with this unit (劳务派遣): the agency insures and pays;
    the client unit sees who works for it, with the number masked."""

    name: str
    id_number_masked: str
    agency: str
    insurances: list[str]
    since: YearMonth

    @property
    def insurance_labels(self) -> list[str]:
        labels = dict(Insurance.choices)
        return [labels[i] for i in self.insurances]


def dispatched_to(*, actor: Actor, unit: Unit) -> list[DispatchedRow]:
    """The workers placed with ``unit`` this month or from a later month, by agency and name.
    One query."""
    if not may_read_unit(actor, unit):
        raise NotFound("未找到该单位", code="UNIT_NOT_FOUND")
    month = this_month()
    rows = (
        Relation.objects.current()
        .filter(client_unit=unit)
        .filter(Q(end_month__isnull=True) | Q(end_month__gte=month))
        .order_by("unit__name", "person__name", "person_id")
        .values_list(
            "person_id",
            "person__name",
            "person__id_number",
            "unit__name",
            "insurance",
            "start_month",
        )
    )
    by_person: dict[tuple[int, str], dict[str, Any]] = {}
    for person_id, name, number, agency, insurance, since in rows:
        row = by_person.setdefault(
            (person_id, agency),
            {"name": name, "number": number, "insurances": set(), "since": since},
        )
        row["insurances"].add(insurance)
        row["since"] = min(row["since"], since)
    return [
        DispatchedRow(
            name=row["name"],
            id_number_masked=mask_id_number(row["number"]),
            agency=agency,
            insurances=sorted(row["insurances"], key=INSURANCE_ORDER.index),
            since=row["since"],
        )
        for (_, agency), row in by_person.items()
    ]


def unit_roster_counts(*, actor: Actor, unit: Unit) -> dict[str, int]:
    """Persons on the roster by status (for the page's tabs)."""
    if not may_read_unit(actor, unit):
        raise NotFound("未找到该单位", code="UNIT_NOT_FOUND")
    month = this_month()
    current = Q(end_month__isnull=True) | Q(end_month__gte=month)
    counts = _roster_base(unit, None).aggregate(
        everyone=Count("person_id", distinct=True),
        active=Count("person_id", distinct=True, filter=current),
    )
    everyone, active = counts["everyone"], counts["active"]
    return {"all": everyone, RosterStatus.ACTIVE: active, RosterStatus.STOPPED: everyone - active}


def unit_placement_matters(*, unit: Unit) -> list[tuple[str, str]]:
    """(matter code, button label) the unit's roster offers beside enrolment and leaving:
    劳务派遣用工调转 to a unit holding a dispatch licence in force, 工程建设项目人员登记维护 to a
    contractor with a project still open."""
    from shebao.insurance.models import ConstructionProject, DispatchLicence

    today = timezone.localdate()
    matters = []
    if DispatchLicence.objects.filter(
        unit=unit, valid_from__lte=today, valid_to__gte=today
    ).exists():
        matters.append(("unit.dispatch_transfer", "劳务派遣用工调转"))
    if ConstructionProject.objects.filter(unit=unit, completed_on__isnull=True).exists():
        matters.append(("unit.construction_project_staff", "项目人员进退场"))
    return matters


def unit_relations_of(*, unit: Unit, person: Person) -> list[Relation]:
    """The unit's current relations of one person (not scoped: for services)."""
    return list(Relation.objects.current().filter(unit=unit, person=person))


def unit_insures(*, unit: Unit, person: Person, scheme: str | None = None) -> bool:
    """Whether the unit insures the person now: a current relation of the unit that covers
    this month or starts later (for ``scheme``, of that scheme). Not scoped: for services."""
    rows = Relation.objects.current().filter(unit=unit, person=person)
    if scheme:
        rows = rows.filter(scheme=scheme)
    return rows.filter(Q(end_month__isnull=True) | Q(end_month__gte=this_month())).exists()


def unit_enrolling(*, unit: Unit, id_number: str) -> bool:
    """Whether the unit has an enrolment of ``id_number`` still under way (用工参保登记 or
    机关事业单位人员新参保, or a roster line), so that it may collect the person's basic
    information before the relation exists. Not scoped: for services."""
    from shebao.applications.models import Application
    from shebao.insurance.models import StaffChangeLine

    under_way = [
        Application.Status.SUBMITTED,
        Application.Status.ACCEPTED,
        Application.Status.APPROVED,
        Application.Status.RETURNED,
    ]
    cases = Application.objects.filter(
        unit=unit,
        subject_id_number=id_number,
        matter__code__in=("unit.staff_enrol", "unit.institution_enrol"),
        status__in=under_way,
    )
    lines = StaffChangeLine.objects.filter(
        application__unit=unit,
        application__status__in=under_way,
        id_number=id_number,
        kind=StaffChangeLine.Kind.ENROL,
    )
    return cases.exists() or lines.exists()


def first_month_of(*, person: Person) -> YearMonth | None:
    """The first month the person was ever insured (any insurance), or None."""
    value = Relation.objects.current().filter(person=person).aggregate(m=Min("start_month"))["m"]
    return YearMonth.from_int(value) if isinstance(value, int) else value


def open_conflicts(*, person: Person, insurances: list[str], start_month: YearMonth) -> list[Any]:
    """For the reviewer: the person's current relations that a new relation from
    ``start_month`` in ``insurances`` would overlap."""
    return [
        r
        for r in Relation.objects.current()
        .filter(person=person, insurance__in=insurances)
        .select_related("unit")
        if r.end_month is None or r.end_month >= start_month
    ]


def staff_change_line_relations(*, unit: Unit, lines: list[Any]) -> dict[int, dict[str, Any]]:
    """For the reviewer of a roster: each line's person's current relations, and what would
    conflict (an enrolment overlapping a relation with anyone; a termination with nothing open
    at the unit). Keyed by line id; one query for the page's lines."""
    from shebao.insurance.services import relations_conflict

    person_ids = [line.person_id for line in lines if line.person_id]
    relations: dict[int, list[Relation]] = {}
    for relation in (
        Relation.objects.current().filter(person_id__in=person_ids).select_related("unit")
    ):
        relations.setdefault(relation.person_id, []).append(relation)
    result: dict[int, dict[str, Any]] = {}
    for line in lines:
        held = relations.get(line.person_id, []) if line.person_id else []
        reaching = [r for r in held if r.end_month is None or r.end_month >= line.month]
        if line.kind == "enrol":
            # anything covering the start month or later (a project's cover only at this unit)
            conflict = any(
                relations_conflict(unit_id=unit.pk, project_id=None, other=r) for r in reaching
            )
        else:
            conflict = not any(r.unit_id == unit.pk and r.project_id is None for r in reaching)
        result[line.pk] = {
            "current": [r for r in held if r.end_month is None or r.end_month >= this_month()],
            "conflict": conflict,
        }
    return result


def student_status_in(*, person: Person, month: YearMonth) -> Any:
    """The person's student status (学籍) covering ``month``, or None."""
    from django.db.models import Q

    from shebao.insurance.models import StudentStatus

    return (
        StudentStatus.objects.filter(person=person, valid_from__lte=month)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=month))
        .order_by("-valid_from")
        .first()
    )
