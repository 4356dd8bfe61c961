"""Adjustments (多退少补) of assessed months: set-based, chunked, idempotent, explained.

DESIGN.md, "True-up is a diff": an assessed line is never rewritten. When what it was computed
from changes — a provisional parameter made final (a new snapshot version of the month), a base
raised from a past month (上调) — the month is computed again with the rules' own formulas
(:mod:`.formulas`) on the month's latest snapshot and the base record in force now, and for
each line the difference to what was charged so far (the line plus the adjustments before) is
written as a :class:`ContributionAdjustment` into the payer's bill of a later month; bills'
totals then carry it. Only non-zero differences are written, keyed by the line and what the new
amounts came from (snapshot, base record), so a rerun, or a crash and a rerun, adds nothing
twice.

Entry points: :func:`trueup_start` (a run, queued or executed by the caller; the staff page
and ``manage.py month_trueup``), and :func:`adjust_months` (in the caller's transaction: the
approval of a 上调, over one unit's employees).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import connection, transaction
from django.db.models import F, Sum
from django.utils import timezone

from shebao.common.corrections import records_corrected
from shebao.common.periods import YearMonth
from shebao.contributions.assessment import (
    CHUNK_PERSONS,
    CHUNK_UNITS,
    Chunk,
    _execute,
    _now,
    _table,
    assessment_start,
    bills_open_sql,
    bills_total,
    chunk_plans,
    chunks_of,
    due_date,
)
from shebao.contributions.formulas import employee_sql, flexible_sql
from shebao.contributions.models import (
    AdjustmentCause,
    AssessmentRun,
    Bill,
    ContributionAdjustment,
    ContributionBase,
    ContributionLine,
    LineKind,
    ParameterSnapshot,
    PayerKind,
    RunKind,
)
from shebao.contributions.snapshots import snapshot_resolve, snapshot_rules
from shebao.registry.models import Region

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor

ADJUSTMENT_COLUMNS = (
    "month, region_id, payer_kind, payer_id, unit_id, person_id, insurance, kind, cause, "
    "line_id, old_snapshot_id, snapshot_id, base_record_id, wage_fen, grade, injury_class, "
    "base_fen, unit_fen, individual_fen, unit_diff_fen, individual_diff_fen, provisional, "
    "bill_id, run_id, created_at"
)


@dataclass(frozen=True)
class Scope:
    """Which lines of the month to adjust: all, or one unit's (some of its employees)."""

    unit_id: int | None = None
    person_ids: tuple[int, ...] = ()

    def sql(self) -> tuple[str, list[Any]]:
        sql, params = "", []
        if self.unit_id is not None:
            sql += " AND l.payer_kind = 'unit' AND l.payer_id = %s"
            params.append(self.unit_id)
        if self.person_ids:
            sql += f" AND l.person_id IN ({', '.join(['%s'] * len(self.person_ids))})"
            params += list(self.person_ids)
        return sql, params


def _charged(payer_kind: str) -> str:
    """What each line of the chunk was charged so far: its adjustments' sums (params month,
    lo, hi)."""
    return (
        # Summed as integers: PostgreSQL's SUM of a bigint is a numeric, and every comparison
        # and difference of the chunk's rows would be in numeric arithmetic.
        "LEFT JOIN (SELECT line_id, CAST(SUM(unit_diff_fen) AS BIGINT) AS u, "
        "CAST(SUM(individual_diff_fen) AS BIGINT) AS i "
        f"FROM {_table(ContributionAdjustment)} WHERE month = %s AND payer_kind = '{payer_kind}' "
        "AND payer_id >= %s AND payer_id < %s GROUP BY line_id) a ON a.line_id = l.id"
    )


def _employee_adjustments(
    snapshot: ParameterSnapshot, into: YearMonth, cause: str, run_id: int | None, scope: Scope
) -> tuple[str, list[Any]]:
    rules, _flex = snapshot_rules(snapshot)
    emp = employee_sql(
        rules,
        vendor=connection.vendor,
        wage="COALESCE(b.wage_fen, 0)",
        base="t.base_fen",
        insurance="t.insurance",
        injury_class="t.injury_class",
    )
    m, region = snapshot.month.as_int(), snapshot.region_id
    scope_sql, scope_params = scope.sql()
    sql = (
        f"INSERT INTO {_table(ContributionAdjustment)} ({ADJUSTMENT_COLUMNS}) "
        f"SELECT %s, %s, 'unit', s.payer_id, s.unit_id, s.person_id, s.insurance, "
        f"'{LineKind.EMPLOYEE}', %s, s.line_id, s.old_snapshot_id, %s, s.base_record_id, "
        "s.wage_fen, NULL, s.injury_class, s.base_fen, s.unit_new, s.individual_new, "
        "s.unit_new - s.unit_charged, s.individual_new - s.individual_charged, %s, bl.id, %s, %s "
        "FROM (SELECT t.*, "
        f"{emp.unit} AS unit_new, {emp.individual} AS individual_new FROM ("
        "SELECT l.id AS line_id, l.payer_id, l.unit_id, l.person_id, l.insurance, "
        "l.snapshot_id AS old_snapshot_id, l.injury_class, COALESCE(b.id, 0) AS base_record_id, "
        f"b.wage_fen, {emp.base} AS base_fen, "
        "l.unit_fen + COALESCE(a.u, 0) AS unit_charged, "
        "l.individual_fen + COALESCE(a.i, 0) AS individual_charged "
        f"FROM {_table(ContributionLine)} l "
        f"LEFT JOIN {_table(ContributionBase)} b ON b.unit_id = l.unit_id "
        "AND b.person_id = l.person_id AND b.superseded_at IS NULL "
        "AND b.valid_from <= %s AND (b.valid_to IS NULL OR b.valid_to >= %s) "
        f"{_charged('unit')} "
        f"WHERE l.month = %s AND l.region_id = %s AND l.kind = '{LineKind.EMPLOYEE}' "
        "AND l.payer_kind = 'unit' AND l.payer_id >= %s AND l.payer_id < %s"
        f"{scope_sql}) t) s "
        f"JOIN {_table(Bill)} bl ON bl.month = %s AND bl.payer_kind = 'unit' "
        f"AND bl.payer_id = s.payer_id AND bl.status IN ('{Bill.Status.UNPAID}', '{Bill.Status.ARREARS}') "
        f"AND bl.kind = '{Bill.Kind.MONTHLY}' "
        "WHERE s.unit_new IS NOT NULL AND s.individual_new IS NOT NULL "
        "AND (s.unit_new <> s.unit_charged OR s.individual_new <> s.individual_charged) "
        f"AND NOT EXISTS (SELECT 1 FROM {_table(ContributionAdjustment)} x WHERE x.month = %s "
        "AND x.payer_kind = 'unit' AND x.payer_id >= %s AND x.payer_id < %s "
        "AND x.payer_id = s.payer_id AND x.person_id = s.person_id "
        "AND x.insurance = s.insurance AND x.snapshot_id = %s "
        "AND x.base_record_id = s.base_record_id)"
    )
    params = [
        m,
        region,
        cause,
        snapshot.pk,
        snapshot.employee_provisional,
        run_id,
        _now(),
        m,
        m,
        m,
        "LO",
        "HI",
        m,
        region,
        "LO",
        "HI",
        *scope_params,
        into.as_int(),
        m,
        "LO",
        "HI",
        snapshot.pk,
    ]
    return sql, params


def _flexible_adjustments(
    snapshot: ParameterSnapshot, into: YearMonth, cause: str, run_id: int | None
) -> tuple[str, list[Any]] | None:
    _rules, flex = snapshot_rules(snapshot)
    if flex is None:
        return None
    fsql = flexible_sql(flex, vendor=connection.vendor, grade="l.grade", base="t.base_fen")
    offered = ", ".join(str(int(g)) for g in flex.grades)
    m, region = snapshot.month.as_int(), snapshot.region_id
    sql = (
        f"INSERT INTO {_table(ContributionAdjustment)} ({ADJUSTMENT_COLUMNS}) "
        f"SELECT %s, %s, 'self', s.payer_id, NULL, s.person_id, s.insurance, "
        f"'{LineKind.FLEXIBLE}', %s, s.line_id, s.old_snapshot_id, %s, 0, NULL, s.grade, NULL, "
        "s.base_fen, 0, s.individual_new, 0 - s.unit_charged, "
        "s.individual_new - s.individual_charged, %s, bl.id, %s, %s "
        f"FROM (SELECT t.*, {fsql.individual} AS individual_new FROM ("
        "SELECT l.id AS line_id, l.payer_id, l.person_id, l.insurance, l.grade, "
        f"l.snapshot_id AS old_snapshot_id, {fsql.base} AS base_fen, "
        "l.unit_fen + COALESCE(a.u, 0) AS unit_charged, "
        "l.individual_fen + COALESCE(a.i, 0) AS individual_charged "
        f"FROM {_table(ContributionLine)} l {_charged('self')} "
        f"WHERE l.month = %s AND l.region_id = %s AND l.kind = '{LineKind.FLEXIBLE}' "
        # A cancelled month back-paid later is at the parameters of the back-payment's month
        # (revision 1, :mod:`.gap_backpay`): the month's own parameters do not apply to it.
        f"AND l.payer_kind = 'self' AND l.grade IN ({offered}) AND l.revision = 0 "
        # A cancelled month (欠费注销) is given up: it takes no difference either way.
        f"AND NOT EXISTS (SELECT 1 FROM {_table(Bill)} cb WHERE cb.month = l.month "
        "AND cb.payer_kind = 'self' AND cb.payer_id = l.payer_id "
        f"AND cb.kind = '{Bill.Kind.MONTHLY}' AND cb.status = '{Bill.Status.CANCELLED}') "
        "AND l.payer_id >= %s AND l.payer_id < %s) t) s "
        f"JOIN {_table(Bill)} bl ON bl.month = %s AND bl.payer_kind = 'self' "
        f"AND bl.payer_id = s.payer_id AND bl.status IN ('{Bill.Status.UNPAID}', '{Bill.Status.ARREARS}') "
        f"AND bl.kind = '{Bill.Kind.MONTHLY}' "
        "WHERE (s.unit_charged <> 0 OR s.individual_new <> s.individual_charged) "
        f"AND NOT EXISTS (SELECT 1 FROM {_table(ContributionAdjustment)} x WHERE x.month = %s "
        "AND x.payer_kind = 'self' AND x.payer_id >= %s AND x.payer_id < %s "
        "AND x.payer_id = s.payer_id AND x.person_id = s.person_id "
        "AND x.insurance = s.insurance AND x.snapshot_id = %s AND x.base_record_id = 0)"
    )
    params = [
        m,
        region,
        cause,
        snapshot.pk,
        snapshot.flexible_provisional,
        run_id,
        _now(),
        m,
        "LO",
        "HI",
        m,
        region,
        "LO",
        "HI",
        into.as_int(),
        m,
        "LO",
        "HI",
        snapshot.pk,
    ]
    return sql, params


def _into_bills(
    snapshot: ParameterSnapshot, into: ParameterSnapshot, chunk: Chunk, scope: Scope
) -> int:
    """The bills of ``into`` for the payers of the chunk's lines (opened where missing; a bill
    left without a line or an adjustment is removed again by :func:`bills_total`)."""
    scope_sql, scope_params = scope.sql()
    payers = (
        f"SELECT DISTINCT l.payer_kind AS kind, l.payer_id AS id FROM {_table(ContributionLine)} l "
        "WHERE l.month = %s AND l.region_id = %s AND l.payer_kind = %s "
        f"AND l.payer_id >= %s AND l.payer_id < %s{scope_sql}"
    )
    sql, head = bills_open_sql(into.month, snapshot.region_id, due_date(into), payers)
    params = [snapshot.month.as_int(), snapshot.region_id, chunk.kind, chunk.lo, chunk.hi]
    return _execute(sql, [*head[:-1], *params, *scope_params, head[-1]])


def _line_chunks(region: str, month: YearMonth, units: int, scope: Scope) -> list[Chunk]:
    if scope.unit_id is not None:
        return [Chunk(PayerKind.UNIT, scope.unit_id, scope.unit_id + 1)]
    chunks: list[Chunk] = []
    with connection.cursor() as cursor:
        for kind, size in ((PayerKind.UNIT, units), (PayerKind.SELF, CHUNK_PERSONS)):
            cursor.execute(
                f"SELECT MIN(payer_id), MAX(payer_id) FROM {_table(ContributionLine)} "
                "WHERE month = %s AND payer_kind = %s AND region_id = %s",
                [month.as_int(), kind, region],
            )
            chunks += chunks_of(kind, *cursor.fetchone(), size)
    return chunks


def _adjust_chunk(
    snapshot: ParameterSnapshot,
    into_snapshot: ParameterSnapshot,
    chunk: Chunk,
    *,
    cause: str,
    run_id: int | None,
    scope: Scope,
) -> int:
    into = into_snapshot.month
    chunk_plans()
    _into_bills(snapshot, into_snapshot, chunk, scope)
    if chunk.kind == PayerKind.UNIT:
        sql, params = _employee_adjustments(snapshot, into, cause, run_id, scope)
    else:
        found = _flexible_adjustments(snapshot, into, cause, run_id)
        if found is None:
            return 0
        sql, params = found
    written = _execute(
        sql, [chunk.lo if p == "LO" else chunk.hi if p == "HI" else p for p in params]
    )
    bills_total(into, snapshot.region_id, chunk.kind, chunk.lo, chunk.hi, sum_lines=False)
    return written


def adjust_months(
    *,
    region: Region,
    months: list[YearMonth],
    into: YearMonth,
    cause: str,
    scope: Scope,
) -> int:
    """Adjust the assessed ``months`` of one unit's employees (``scope``) into the bills of
    ``into``, in the caller's transaction (the approval of a 上调). Returns the adjustments
    written."""
    written = 0
    into_snapshot = snapshot_resolve(region=region, month=into)
    for month in months:
        if month >= into:
            continue
        snapshot = snapshot_resolve(region=region, month=month)
        for chunk in _line_chunks(region.code, month, CHUNK_UNITS, scope):
            written += _adjust_chunk(
                snapshot, into_snapshot, chunk, cause=cause, run_id=None, scope=scope
            )
    if written:  # what was issued on these months (a 权益单) is read again once this commits
        records_corrected(
            person_ids=scope.person_ids
            or ContributionAdjustment.objects.filter(
                month__in=months, payer_kind=PayerKind.UNIT, payer_id=scope.unit_id, cause=cause
            )
            .values_list("person_id", flat=True)
            .distinct(),
            unit_ids=[scope.unit_id] if scope.unit_id else [],
        )
    return written


def trueup_start(
    *,
    actor: Actor | None,
    region: Region,
    month: YearMonth,
    into: YearMonth,
    enqueue: bool = True,
    force: bool = False,
) -> AssessmentRun:
    """Start the true-up of ``region``'s assessed ``month`` into the bills of ``into``: a run
    of kind TRUEUP (the same rules as an assessment run: RUN_ASSESSMENT, the closed window,
    one active run per month)."""
    return assessment_start(
        actor=actor,
        region=region,
        month=month,
        enqueue=enqueue,
        kind=RunKind.TRUEUP,
        into=into,
        force=force,
    )


def trueup_execute(run: AssessmentRun, *, chunk_units: int | None = None) -> AssessmentRun:
    """Execute a true-up run: the month's latest snapshot, then chunk by chunk the adjustments
    and the totals of the bills they are carried into."""
    AssessmentRun.objects.filter(pk=run.pk).update(
        status=AssessmentRun.Status.RUNNING, started_at=timezone.now(), error="", chunks_done=0
    )
    try:
        assert run.into_month is not None
        snapshot = snapshot_resolve(region=run.region, month=run.month)
        into_snapshot = snapshot_resolve(region=run.region, month=run.into_month)
        chunks = _line_chunks(run.region_id, run.month, chunk_units or CHUNK_UNITS, Scope())
        AssessmentRun.objects.filter(pk=run.pk).update(
            snapshot=snapshot, chunks_total=len(chunks), chunks_done=0
        )
        for chunk in chunks:
            with transaction.atomic():
                written = _adjust_chunk(
                    snapshot,
                    into_snapshot,
                    chunk,
                    cause=AdjustmentCause.TRUEUP,
                    run_id=run.pk,
                    scope=Scope(),
                )
                AssessmentRun.objects.filter(pk=run.pk).update(
                    chunks_done=F("chunks_done") + 1, lines_written=F("lines_written") + written
                )
        AssessmentRun.objects.filter(pk=run.pk).update(
            status=AssessmentRun.Status.DONE,
            finished_at=timezone.now(),
            bills=Bill.objects.filter(
                region=run.region,
                month=run.into_month,
                kind=Bill.Kind.MONTHLY,
                adjustment_count__gt=0,
            ).count(),
        )
        # Certificates issued on the month's records (a 权益单 shows the adjusted amounts) are
        # read again: the persons and units this run adjusted.
        # (within the month: the key's prefix; the run has no index of its own)
        adjusted = ContributionAdjustment.objects.filter(month=run.month, run_id=run.pk)
        records_corrected(
            person_ids=adjusted.exclude(person_id=None)
            .values_list("person_id", flat=True)
            .distinct(),
            unit_ids=adjusted.exclude(unit_id=None).values_list("unit_id", flat=True).distinct(),
        )
    except Exception as error:
        message = getattr(error, "message", None) or f"{type(error).__name__}: {error}"
        AssessmentRun.objects.filter(pk=run.pk).update(
            status=AssessmentRun.Status.FAILED, finished_at=timezone.now(), error=message[:2000]
        )
        raise
    run.refresh_from_db()
    return run


def month_trueup(
    *,
    region: Region,
    month: YearMonth,
    into: YearMonth,
    actor: Actor | None = None,
    force: bool = False,
) -> AssessmentRun:
    """True up ``region``'s ``month`` into ``into`` now, in this process."""
    run = trueup_start(
        actor=actor, region=region, month=month, into=into, enqueue=False, force=force
    )
    return trueup_execute(run)


def adjustment_totals(*, region: Region, month: YearMonth) -> dict[str, int]:
    """The sums of the adjustments of ``month`` (fen), for reports and reconciliation."""
    totals = ContributionAdjustment.objects.filter(region=region, month=month).aggregate(
        unit=Sum("unit_diff_fen"), individual=Sum("individual_diff_fen")
    )
    return {key: value or 0 for key, value in totals.items()}
