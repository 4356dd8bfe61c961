"""Writes to the insurance relations: open, close, correct — one row or a whole roster at once.

Every write is set-based (one query to find conflicts, one bulk insert, one bulk update, however
many people), runs in the caller's transaction (or its own), locks the persons concerned so two
concurrent enrolments of one person cannot both pass the overlap check, and refuses the whole set
if any line conflicts: nothing is half-written.

The invariant every service keeps: for one person and one insurance, the current versions of
their relations never cover the same month twice — whatever the scheme, category or payer. So
no one is insured for pension by two units, or as an employee and as a flexible worker, in the
same month.

One exception, and its own rule: work-injury cover by construction project (按项目参保,
:mod:`shebao.insurance.projects`). A worker employed by two units at once is insured for work
injury by each, and the unit where the injury happens answers for it (《实施〈社会保险法〉若干
规定》第九条; 劳社部函〔2004〕256号 第一条), so a project's cover does not conflict with the
worker's cover by another unit. It does conflict with the same project's cover in the same
month (registered twice), and with the general contractor's own cover of the worker: the
contractor insures its permanent staff as a unit and the rest by project (人社部发〔2014〕103号),
never one person both ways. :func:`relations_conflict` is that rule, in one place.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from shebao.common.corrections import records_corrected
from shebao.common.errors import Conflict, InvalidInput
from shebao.common.periods import YearMonth
from shebao.insurance.models import (
    Category,
    ConstructionProject,
    EndReason,
    Insurance,
    PayerKind,
    PersonDistrict,
    Relation,
    Scheme,
    StartReason,
    UnitInjuryClass,
    UnitStatus,
)
from shebao.registry.models import Person, Region, Unit

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor
    from shebao.applications.models import Application

INSURANCE_LABELS = dict(Insurance.choices)


@dataclass(frozen=True)
class LineProblem:
    """Why one line of a set cannot be applied (``line`` counts from 1 in the caller's order)."""

    line: int
    column: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.line, "column": self.column, "reason": self.reason}


class LinesRefused(InvalidInput):
    """Some lines of a set cannot be applied; ``problems`` names each. Nothing was written.

    As JSON: ``{"code", "message", "rows": [{"row", "column", "reason"}]}`` (HTTP 422).
    """

    def __init__(self, problems: Sequence[LineProblem], *, code: str = "LINES_REFUSED") -> None:
        first = problems[0]
        more = f"等{len(problems)}处问题" if len(problems) > 1 else ""
        super().__init__(
            f"第{first.line}行{first.column}：{first.reason}{more}，未作任何变更",
            code=code,
        )
        self.problems = list(problems)

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "rows": [p.as_dict() for p in self.problems]}


@dataclass(frozen=True)
class Opening:
    """A relation to open: a person enters one or more insurances from a month."""

    person: Person
    insurances: tuple[str, ...]
    start_month: YearMonth
    scheme: str = Scheme.EMPLOYEE
    category: str = Category.EMPLOYEE
    reason: str = StartReason.ENROL
    note: str = ""
    client_unit: Unit | None = None  # 劳务派遣: the client unit the worker serves
    project: ConstructionProject | None = None  # 按项目参保: work injury on this project


@dataclass(frozen=True)
class Closing:
    """Relations to close: from ``stop_month`` on (the first month no longer covered)."""

    person: Person
    stop_month: YearMonth
    reason: str = EndReason.LEAVE
    insurances: tuple[str, ...] | None = None  # None: every insurance the payer holds
    note: str = field(default="")
    # The project's cover only; None: the payer's own relations, never its projects' cover.
    project: ConstructionProject | None = None


def _user(actor: Actor | None) -> Any:
    return actor.user if actor is not None else None


def persons_lock(person_ids: Iterable[int]) -> None:
    """Row-lock the persons (ordered, so two sets never deadlock). A no-op on SQLite, whose
    write transactions are serialised anyway."""
    ids = sorted(set(person_ids))
    for start in range(0, len(ids), 5000):
        list(
            Person.objects.select_for_update()
            .filter(pk__in=ids[start : start + 5000])
            .values_list("pk", flat=True)
        )


def _current_for(person_ids: Sequence[int], insurances: Iterable[str]) -> list[Relation]:
    rows: list[Relation] = []
    ids = sorted(set(person_ids))
    for start in range(0, len(ids), 5000):
        rows.extend(
            Relation.objects.current()
            .filter(person_id__in=ids[start : start + 5000], insurance__in=set(insurances))
            .select_related("unit", "project")
        )
    return rows


def _holder(relation: Relation) -> str:
    if relation.project is not None:
        return f"工程建设项目“{relation.project.name}”"
    if relation.unit is not None:
        return relation.unit.name
    return dict(Category.choices)[relation.category]


def relations_conflict(*, unit_id: int | None, project_id: int | None, other: Relation) -> bool:
    """Whether a relation paid by ``unit_id`` (for ``project_id``, or none) may not cover a month
    that ``other`` (same person, same insurance) covers. Ordinary relations never share a month;
    project cover shares none with the same project, nor with the contractor's own cover of the
    worker, and may share any with anyone else's (see the module docstring)."""
    if project_id is None and other.project_id is None:
        return True
    if project_id is not None and other.project_id is not None:
        return project_id == other.project_id
    return unit_id is not None and other.unit_id == unit_id


def opening_problems(
    openings: Sequence[Opening], *, unit: Unit | None, column: str = "公民身份号码"
) -> list[LineProblem]:
    """What stops each opening, checked against the current relations and the set itself."""
    problems: list[LineProblem] = []
    existing: dict[tuple[int, str], list[Relation]] = defaultdict(list)
    wanted = {insurance for o in openings for insurance in o.insurances}
    for relation in _current_for([o.person.pk for o in openings], wanted):
        existing[(relation.person_id, relation.insurance)].append(relation)
    seen: dict[int, int] = {}
    for line, opening in enumerate(openings, start=1):
        if not opening.insurances:
            problems.append(LineProblem(line, "参保险种", "未选择参保险种"))
            continue
        if opening.person.pk in seen:
            problems.append(
                LineProblem(line, column, f"与第{seen[opening.person.pk]}行是同一人，请勿重复填报")
            )
            continue
        seen[opening.person.pk] = line
        project_id = opening.project.pk if opening.project is not None else None
        for insurance in opening.insurances:
            clash = next(
                (
                    r
                    for r in existing[(opening.person.pk, insurance)]
                    if (r.end_month is None or r.end_month >= opening.start_month)
                    and relations_conflict(
                        unit_id=unit.pk if unit is not None else None,
                        project_id=project_id,
                        other=r,
                    )
                ),
                None,
            )
            if clash is None:
                continue
            if project_id is not None and clash.project_id == project_id:
                until = f"至{clash.end_month.label()}" if clash.end_month else "至今"
                reason = (
                    f"{clash.start_month.label()}{until}已登记在本项目参加工伤保险，"
                    "同一月份不能重复登记"
                )
            elif project_id is not None:
                reason = (
                    f"已于{clash.start_month.label()}起在本单位按单位参加工伤保险，"
                    "不再按项目登记（按单位参保的职工不纳入项目参保）"
                )
            elif clash.project_id is not None and unit is not None:
                reason = (
                    f"已登记在本单位的{_holder(clash)}按项目参加工伤保险，"
                    "请先办理该项目的人员退场登记"
                )
            elif unit is not None and clash.unit_id == unit.pk and clash.end_month is None:
                reason = (
                    f"已于{clash.start_month.label()}起在本单位参加{INSURANCE_LABELS[insurance]}，"
                    "无需重复登记"
                )
            else:
                until = f"至{clash.end_month.label()}" if clash.end_month else "至今"
                reason = (
                    f"{clash.start_month.label()}{until}已在{_holder(clash)}参加"
                    f"{INSURANCE_LABELS[insurance]}，同一月份不能重复参保"
                )
            problems.append(LineProblem(line, column, reason))
            break
    return problems


# The columns of a new relation row, as :func:`_opening_values` yields them.
_NEW_RELATION_FIELDS = (
    "spell",
    "person_id",
    "client_unit_id",
    "project_id",
    "insurance",
    "scheme",
    "category",
    "payer_kind",
    "unit_id",
    "district_id",
    "start_month",
    "start_reason",
    "application_id",
    "recorded_at",
    "recorded_by_id",
    "note",
)


def _opening_values(
    *,
    actor: Actor | None,
    openings: Sequence[Opening],
    unit: Unit | None,
    district: Region | None,
    application: Application | None,
    checked: bool = False,
) -> list[tuple[Any, ...]]:
    """Lock the persons, check every opening (raise :class:`LinesRefused` naming each line that
    cannot be applied) and return the new rows' values (``_NEW_RELATION_FIELDS``). ``checked``:
    the caller has locked the persons and checked the openings in this transaction."""
    if not checked:
        persons_lock(o.person.pk for o in openings)
        problems = opening_problems(openings, unit=unit)
        if problems:
            raise LinesRefused(problems, code="INSURANCE_CONFLICT")
    now = timezone.now()
    user_id = getattr(_user(actor), "pk", None)
    payer_kind = PayerKind.UNIT if unit is not None else PayerKind.SELF
    unit_id = unit.pk if unit is not None else None
    application_id = application.pk if application is not None else None
    values = []
    for opening in openings:
        where = district or (unit.district if unit is not None else opening.person.district)
        if where is None:
            raise InvalidInput(
                f"{opening.person.name}没有参保地，请先采集人员基础信息", code="NO_DISTRICT"
            )
        for insurance in opening.insurances:
            values.append(
                (
                    uuid.uuid4(),
                    opening.person.pk,
                    opening.client_unit.pk if opening.client_unit is not None else None,
                    opening.project.pk if opening.project is not None else None,
                    insurance,
                    opening.scheme,
                    opening.category,
                    payer_kind,
                    unit_id,
                    where.pk,
                    opening.start_month,
                    opening.reason,
                    application_id,
                    now,
                    user_id,
                    opening.note,
                )
            )
    return values


@transaction.atomic
def relations_open(
    *,
    actor: Actor | None,
    openings: Sequence[Opening],
    unit: Unit | None,
    district: Region | None = None,
    application: Application | None = None,
) -> list[Relation]:
    """Open the relations of every opening, or none of them.

    ``unit`` is the payer (``None``: each person pays for themselves, as a flexible worker or a
    resident); ``district`` is where the relations are kept (default: the unit's district, or
    the person's). Raises :class:`LinesRefused` naming every line that cannot be applied.
    """
    values = _opening_values(
        actor=actor, openings=openings, unit=unit, district=district, application=application
    )
    rows = [Relation(**dict(zip(_NEW_RELATION_FIELDS, v, strict=True))) for v in values]
    return Relation.objects.bulk_create(rows, batch_size=2000)


@transaction.atomic
def relations_open_set(
    *,
    actor: Actor | None,
    openings: Sequence[Opening],
    unit: Unit | None,
    district: Region | None = None,
    application: Application | None = None,
    checked: bool = False,
) -> int:
    """:func:`relations_open` for a set of any size (a roster, a migration): the same checks,
    the rows written without building a model per row — by ``COPY`` on PostgreSQL, one round
    trip for a city's roster. Returns the number of relations written. ``checked``: the caller
    has locked the persons (:func:`persons_lock`) and checked these openings
    (:func:`opening_problems`, persons new to the registry need none) in this transaction."""
    from django.db import connection

    values = _opening_values(
        actor=actor,
        openings=openings,
        unit=unit,
        district=district,
        application=application,
        checked=checked,
    )
    if connection.vendor != "postgresql":
        rows = [Relation(**dict(zip(_NEW_RELATION_FIELDS, v, strict=True))) for v in values]
        return len(Relation.objects.bulk_create(rows, batch_size=2000))
    meta = Relation._meta
    columns = [meta.get_field(name.removesuffix("_id")).column for name in _NEW_RELATION_FIELDS]
    month_at = _NEW_RELATION_FIELDS.index("start_month")
    with (
        connection.cursor() as cursor,
        cursor.copy(
            f"COPY {meta.db_table} ({', '.join(columns)}, version, end_reason) FROM STDIN"
        ) as copy,
    ):
        for row in values:
            row = list(row)
            row[month_at] = row[month_at].as_int()
            copy.write_row((*row, 1, ""))
    return len(values)


def _successor(relation: Relation, *, now: Any, user: Any, **changes: Any) -> Relation:
    """The next version of ``relation`` with ``changes`` applied (not yet saved)."""
    values = {
        f.attname: getattr(relation, f.attname)
        for f in Relation._meta.concrete_fields
        if f.attname not in {"id", "superseded_at"}
    }
    values.update(version=relation.version + 1, recorded_at=now, recorded_by_id=None)
    successor = Relation(**values)
    successor.recorded_by = user
    for name, value in changes.items():
        setattr(successor, name, value)
    return successor


def _supersede(old: Sequence[Relation], new: Sequence[Relation], now: Any) -> list[Relation]:
    ids = [r.pk for r in old]
    for start in range(0, len(ids), 5000):
        Relation.objects.filter(pk__in=ids[start : start + 5000]).update(superseded_at=now)
    records_corrected(person_ids={r.person_id for r in old})
    return Relation.objects.bulk_create(list(new), batch_size=2000)


def _closing_plan(
    closings: Sequence[Closing], *, unit: Unit | None, column: str
) -> tuple[list[LineProblem], list[tuple[Closing, list[Relation]]]]:
    """Each closing's relations to end, or the problem that stops it."""
    open_rows: dict[int, list[Relation]] = defaultdict(list)
    ids = sorted({c.person.pk for c in closings})
    for start in range(0, len(ids), 5000):
        query = Relation.objects.current().filter(person_id__in=ids[start : start + 5000])
        query = query.filter(unit=unit) if unit is not None else query.filter(unit__isnull=True)
        for relation in query:
            open_rows[relation.person_id].append(relation)
    problems: list[LineProblem] = []
    plan: list[tuple[Closing, list[Relation]]] = []
    for line, closing in enumerate(closings, start=1):
        project_id = closing.project.pk if closing.project is not None else None
        candidates = [
            r
            for r in open_rows[closing.person.pk]
            if r.project_id == project_id
            and (closing.insurances is None or r.insurance in closing.insurances)
            and (r.end_month is None or r.end_month >= closing.stop_month)
        ]
        if not candidates:
            payer = "本单位" if unit is not None else "个人缴费"
            if closing.project is not None:
                payer = "本项目"
            problems.append(LineProblem(line, column, f"该人员在{payer}没有可停保的参保关系"))
            continue
        early = [r for r in candidates if r.start_month >= closing.stop_month]
        if early:
            problems.append(
                LineProblem(
                    line,
                    "停保年月",
                    f"停保年月{closing.stop_month.label()}不能早于或等于参保起始年月"
                    f"{early[0].start_month.label()}；如登记有误，请办理人员变更回退",
                )
            )
            continue
        plan.append((closing, candidates))
    return problems, plan


def closing_problems(
    closings: Sequence[Closing], *, unit: Unit | None, column: str = "公民身份号码"
) -> list[LineProblem]:
    """What stops each closing (nothing is written)."""
    return _closing_plan(closings, unit=unit, column=column)[0]


@transaction.atomic
def relations_close(
    *,
    actor: Actor | None,
    closings: Sequence[Closing],
    unit: Unit | None,
    application: Application | None = None,
    column: str = "公民身份号码",
) -> list[Relation]:
    """Close the payer's open relations of each person from the closing's stop month on.

    Refuses the whole set (:class:`LinesRefused`) when a person has nothing open with this
    payer, or when the stop month is before the relation began.
    """
    persons_lock(c.person.pk for c in closings)
    problems, plan = _closing_plan(closings, unit=unit, column=column)
    if problems:
        raise LinesRefused(problems, code="INSURANCE_NOT_OPEN")
    now = timezone.now()
    user = _user(actor)
    old: list[Relation] = []
    new: list[Relation] = []
    for closing, candidates in plan:
        for relation in candidates:
            old.append(relation)
            new.append(
                _successor(
                    relation,
                    now=now,
                    user=user,
                    end_month=closing.stop_month - 1,
                    end_reason=closing.reason,
                    application=application,
                    note=closing.note,
                )
            )
    return _supersede(old, new, now)


@transaction.atomic
def relation_correct(
    *,
    actor: Actor,
    relation: Relation,
    why: str,
    start_month: YearMonth | None = None,
    end_month: YearMonth | bool | None = False,
) -> Relation:
    """Staff correct a relation's months: a new version with who and why; the old one stays.

    ``end_month=False`` keeps the end as it is; ``None`` reopens the relation.
    """
    if not why.strip():
        raise InvalidInput("请填写更正原因", code="REASON_REQUIRED", field="why")
    locked = Relation.objects.select_for_update().get(pk=relation.pk)
    if locked.superseded_at is not None:
        raise Conflict("该参保关系已被更正，请刷新后重试", code="RELATION_STALE")
    new_start = start_month or locked.start_month
    new_end = locked.end_month if end_month is False else end_month
    if new_end is not None and new_end < new_start:
        raise InvalidInput("终止年月不能早于起始年月", code="INVALID_PERIOD")
    persons_lock([locked.person_id])
    others = [
        r
        for r in Relation.objects.current()
        .filter(person_id=locked.person_id, insurance=locked.insurance)
        .exclude(pk=locked.pk)
        .select_related("unit", "project")
        if r.start_month <= (new_end or YearMonth(9999, 12))
        and (r.end_month is None or r.end_month >= new_start)
        and relations_conflict(unit_id=locked.unit_id, project_id=locked.project_id, other=r)
    ]
    if others:
        clash = others[0]
        raise Conflict(
            f"更正后与{_holder(clash)}自{clash.start_month.label()}起的"
            f"{INSURANCE_LABELS[locked.insurance]}重叠",
            code="INSURANCE_CONFLICT",
        )
    now = timezone.now()
    successor = _successor(
        locked,
        now=now,
        user=actor.user,
        start_month=new_start,
        end_month=new_end,
        end_reason=locked.end_reason if new_end is not None else "",
        note=f"更正：{why.strip()}"[:200],
    )
    return _supersede([locked], [successor], now)[0]


@transaction.atomic
def relations_void(*, actor: Actor | None, relations: Sequence[Relation], why: str) -> None:
    """Withdraw relations that should never have existed (a change rolled back): they are
    superseded with no successor, and stay in the history with the reason."""
    now = timezone.now()
    ids = [r.pk for r in relations]
    Relation.objects.filter(pk__in=ids, superseded_at__isnull=True).update(
        superseded_at=now, note=f"已回退：{why}"[:200]
    )
    records_corrected(person_ids={r.person_id for r in relations})


# ------------------------------------------------------------------------------ dated facts


def _set_dated(
    model: Any,
    owner: dict[str, Any],
    values: dict[str, Any],
    *,
    month: YearMonth,
    actor: Actor | None,
    reason: str,
) -> Any:
    """Close the fact in force before ``month`` and record the new one from ``month``."""
    from django.db.models import Q

    now = timezone.now()
    if model.objects.filter(**owner, valid_from__gte=month).exists():
        raise Conflict(
            f"已登记{month.label()}或以后月份起的变更，请先更正该记录", code="FACT_LATER_EXISTS"
        )
    model.objects.filter(**owner).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=month)).update(
        valid_to=month - 1
    )
    return model.objects.create(
        **owner,
        **values,
        valid_from=month,
        recorded_at=now,
        recorded_by=_user(actor),
        reason=reason,
    )


@transaction.atomic
def person_district_set(
    *, actor: Actor | None, person: Person, district: Region, month: YearMonth, reason: str = ""
) -> PersonDistrict:
    """The person is insured in ``district`` from ``month`` on."""
    record = _set_dated(
        PersonDistrict,
        {"person": person},
        {"district": district},
        month=month,
        actor=actor,
        reason=reason,
    )
    if month <= YearMonth.of(timezone.localdate()):
        Person.objects.filter(pk=person.pk).update(district=district)
        person.district = district
    return record


@transaction.atomic
def unit_injury_class_set(
    *, actor: Actor | None, unit: Unit, injury_class: int, month: YearMonth, reason: str = ""
) -> UnitInjuryClass:
    """The unit's work-injury risk class is ``injury_class`` from ``month`` on."""
    if not 1 <= injury_class <= 8:
        raise InvalidInput("工伤行业风险类别应为一至八类", code="INVALID_INJURY_CLASS")
    record = _set_dated(
        UnitInjuryClass,
        {"unit": unit},
        {"injury_class": injury_class},
        month=month,
        actor=actor,
        reason=reason,
    )
    if month <= YearMonth.of(timezone.localdate()):
        Unit.objects.filter(pk=unit.pk).update(injury_class=injury_class)
        unit.injury_class = injury_class
    return record


@transaction.atomic
def unit_status_set(
    *, actor: Actor | None, unit: Unit, status: str, month: YearMonth, reason: str = ""
) -> UnitStatus:
    """The unit's status is ``status`` (a ``Unit.Status``) from ``month`` on."""
    if status not in Unit.Status.values:
        raise InvalidInput("单位状态不正确", code="INVALID_UNIT_STATUS")
    record = _set_dated(
        UnitStatus, {"unit": unit}, {"status": status}, month=month, actor=actor, reason=reason
    )
    if month <= YearMonth.of(timezone.localdate()):
        Unit.objects.filter(pk=unit.pk).update(status=status)
        unit.status = status
    return record


@transaction.atomic
def flexible_grade_set(
    *,
    actor: Actor | None,
    person: Person,
    grade: int,
    month: YearMonth,
    application: Application | None = None,
    reason: str = "",
) -> Any:
    """The flexible worker pays at ``grade`` (percent) from ``month`` on. The grade must be one
    the region offers in that month (``flexible.grades``); where the region locks the grade for
    the year (``flexible.grade_locked_in_year``, Jilin, seed 000), a grade already chosen for
    that year cannot change."""
    from shebao.insurance.models import FlexibleGrade
    from shebao.policy.selectors import param

    region = person.district_id or ""
    if not region:
        raise InvalidInput("参保地未登记，不能选择缴费档次", code="NO_DISTRICT")
    offered = param(region=region, key="flexible.grades", on=month.first_day).value
    if grade not in offered:
        choices = "、".join(f"{g}%" for g in offered)
        raise InvalidInput(
            f"{month.label()}可选的缴费档次为：{choices}", code="GRADE_NOT_OFFERED", field="grade"
        )
    locked = param(region=region, key="flexible.grade_locked_in_year", on=month.first_day).value
    if locked:
        chosen = FlexibleGrade.objects.filter(
            person=person, valid_from__gte=YearMonth(month.year, 1), valid_from__lte=month
        ).exists()
        if chosen:
            raise Conflict(
                f"本地规定缴费档次一经选定，{month.year}年度内不得变更，"
                f"可于{month.year + 1}年1月起重新选择",
                code="GRADE_LOCKED",
            )
    record = _set_dated(
        FlexibleGrade,
        {"person": person},
        {"grade": grade, "application": application},
        month=month,
        actor=actor,
        reason=reason,
    )
    return record


@transaction.atomic
def relations_reopen(
    *, actor: Actor | None, relations: Sequence[Relation], application: Application | None, why: str
) -> list[Relation]:
    """Reopen ended relations (a termination rolled back): new versions without an end."""
    now = timezone.now()
    fresh = [
        _successor(
            r,
            now=now,
            user=_user(actor),
            end_month=None,
            end_reason="",
            application=application,
            note=f"已回退：{why}"[:200],
        )
        for r in relations
    ]
    return _supersede(relations, fresh, now)


# ------------------------------------------------------------------------------ student status


@dataclass(frozen=True)
class StudentRecord:
    """One row of the education department's shared student data (学籍信息)."""

    line: int  # the row in the shared file
    id_number: str
    name: str
    school: str
    admitted: YearMonth
    leaves: YearMonth | None  # the month the student leaves school (expected), or None


@transaction.atomic
def student_statuses_record(
    *,
    actor: Actor | None,
    records: Sequence[StudentRecord],
    problems: Sequence[LineProblem] = (),
    reason: str = "教育部门学籍信息共享",
) -> int:
    """Record the students of a shared file, all or nothing: each row names a person of the
    registry by ID number and name. A row for a person and admission month already recorded
    replaces its school and leaving month (the department shares the current status). Raises
    :class:`LinesRefused` with every problem, those found reading the file (``problems``)
    included; returns the number of rows recorded."""
    from shebao.insurance.models import StudentStatus

    persons = {
        p.id_number: p
        for p in Person.objects.filter(id_number__in={r.id_number for r in records}).only(
            "pk", "id_number", "name"
        )
    }
    problems = list(problems)
    seen: dict[tuple[str, YearMonth], int] = {}
    for record in records:
        person = persons.get(record.id_number)
        if person is None:
            problems.append(LineProblem(record.line, "公民身份号码", "登记库中无此人"))
        elif person.name != record.name:
            problems.append(
                LineProblem(record.line, "姓名", f"与登记信息不一致（登记为“{person.name}”）")
            )
        if record.leaves is not None and record.leaves < record.admitted:
            problems.append(LineProblem(record.line, "离校年月", "离校年月早于入学年月"))
        key = (record.id_number, record.admitted)
        if key in seen:
            problems.append(
                LineProblem(record.line, "公民身份号码", f"与第{seen[key]}行是同一学籍")
            )
        seen.setdefault(key, record.line)
    if problems:
        raise LinesRefused(sorted(problems, key=lambda p: p.line), code="FILE_INVALID")
    now = timezone.now()
    user = _user(actor)
    existing = {
        (row.person_id, row.valid_from): row
        for row in StudentStatus.objects.filter(person__in=[persons[r.id_number] for r in records])
    }
    new: list[StudentStatus] = []
    changed: list[StudentStatus] = []
    for record in records:
        person = persons[record.id_number]
        row = existing.get((person.pk, record.admitted))
        if row is None:
            new.append(
                StudentStatus(
                    person=person,
                    school=record.school,
                    valid_from=record.admitted,
                    valid_to=record.leaves,
                    recorded_at=now,
                    recorded_by=user,
                    reason=reason,
                )
            )
        else:
            row.school, row.valid_to, row.recorded_at = record.school, record.leaves, now
            row.recorded_by, row.reason = user, reason
            changed.append(row)
    StudentStatus.objects.bulk_create(new, batch_size=2000)
    StudentStatus.objects.bulk_update(
        changed, ["school", "valid_to", "recorded_at", "recorded_by", "reason"], batch_size=2000
    )
    return len(new) + len(changed)
