"""The monthly assessment (缴费核定) of a region: set-based, chunked, idempotent, observable.

For a pooling region and a month, over the insurance relations in force that month
(``Relation.objects.current().covering(month)``) in the region's districts:

1. the month's parameters are resolved once into a snapshot (:mod:`.snapshots`) and its
   formulas compiled to SQL over integer fen (:mod:`.formulas`; the rules' own formulas);
2. one bill (征集单) per payer — each unit, each self-paying person — is opened by one
   ``INSERT … SELECT DISTINCT`` (numbered from the month and the payer, so a rerun finds it);
3. the lines are written chunk by chunk (person-id ranges of ``CHUNK_PERSONS``, one transaction
   each, progress stored with the chunk): ``INSERT … SELECT`` computing each employee's base —
   the clamp of the declared wage in force (:class:`ContributionBase`), the floor when none —
   and each share, with the unit's work-injury class of the month; and each flexible worker's
   pension line at the grade of the month;
4. the bills' totals are the ``GROUP BY`` of their lines.

Idempotence: the line's natural key (month, payer, person, insurance) is unique, and lines are
inserted ``ON CONFLICT DO NOTHING``. An assessed line is a record and is never rewritten — what
changes after it (a base corrected, a provisional parameter made final) is settled by adjustment
lines — so a rerun adds exactly what is missing: the chunks a crashed run did not finish, a
relation recorded late. Deleting and reinserting instead would rewrite 5M rows to change none,
and would change amounts a unit may already have confirmed or paid. Bills are keyed the same way
(month, payer) and their totals recomputed from the lines while unpaid.

What is not assessed here, reported in the run's ``problems`` where it concerns a relation:
a work-injury relation of a unit with no industry class for the month; a flexible worker's grade
the region no longer offers. Not in this batch at all: urban-rural residents (annual
contributions), flexible workers' medical insurance (no rule or parameter for it yet).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from shebao.accounts.capabilities import Capability, staff_require
from shebao.common.errors import Conflict
from shebao.common.periods import YearMonth
from shebao.contributions.formulas import employee_sql, flexible_sql
from shebao.contributions.models import (
    AssessmentRun,
    BaseSource,
    Bill,
    ContributionBase,
    ContributionLine,
    LineKind,
    ParameterSnapshot,
)
from shebao.contributions.snapshots import payment_deadline_day, snapshot_resolve, snapshot_rules
from shebao.insurance.models import Category, FlexibleGrade, Relation, Scheme, UnitInjuryClass
from shebao.registry.models import Region, Unit

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor

# Person ids per chunk: each chunk is one transaction (a city of 10^6 persons: ten of them).
CHUNK_PERSONS = 100_000
# A run that has not moved for this long is taken as crashed: a new run may start.
STALE_AFTER = timedelta(minutes=30)
# Schemes whose employees are assessed monthly with the contribution rule.
MONTHLY_SCHEMES = (Scheme.EMPLOYEE, Scheme.INSTITUTION)
# Units or persons a problem names (the count is always complete).
PROBLEM_SAMPLE = 20


def _table(model: Any) -> str:
    return model._meta.db_table


def region_districts(region: Region) -> list[str]:
    """The codes of the region and of the districts it pools (a district that is a pooling
    region of its own — Kunshan in Suzhou — is assessed on its own)."""
    from shebao.registry.selectors import districts_of, pooling_region_of

    codes = [region.code]
    for district in districts_of(region=region).select_related("parent__parent__parent"):
        if district.code != region.code and pooling_region_of(region=district) == region:
            codes.append(district.code)
    return codes


def due_date(snapshot: ParameterSnapshot) -> date:
    """The bill's due date: the day policy sets (``calendar.payment_deadline_day``: Wuhan the
    20th, seed 001), else the last day of the fee month — contributions are declared and paid
    month by month (社会保险费征缴暂行条例 第十条: 按月缴纳)."""
    day = payment_deadline_day(snapshot)
    return snapshot.month.day(day) if day else snapshot.month.last_day


# --- the SQL -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """Everything a run's statements need, resolved once."""

    region: str
    month: YearMonth
    districts: list[str]
    snapshot: ParameterSnapshot
    employees: str  # INSERT … SELECT of a chunk's employee lines: params lo, hi
    flexible: str | None  # the same for flexible workers' pension lines
    employee_params: list[Any]
    flexible_params: list[Any]
    grades: tuple[int, ...]


def _in(values: list[str]) -> str:
    return ", ".join(["%s"] * len(values))


def _active(alias: str, districts: list[str]) -> str:
    """The relations in force in the month (param ``month`` twice) in the districts."""
    return (
        f"{alias}.superseded_at IS NULL AND {alias}.start_month <= %s "
        f"AND ({alias}.end_month IS NULL OR {alias}.end_month >= %s) "
        f"AND {alias}.district_id IN ({_in(districts)})"
    )


def _dated(alias: str) -> str:
    """A dated fact covering the month (param ``month`` twice)."""
    return f"{alias}.valid_from <= %s AND ({alias}.valid_to IS NULL OR {alias}.valid_to >= %s)"


def _employee_filter(districts: list[str], insurances: tuple[str, ...]) -> tuple[str, list[Any]]:
    sql = (
        # Project cover (按项目参保) is paid once on the contract price, not per head per month.
        f"{_active('r', districts)} AND r.payer_kind = 'unit' AND r.project_id IS NULL "
        f"AND r.scheme IN ({_in(list(MONTHLY_SCHEMES))}) AND r.insurance IN ({_in(list(insurances))})"
    )
    return sql, [*MONTHLY_SCHEMES, *insurances]


def _flexible_filter(districts: list[str]) -> str:
    return (
        f"{_active('r', districts)} AND r.payer_kind = 'self' "
        f"AND r.category = '{Category.FLEXIBLE}' AND r.insurance = 'pension'"
    )


def _injury_join() -> str:
    return (
        f"LEFT JOIN {_table(UnitInjuryClass)} ic ON ic.unit_id = r.unit_id AND {_dated('ic')} "
        f"JOIN {_table(Unit)} u ON u.id = r.unit_id"
    )


LINE_COLUMNS = (
    "month, region_id, payer_kind, payer_id, unit_id, person_id, insurance, kind, wage_fen, "
    "grade, base_source, base_fen, unit_fen, individual_fen, injury_class, snapshot_id, "
    "provisional, bill_id"
)


def _plan(region: Region, month: YearMonth, snapshot: ParameterSnapshot) -> Plan:
    vendor = connection.vendor
    rules, flex = snapshot_rules(snapshot)
    districts = region_districts(region)
    m = month.as_int()
    emp = employee_sql(
        rules,
        vendor=vendor,
        wage="COALESCE(b.wage_fen, 0)",
        base="s.base_fen",
        insurance="s.insurance",
        injury_class="s.injury_class",
    )
    where, where_params = _employee_filter(districts, emp.insurances)
    employees = (
        f"INSERT INTO {_table(ContributionLine)} ({LINE_COLUMNS}) "
        f"SELECT %s, %s, 'unit', s.unit_id, s.unit_id, s.person_id, s.insurance, "
        f"'{LineKind.EMPLOYEE}', s.wage_fen, NULL, s.base_source, s.base_fen, {emp.unit}, "
        f"{emp.individual}, s.injury_class, %s, %s, bl.id FROM ("
        f"SELECT r.unit_id, r.person_id, r.insurance, b.wage_fen, "
        f"CASE WHEN b.id IS NULL THEN '{BaseSource.FLOOR}' ELSE '{BaseSource.DECLARED}' END "
        f"AS base_source, {emp.base} AS base_fen, "
        f"CASE WHEN r.insurance = 'work_injury' THEN COALESCE(ic.injury_class, u.injury_class) "
        f"END AS injury_class "
        f"FROM {_table(Relation)} r "
        f"LEFT JOIN {_table(ContributionBase)} b ON b.unit_id = r.unit_id "
        f"AND b.person_id = r.person_id AND b.superseded_at IS NULL AND {_dated('b')} "
        f"{_injury_join()} "
        f"WHERE {where} AND r.person_id >= %s AND r.person_id < %s "
        f"AND (r.insurance <> 'work_injury' OR COALESCE(ic.injury_class, u.injury_class) "
        f"BETWEEN 1 AND 8)"
        f") s JOIN {_table(Bill)} bl ON bl.month = %s AND bl.payer_kind = 'unit' "
        f"AND bl.payer_id = s.unit_id "
        f"WHERE 1 = 1 "
        f"ON CONFLICT (month, payer_kind, payer_id, person_id, insurance) DO NOTHING"
    )
    # Parameters in order of the placeholders; lo and hi are inserted where the chunk goes.
    employee_params = [
        m,
        region.code,
        snapshot.pk,
        snapshot.employee_provisional,
        m,
        m,  # the base in force
        m,
        m,  # the injury class in force
        m,
        m,
        *districts,
        *where_params,
        "LO",
        "HI",
        m,
    ]
    flexible = None
    grades: tuple[int, ...] = ()
    if flex is not None:
        grades = flex.grades
        fsql = flexible_sql(flex, vendor=vendor, grade="q.grade", base="s.base_fen")
        offered = ", ".join(str(int(g)) for g in grades)
        flexible = (
            f"INSERT INTO {_table(ContributionLine)} ({LINE_COLUMNS}) "
            f"SELECT %s, %s, 'self', s.person_id, NULL, s.person_id, 'pension', "
            f"'{LineKind.FLEXIBLE}', NULL, s.grade, '{BaseSource.GRADE}', s.base_fen, 0, "
            f"{fsql.individual}, NULL, %s, %s, bl.id FROM ("
            f"SELECT q.person_id, q.grade, {fsql.base} AS base_fen FROM ("
            f"SELECT r.person_id, COALESCE(g.grade, %s) AS grade FROM {_table(Relation)} r "
            f"LEFT JOIN {_table(FlexibleGrade)} g ON g.person_id = r.person_id AND {_dated('g')} "
            f"WHERE {_flexible_filter(districts)} AND r.person_id >= %s AND r.person_id < %s"
            f") q WHERE q.grade IN ({offered})"
            f") s JOIN {_table(Bill)} bl ON bl.month = %s AND bl.payer_kind = 'self' "
            f"AND bl.payer_id = s.person_id "
            f"WHERE 1 = 1 "
            f"ON CONFLICT (month, payer_kind, payer_id, person_id, insurance) DO NOTHING"
        )
    # A flexible worker who never chose a grade pays at the lowest grade offered.
    lowest = min(grades) if grades else 0
    flexible_params = [
        m,
        region.code,
        snapshot.pk,
        snapshot.flexible_provisional,
        lowest,
        m,
        m,  # the grade in force
        m,
        m,
        *districts,
        "LO",
        "HI",
        m,
    ]
    return Plan(
        region=region.code,
        month=month,
        districts=districts,
        snapshot=snapshot,
        employees=employees,
        flexible=flexible,
        employee_params=employee_params,
        flexible_params=flexible_params,
        grades=grades,
    )


def _with_range(params: list[Any], lo: int, hi: int) -> list[Any]:
    return [lo if p == "LO" else hi if p == "HI" else p for p in params]


def _execute(sql: str, params: list[Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def _now() -> Any:
    return connection.ops.adapt_datetimefield_value(timezone.now())


def _bills_open(plan: Plan, insurances: tuple[str, ...]) -> int:
    """One bill per payer with a relation to assess this month (numbered ZJ + month + U/P +
    the payer's id on ten digits: the same number on every rerun)."""
    m = plan.month.as_int()
    where, where_params = _employee_filter(plan.districts, insurances)
    payers = (
        f"SELECT DISTINCT 'unit' AS kind, r.unit_id AS id FROM {_table(Relation)} r WHERE {where}"
    )
    params: list[Any] = [m, m, *plan.districts, *where_params]
    if plan.flexible is not None:
        payers += (
            f" UNION SELECT DISTINCT 'self', r.person_id FROM {_table(Relation)} r "
            f"WHERE {_flexible_filter(plan.districts)}"
        )
        params += [m, m, *plan.districts]
    now = _now()
    sql = (
        f"INSERT INTO {_table(Bill)} (number, month, region_id, payer_kind, payer_id, unit_id, "
        "person_id, due_date, unit_total_fen, individual_total_fen, line_count, provisional, "
        "status, created_at, updated_at) "
        f"SELECT 'ZJ' || '{m}' || CASE WHEN p.kind = 'unit' THEN 'U' ELSE 'P' END || "
        "substr(CAST(10000000000 + p.id AS TEXT), 2), %s, %s, p.kind, p.id, "
        "CASE WHEN p.kind = 'unit' THEN p.id END, CASE WHEN p.kind = 'self' THEN p.id END, "
        f"%s, 0, 0, 0, %s, '{Bill.Status.UNPAID}', %s, %s FROM ({payers}) p WHERE 1 = 1 "
        "ON CONFLICT (month, payer_kind, payer_id) DO NOTHING"
    )
    due = connection.ops.adapt_datefield_value(due_date(plan.snapshot))
    return _execute(sql, [m, plan.region, due, False, now, now, *params])


def _bills_total(plan: Plan) -> int:
    """Each unpaid bill's totals: the GROUP BY of its lines (only bills whose totals moved are
    written); bills left without a line are removed."""
    m = plan.month.as_int()
    lines, bills = _table(ContributionLine), _table(Bill)
    now = _now()
    updated = _execute(
        f"UPDATE {bills} SET unit_total_fen = t.u, individual_total_fen = t.i, line_count = t.n, "
        "provisional = (t.p = 1), updated_at = %s FROM (SELECT bill_id, SUM(unit_fen) AS u, "
        "SUM(individual_fen) AS i, COUNT(*) AS n, "
        "MAX(CASE WHEN provisional THEN 1 ELSE 0 END) AS p "
        f"FROM {lines} WHERE month = %s AND region_id = %s GROUP BY bill_id) t "
        f"WHERE {bills}.id = t.bill_id AND {bills}.status = %s AND ({bills}.line_count <> t.n "
        f"OR {bills}.unit_total_fen <> t.u OR {bills}.individual_total_fen <> t.i "
        f"OR {bills}.provisional <> (t.p = 1))",
        [now, m, plan.region, Bill.Status.UNPAID],
    )
    _execute(
        f"DELETE FROM {bills} WHERE month = %s AND region_id = %s AND status = %s "
        f"AND line_count = 0 AND NOT EXISTS (SELECT 1 FROM {lines} l WHERE l.bill_id = {bills}.id)",
        [m, plan.region, Bill.Status.UNPAID],
    )
    return updated


def _ranges(plan: Plan) -> list[tuple[int, int]]:
    m = plan.month.as_int()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT MIN(r.person_id), MAX(r.person_id) FROM {_table(Relation)} r "
            f"WHERE {_active('r', plan.districts)}",
            [m, m, *plan.districts],
        )
        low, high = cursor.fetchone()
    if low is None:
        return []
    return [(lo, min(lo + CHUNK_PERSONS, high + 1)) for lo in range(low, high + 1, CHUNK_PERSONS)]


def _problems(plan: Plan) -> list[dict[str, Any]]:
    """What the run could not assess, counted set-based."""
    m = plan.month.as_int()
    found: list[dict[str, Any]] = []
    with connection.cursor() as cursor:
        where, where_params = _employee_filter(plan.districts, ("work_injury",))
        cursor.execute(
            f"SELECT u.name, COUNT(*) FROM {_table(Relation)} r {_injury_join()} "
            f"WHERE {where} AND COALESCE(ic.injury_class, u.injury_class) IS NULL "
            "GROUP BY u.id, u.name ORDER BY u.name",
            [m, m, m, m, *plan.districts, *where_params],
        )
        rows = cursor.fetchall()
        if rows:
            found.append(
                {
                    "code": "INJURY_CLASS_MISSING",
                    "message": f"{len(rows)}个单位未登记{plan.month.label()}的工伤保险行业风险类别，"
                    f"其{sum(n for _, n in rows)}名职工的工伤保险未核定",
                    "count": len(rows),
                    "sample": [name for name, _ in rows[:PROBLEM_SAMPLE]],
                }
            )
        if plan.flexible is not None:
            offered = ", ".join(str(int(g)) for g in plan.grades)
            cursor.execute(
                f"SELECT g.grade, COUNT(*) FROM {_table(Relation)} r "
                f"JOIN {_table(FlexibleGrade)} g ON g.person_id = r.person_id AND {_dated('g')} "
                f"WHERE {_flexible_filter(plan.districts)} AND g.grade NOT IN ({offered}) "
                "GROUP BY g.grade",
                [m, m, m, m, *plan.districts],
            )
            rows = cursor.fetchall()
            if rows:
                count = sum(n for _, n in rows)
                found.append(
                    {
                        "code": "GRADE_NOT_OFFERED",
                        "message": f"{count}名灵活就业人员的缴费档次不在{plan.month.label()}"
                        "可选档次内，其养老保险未核定",
                        "count": count,
                        "sample": [f"{grade}%" for grade, _ in rows[:PROBLEM_SAMPLE]],
                    }
                )
    return found


# --- runs ----------------------------------------------------------------------------------------


def assessment_start(
    *, actor: Actor | None, region: Region, month: YearMonth, enqueue: bool = True
) -> AssessmentRun:
    """Start the assessment of ``region``'s ``month``: a new run, queued for the batch worker
    once this transaction commits (``enqueue``), or to be executed by the caller. Staff need
    RUN_ASSESSMENT in the region (``actor`` None: the system, e.g. the management command).
    Refused (409 ``ASSESSMENT_RUNNING``) while another run of the month is queued or running
    and has moved within ``STALE_AFTER``; a stalled one is marked failed and replaced."""
    if actor is not None:
        staff_require(actor, Capability.RUN_ASSESSMENT, region=region.code)
    with transaction.atomic():
        AssessmentRun.objects.filter(
            region=region,
            month=month,
            status__in=[AssessmentRun.Status.QUEUED, AssessmentRun.Status.RUNNING],
            updated_at__lt=timezone.now() - STALE_AFTER,
        ).update(
            status=AssessmentRun.Status.FAILED,
            error="长时间未更新，视为中断",
            finished_at=timezone.now(),
        )
        try:
            with transaction.atomic():
                run = AssessmentRun.objects.create(
                    region=region,
                    month=month,
                    requested_by=actor.user if actor is not None else None,
                )
        except IntegrityError:
            raise Conflict(
                f"{region.name}{month.label()}的缴费核定正在进行，请等待其完成",
                code="ASSESSMENT_RUNNING",
            ) from None
        if enqueue:
            from shebao.contributions.tasks import month_assess_task

            transaction.on_commit(lambda: month_assess_task.enqueue(run.pk))
    return run


def assessment_execute(run: AssessmentRun) -> AssessmentRun:
    """Execute a run: snapshot, bills, lines chunk by chunk, totals. A failure is recorded on
    the run (and raised); what the finished chunks wrote stays, and a rerun completes it."""
    AssessmentRun.objects.filter(pk=run.pk).update(
        status=AssessmentRun.Status.RUNNING, started_at=timezone.now(), error=""
    )
    try:
        snapshot = snapshot_resolve(region=run.region, month=run.month)
        plan = _plan(run.region, run.month, snapshot)
        insurances = tuple(str(x) for x in snapshot.params["contribution.insurances"]["value"])
        with transaction.atomic():
            _bills_open(plan, insurances)
        ranges = _ranges(plan)
        AssessmentRun.objects.filter(pk=run.pk).update(
            snapshot=snapshot, chunks_total=len(ranges), chunks_done=0
        )
        for lo, hi in ranges:
            with transaction.atomic():
                written = _execute(plan.employees, _with_range(plan.employee_params, lo, hi))
                if plan.flexible is not None:
                    written += _execute(plan.flexible, _with_range(plan.flexible_params, lo, hi))
                AssessmentRun.objects.filter(pk=run.pk).update(
                    chunks_done=F("chunks_done") + 1, lines_written=F("lines_written") + written
                )
        with transaction.atomic():
            _bills_total(plan)
        AssessmentRun.objects.filter(pk=run.pk).update(
            status=AssessmentRun.Status.DONE,
            finished_at=timezone.now(),
            bills=Bill.objects.filter(region=run.region, month=run.month).count(),
            problems=_problems(plan),
        )
    except Exception as error:
        message = getattr(error, "message", None) or f"{type(error).__name__}: {error}"
        AssessmentRun.objects.filter(pk=run.pk).update(
            status=AssessmentRun.Status.FAILED, finished_at=timezone.now(), error=message[:2000]
        )
        raise
    run.refresh_from_db()
    return run


def month_assess(*, region: Region, month: YearMonth, actor: Actor | None = None) -> AssessmentRun:
    """Assess ``region``'s ``month`` now, in this process (the command; tests): a run started
    and executed at once. Returns the finished run."""
    run = assessment_start(actor=actor, region=region, month=month, enqueue=False)
    return assessment_execute(run)
