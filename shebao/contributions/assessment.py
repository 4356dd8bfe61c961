"""The monthly assessment (缴费核定) of a region: set-based, chunked, idempotent, observable.

For a pooling region and a month, over the insurance relations in force that month
(``Relation.objects.current().covering(month)``) in the region's districts:

1. the month's parameters are resolved once into a snapshot (:mod:`.snapshots`) and its
   formulas compiled to SQL over integer fen (:mod:`.formulas`; the rules' own formulas);
2. one bill (征集单) per payer — each unit, each self-paying person — numbered from the month
   and the payer, so a rerun finds it;
3. chunk by chunk — payers by id (``CHUNK_UNITS`` units, ``CHUNK_PERSONS`` self-payers), one
   transaction each holding its bills whole, progress stored with the chunk — the chunk's
   bills are opened, then its lines written: ``INSERT … SELECT`` computing each employee's base —
   the clamp of the declared wage in force (:class:`ContributionBase`), the floor when none —
   and each share, with the unit's work-injury class of the month; and each flexible worker's
   pension line at the grade of the month;
4. and the chunk's bills' totals are the ``GROUP BY`` of their lines (and of the adjustments
   carried into them, :mod:`.trueup`).

Idempotence: the line's natural key (month, payer, person, insurance) is unique, and lines are
inserted only where an anti-join on it finds none. Runs are refused outside the region's
closed assessment window (:func:`window_check`). An assessed line is a record and is never rewritten — what
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
from shebao.common.errors import Conflict, InvalidInput
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
    PayerKind,
    RunKind,
)
from shebao.contributions.snapshots import payment_deadline_day, snapshot_resolve, snapshot_rules
from shebao.insurance.models import Category, FlexibleGrade, Relation, Scheme, UnitInjuryClass
from shebao.registry.models import Region, Unit

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor

# Payers per chunk, by id: each chunk is one transaction, holding its payers' bills whole. Unit
# ids (a city of 20,000 units and 10^6 employees: twenty chunks of ~50,000 persons), and
# self-paying persons' ids.
CHUNK_UNITS = 1_000
CHUNK_PERSONS = 50_000
# The memory a chunk's joins may hash in (PostgreSQL), per transaction.
CHUNK_WORK_MEM = "128MB"
# A run that has not moved for this long is taken as crashed: a new run may start.
STALE_AFTER = timedelta(minutes=30)
# Schemes whose employees are assessed monthly with the contribution rule.
MONTHLY_SCHEMES = (Scheme.EMPLOYEE, Scheme.INSTITUTION)
# The policy key of a region's closed assessment window.
WINDOW_KEY = "calendar.assessment_window"
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
    month by month (社会保险费征缴暂行条例 第十条: 按月缴纳) — moved to the end of the collection
    period an emergency measure extends for the month (Beijing 2020-01 and 02, seed 003)."""
    return collection_due_date(
        region=snapshot.region_id, month=snapshot.month, day=payment_deadline_day(snapshot)
    )


def collection_due_date(*, region: str, month: YearMonth, day: int | None = None) -> date:
    """The due date of ``month``'s bills in ``region``: ``day`` of the month (the last day when
    None), or the later day an emergency measure extends the month's collection period to."""
    from shebao.policy.emergency import collection_extended

    deadline = month.day(day) if day else month.last_day
    return collection_extended(region=region, month=month, deadline=deadline)


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


def _missing(payer_kind: str, payer: str) -> str:
    """The anti-join that makes a rerun add only what is missing (params ``month``, the chunk's
    ``lo`` and ``hi``): the line's natural key is unique, and probing it before writing is
    cheaper than a failed insert per row when most lines exist (a rerun). The chunk's range is
    spelled out so the probe reads the chunk's lines only, whatever the plan."""
    return (
        f"NOT EXISTS (SELECT 1 FROM {_table(ContributionLine)} x WHERE x.month = %s "
        f"AND x.payer_kind = '{payer_kind}' AND x.payer_id >= %s AND x.payer_id < %s "
        f"AND x.payer_id = {payer} AND x.person_id = s.person_id AND x.insurance = s.insurance)"
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
        f"WHERE {where} AND r.unit_id >= %s AND r.unit_id < %s "
        f"AND (r.insurance <> 'work_injury' OR COALESCE(ic.injury_class, u.injury_class) "
        f"BETWEEN 1 AND 8)"
        f") s JOIN {_table(Bill)} bl ON bl.month = %s AND bl.payer_kind = 'unit' "
        f"AND bl.payer_id = s.unit_id AND bl.kind = '{Bill.Kind.MONTHLY}' "
        f"WHERE {_missing('unit', 's.unit_id')}"
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
        m,
        "LO",
        "HI",
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
            f"SELECT q.person_id, q.grade, 'pension' AS insurance, {fsql.base} AS base_fen FROM ("
            f"SELECT r.person_id, COALESCE(g.grade, %s) AS grade FROM {_table(Relation)} r "
            f"LEFT JOIN {_table(FlexibleGrade)} g ON g.person_id = r.person_id AND {_dated('g')} "
            f"WHERE {_flexible_filter(districts)} AND r.person_id >= %s AND r.person_id < %s"
            f") q WHERE q.grade IN ({offered})"
            f") s JOIN {_table(Bill)} bl ON bl.month = %s AND bl.payer_kind = 'self' "
            f"AND bl.payer_id = s.person_id AND bl.kind = '{Bill.Kind.MONTHLY}' "
            f"WHERE {_missing('self', 's.person_id')}"
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
        m,
        "LO",
        "HI",
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


def chunk_plans() -> None:
    """Inside a chunk's transaction on PostgreSQL: join by hashing, not by nested loops. A new
    month's lines are not in the table's statistics yet, so the planner takes the lines of the
    month (or its adjustments) for a handful and would probe them once per row written —
    quadratic over a city's chunk; a hash of the chunk's rows costs one pass whatever the
    statistics say (with the memory to hash a chunk without spilling to disk)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_nestloop = off")
            cursor.execute(f"SET LOCAL work_mem = '{CHUNK_WORK_MEM}'")


def _now() -> Any:
    return connection.ops.adapt_datetimefield_value(timezone.now())


def bills_open_sql(month: YearMonth, region: str, due: date, payers: str) -> tuple[str, list[Any]]:
    """``INSERT`` of one unpaid bill per payer of ``payers`` (a ``SELECT kind, id``), numbered
    ZJ + month + U/P + the payer's id on ten digits — the same number on every rerun — unless
    the payer has the month's bill already."""
    m = month.as_int()
    now = _now()
    sql = (
        f"INSERT INTO {_table(Bill)} (number, kind, month, region_id, payer_kind, payer_id, "
        "unit_id, person_id, due_date, unit_total_fen, individual_total_fen, line_count, "
        "adjustment_unit_fen, adjustment_individual_fen, adjustment_count, "
        "backpay_late_fee_fen, provisional, status, created_at, updated_at) "
        f"SELECT 'ZJ' || '{m}' || CASE WHEN p.kind = 'unit' THEN 'U' ELSE 'P' END || "
        f"substr(CAST(10000000000 + p.id AS TEXT), 2), '{Bill.Kind.MONTHLY}', %s, %s, p.kind, "
        "p.id, CASE WHEN p.kind = 'unit' THEN p.id END, CASE WHEN p.kind = 'self' THEN p.id END, "
        f"%s, 0, 0, 0, 0, 0, 0, 0, %s, '{Bill.Status.UNPAID}', %s, %s FROM ({payers}) p "
        f"WHERE NOT EXISTS (SELECT 1 FROM {_table(Bill)} o WHERE o.month = %s "
        f"AND o.payer_kind = p.kind AND o.payer_id = p.id AND o.kind = '{Bill.Kind.MONTHLY}')"
    )
    due_value = connection.ops.adapt_datefield_value(due)
    return sql, [m, region, due_value, False, now, now, m]


def _bills_open(plan: Plan, insurances: tuple[str, ...], chunk: Chunk) -> int:
    """One bill per payer of the chunk with a relation to assess this month."""
    m = plan.month.as_int()
    if chunk.kind == PayerKind.UNIT:
        where, where_params = _employee_filter(plan.districts, insurances)
        payers = (
            f"SELECT DISTINCT 'unit' AS kind, r.unit_id AS id FROM {_table(Relation)} r "
            f"WHERE {where} AND r.unit_id >= %s AND r.unit_id < %s"
        )
        params: list[Any] = [m, m, *plan.districts, *where_params, chunk.lo, chunk.hi]
    else:
        payers = (
            f"SELECT DISTINCT 'self' AS kind, r.person_id AS id FROM {_table(Relation)} r "
            f"WHERE {_flexible_filter(plan.districts)} "
            "AND r.person_id >= %s AND r.person_id < %s"
        )
        params = [m, m, *plan.districts, chunk.lo, chunk.hi]
    sql, head = bills_open_sql(plan.month, plan.region, due_date(plan.snapshot), payers)
    return _execute(sql, [*head[:-1], *params, head[-1]])


def bills_total(
    month: YearMonth,
    region: str,
    kind: str,
    lo: int,
    hi: int,
    *,
    sum_lines: bool = True,
    sum_adjustments: bool = True,
) -> int:
    """The totals of the unpaid bills of ``month`` whose payers' ids are in [lo, hi): the
    ``GROUP BY`` of their lines (``sum_lines``) and of the adjustments carried into them
    (``sum_adjustments``; only bills whose totals moved are written); bills left with neither are
    removed. A writer sums what it wrote only: the assessment writes lines and never an
    adjustment, a true-up adjustments and never a line — each chunk of a city's month saves
    reading the other table's rows of the chunk again."""
    from shebao.contributions.models import ContributionAdjustment

    m = month.as_int()
    lines, bills, adjustments = (
        _table(ContributionLine),
        _table(Bill),
        _table(ContributionAdjustment),
    )
    now = _now()

    def scope(alias: str) -> str:
        return (
            f"{alias}.month = %s AND {alias}.region_id = %s AND {alias}.payer_kind = %s "
            f"AND {alias}.payer_id >= %s AND {alias}.payer_id < %s AND {alias}.status <> %s "
            f"AND {alias}.kind = '{Bill.Kind.MONTHLY}' AND {alias}.status <> %s"
        )

    scope_params = [m, region, kind, lo, hi, Bill.Status.PAID, Bill.Status.CANCELLED]
    updated = 0
    if sum_lines:
        updated += _execute(
            f"UPDATE {bills} SET unit_total_fen = t.u, individual_total_fen = t.i, line_count = t.n, "
            "provisional = (t.p = 1), updated_at = %s FROM (SELECT payer_id, bill_id, SUM(unit_fen) AS u, "
            "SUM(individual_fen) AS i, COUNT(*) AS n, "
            "MAX(CASE WHEN provisional THEN 1 ELSE 0 END) AS p "
            # A month's lines of a back-payment (补缴) belong to the back-payment's bill: grouped
            # by bill, each bill sums its own.
            f"FROM {lines} WHERE month = %s AND payer_kind = %s AND payer_id >= %s "
            "AND payer_id < %s GROUP BY payer_id, bill_id) t "
            f"WHERE {bills}.id = t.bill_id AND {scope(bills)} AND ({bills}.line_count <> t.n "
            f"OR {bills}.unit_total_fen <> t.u OR {bills}.individual_total_fen <> t.i "
            f"OR {bills}.provisional <> (t.p = 1))",
            [now, m, kind, lo, hi, *scope_params],
        )
    if sum_adjustments:
        updated += _execute(
            f"UPDATE {bills} SET adjustment_unit_fen = t.u, adjustment_individual_fen = t.i, "
            "adjustment_count = t.n, updated_at = %s FROM (SELECT a.bill_id, "
            "SUM(a.unit_diff_fen) AS u, SUM(a.individual_diff_fen) AS i, COUNT(*) AS n "
            f"FROM {adjustments} a JOIN {bills} ib ON ib.id = a.bill_id WHERE {scope('ib')} "
            "GROUP BY a.bill_id) t "
            f"WHERE {bills}.id = t.bill_id AND ({bills}.adjustment_count <> t.n "
            f"OR {bills}.adjustment_unit_fen <> t.u OR {bills}.adjustment_individual_fen <> t.i)",
            [now, *scope_params],
        )
    _execute(
        f"DELETE FROM {bills} WHERE {scope(bills)} AND line_count = 0 AND adjustment_count = 0 "
        f"AND NOT EXISTS (SELECT 1 FROM {lines} l WHERE l.month = {bills}.month "
        f"AND l.payer_kind = {bills}.payer_kind AND l.payer_id = {bills}.payer_id "
        f"AND l.bill_id = {bills}.id) "
        f"AND NOT EXISTS (SELECT 1 FROM {adjustments} a WHERE a.bill_id = {bills}.id)",
        scope_params,
    )
    return updated


@dataclass(frozen=True)
class Chunk:
    """The payers of one transaction: units (their employees' lines) or self-payers, by id."""

    kind: str
    lo: int
    hi: int


def chunks_of(kind: str, low: int | None, high: int | None, size: int) -> list[Chunk]:
    """Id ranges of ``size`` ids from ``low`` to ``high`` (inclusive)."""
    if low is None or high is None:
        return []
    return [Chunk(kind, lo, min(lo + size, high + 1)) for lo in range(low, high + 1, size)]


def _chunks(plan: Plan, insurances: tuple[str, ...], units: int) -> list[Chunk]:
    m = plan.month.as_int()
    where, where_params = _employee_filter(plan.districts, insurances)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT MIN(r.unit_id), MAX(r.unit_id) FROM {_table(Relation)} r WHERE {where}",
            [m, m, *plan.districts, *where_params],
        )
        chunks = chunks_of(PayerKind.UNIT, *cursor.fetchone(), units)
        if plan.flexible is not None:
            cursor.execute(
                f"SELECT MIN(r.person_id), MAX(r.person_id) FROM {_table(Relation)} r "
                f"WHERE {_flexible_filter(plan.districts)}",
                [m, m, *plan.districts],
            )
            chunks += chunks_of(PayerKind.SELF, *cursor.fetchone(), CHUNK_PERSONS)
    return chunks


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


def window_of(region: Region, day: date) -> dict[str, Any] | None:
    """The region's closed assessment window on ``day`` (``calendar.assessment_window``:
    Jiangsu's 7th–10th from 2021-08, when the hall is closed to the public and the month is
    assessed), or None where policy sets none."""
    from shebao.policy import selectors as policy

    found = policy.param_or_none(region=region.code, key=WINDOW_KEY, on=day)
    return None if found is None else dict(found.value)


def window_next(window: dict[str, Any], day: date) -> date:
    """The first day of the window on or after ``day``."""
    month = YearMonth.of(day)
    opening = month.day(min(window["open_day"], month.last_day.day))
    if day.day > window["close_day"]:
        month = month + 1
        opening = month.day(min(window["open_day"], month.last_day.day))
    return max(opening, day)


def window_check(*, actor: Actor | None, region: Region, force: bool) -> bool:
    """Refuse (409 ``ASSESSMENT_WINDOW_CLOSED``) a run outside the region's closed assessment
    window, unless ``force``d by a staff member with ASSESS_OUT_OF_WINDOW in the region (or by
    the system: the command's ``--force``). Returns whether the run is forced."""
    today = timezone.localdate()
    window = window_of(region, today)
    if window is None or window["open_day"] <= today.day <= window["close_day"]:
        return False
    if force:
        if actor is not None:
            staff_require(actor, Capability.ASSESS_OUT_OF_WINDOW, region=region.code)
        return True
    opening = window_next(window, today)
    raise Conflict(
        f"{region.name}每月{window['open_day']}日至{window['close_day']}日为缴费核定期"
        f"（暂停对外办理业务），今天不在核定期内；请于{opening.month}月{opening.day}日起发起，"
        "或由具备“核定期外强制核定”权限的经办人员强制执行",
        code="ASSESSMENT_WINDOW_CLOSED",
        details={"opens": opening.isoformat()},
    )


def assessment_start(
    *,
    actor: Actor | None,
    region: Region,
    month: YearMonth,
    enqueue: bool = True,
    kind: str = RunKind.ASSESS,
    into: YearMonth | None = None,
    force: bool = False,
) -> AssessmentRun:
    """Start the assessment of ``region``'s ``month`` (or its true-up, ``kind`` TRUEUP, into
    the bill month ``into``): a new run, queued for the batch worker once this transaction
    commits (``enqueue``), or to be executed by the caller. Staff need RUN_ASSESSMENT in the
    region (``actor`` None: the system, e.g. the management command). Refused outside the
    region's closed window (:func:`window_check`); refused (409 ``ASSESSMENT_RUNNING``) while
    another run of the month is queued or running and has moved within ``STALE_AFTER``; a
    stalled one is marked failed and replaced."""
    if actor is not None:
        staff_require(actor, Capability.RUN_ASSESSMENT, region=region.code)
    forced = window_check(actor=actor, region=region, force=force)
    if kind == RunKind.TRUEUP and (into is None or into <= month):
        raise InvalidInput(
            "多退少补须计入所调整月份之后的征集单，请选择补退计入年月", code="TRUEUP_INTO_INVALID"
        )
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
                    kind=kind,
                    into_month=into if kind == RunKind.TRUEUP else None,
                    forced=forced,
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


def assessment_execute(run: AssessmentRun, *, chunk_units: int | None = None) -> AssessmentRun:
    """Execute a run: snapshot, then chunk by chunk (payers by id, one transaction each) the
    chunk's bills, its lines and the bills' totals. A failure — or the process killed — leaves
    what the finished chunks wrote; executing the run again (the task worker after a restart,
    or a new run of the month) completes it and changes nothing else."""
    if run.kind == RunKind.TRUEUP:
        from shebao.contributions.trueup import trueup_execute

        return trueup_execute(run, chunk_units=chunk_units)
    AssessmentRun.objects.filter(pk=run.pk).update(
        status=AssessmentRun.Status.RUNNING,
        started_at=timezone.now(),
        error="",
        chunks_done=0,
    )
    try:
        snapshot = snapshot_resolve(region=run.region, month=run.month)
        plan = _plan(run.region, run.month, snapshot)
        insurances = tuple(str(x) for x in snapshot.params["contribution.insurances"]["value"])
        chunks = _chunks(plan, insurances, chunk_units or CHUNK_UNITS)
        AssessmentRun.objects.filter(pk=run.pk).update(
            snapshot=snapshot, chunks_total=len(chunks), chunks_done=0
        )
        for chunk in chunks:
            with transaction.atomic():
                chunk_plans()
                _bills_open(plan, insurances, chunk)
                if chunk.kind == PayerKind.UNIT:
                    sql, params = plan.employees, plan.employee_params
                else:
                    sql, params = plan.flexible or "", plan.flexible_params
                written = _execute(sql, _with_range(params, chunk.lo, chunk.hi))
                bills_total(
                    plan.month, plan.region, chunk.kind, chunk.lo, chunk.hi, sum_adjustments=False
                )
                AssessmentRun.objects.filter(pk=run.pk).update(
                    chunks_done=F("chunks_done") + 1, lines_written=F("lines_written") + written
                )
        AssessmentRun.objects.filter(pk=run.pk).update(
            status=AssessmentRun.Status.DONE,
            finished_at=timezone.now(),
            bills=Bill.objects.filter(
                region=run.region, month=run.month, kind=Bill.Kind.MONTHLY
            ).count(),
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


def month_assess(
    *, region: Region, month: YearMonth, actor: Actor | None = None, force: bool = False
) -> AssessmentRun:
    """Assess ``region``'s ``month`` now, in this process (the command; tests): a run started
    and executed at once. Returns the finished run."""
    run = assessment_start(actor=actor, region=region, month=month, enqueue=False, force=force)
    return assessment_execute(run)
