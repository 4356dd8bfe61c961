#!/usr/bin/env python
"""The monthly assessment of a city: 1,000,000 insured employees in 20,000 units (PostgreSQL).

Builds a PostgreSQL database ``shebao_bench_assess`` (dropped and recreated), migrates it, loads
the regions and the policy data, then generates Jilin City's month set-based in SQL
(``generate_series``): ``--units`` units over its nine districts in industry class 1–8,
``--persons`` persons each employed by one unit with a relation per insurance the month levies,
and a declared wage for four in five of them (the rest are assessed at the floor). ``ANALYZE``.

Then, in one run, on 2020-08 (whose base limits are provisional in the data files):

1. **bare**: one ``INSERT … SELECT`` of the same computed rows (the assessment's own SQL: the
   base clamp, each share, the bill's id) into a table of the same columns with no key, no
   index and no check — the floor any assessment of these rows pays;
2. **assess**: the assessment service (``month_assess``): bills, lines chunk by chunk (one
   transaction per chunk of payers), the bills' totals, the run's progress;
3. **rerun**: a second run of the month (adds nothing: the anti-join on the line's key);
4. **true-up**: the limits made final (the policy service), then the true-up of the month
   into 2020-09 (adjustment lines for the differences only, the bills opened and totalled).

Usage: ``python benchmarks/assess_at_scale.py [--persons 1000000] [--units 20000]``
(PostgreSQL at 127.0.0.1:5432 as user postgres, or ``BENCH_PG=postgres://…``; ``--db`` names the
database, ``shebao_bench_assess`` by default);
``python benchmarks/assess_at_scale.py --sqlite-demo``: the demo city's month on SQLite.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB = "shebao_bench_assess"
DISTRICTS = [
    "220202",
    "220203",
    "220204",
    "220211",
    "220221",
    "220281",
    "220282",
    "220283",
    "220284",
]


def prepare_database(base_url: str, db: str) -> str:
    import psycopg

    with psycopg.connect(f"{base_url}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {db}")
    return f"{base_url}/{db}"


def populate(persons: int, units: int) -> float:
    from django.db import connection

    districts = "ARRAY[" + ",".join(f"'{d}'" for d in DISTRICTS) + "]"
    started = time.perf_counter()
    with connection.cursor() as cur:
        # Generated rows reference only rows generated just before: skip the per-row reference
        # checks while loading (superuser), as a bulk load would.
        cur.execute("SET session_replication_role = replica")
        cur.execute(
            f"""
            INSERT INTO registry_unit (id, credit_code, name, kind, district_id,
                competent_department, legal_rep_name, legal_rep_id_number, address, phone,
                injury_class, status, created_at, updated_at)
            SELECT g, 'BU' || lpad(g::text, 16, '0'), '测试单位' || g, 'enterprise',
                   ({districts})[1 + g %% 9], '', '法人', '', '', '', 1 + g %% 8, 'active',
                   now(), now()
            FROM generate_series(1, %s) AS g
            """,
            [units],
        )
        cur.execute(
            f"""
            INSERT INTO registry_person (id, id_number, name, sex, birth_date, mobile,
                district_id, hukou_region_id, verification, created_at, updated_at)
            SELECT g, 'BM' || lpad(g::text, 16, '0'), '测试人员' || g,
                   CASE WHEN g %% 2 = 0 THEN 'M' ELSE 'F' END,
                   DATE '1960-01-01' + (g %% 15000), '', ({districts})[1 + g %% 9],
                   ({districts})[1 + g %% 9], 'verified', now(), now()
            FROM generate_series(1, %s) AS g
            """,
            [persons],
        )
        # Person g works for unit 1 + (g - 1) * units / persons: contiguous, ~persons/units each.
        cur.execute(
            f"""
            INSERT INTO insurance_relation (spell, version, person_id, insurance, scheme,
                category, payer_kind, unit_id, district_id, start_month, start_reason,
                end_reason, recorded_at, note)
            SELECT gen_random_uuid(), 1, g, i, 'employee', 'employee', 'unit',
                   1 + ((g - 1)::bigint * %s) / %s, ({districts})[1 + (1 + ((g - 1)::bigint * %s)
                   / %s) %% 9], 202001, 'migrated', '', now(), ''
            FROM generate_series(1, %s) AS g,
                 unnest(ARRAY['pension', 'medical', 'unemployment', 'work_injury']) AS i
            """,
            [units, persons, units, persons, persons],
        )
        cur.execute(
            """
            INSERT INTO contributions_contributionbase (unit_id, person_id, year, valid_from,
                wage_fen, recorded_at)
            SELECT 1 + ((g - 1)::bigint * %s) / %s, g, 2020, 202001,
                   150000 + (g::bigint * 7919) %% 2500000, now()
            FROM generate_series(1, %s) AS g WHERE g %% 5 <> 0
            """,
            [units, persons, persons],
        )
        for table in ("registry_unit", "registry_person"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT MAX(id) FROM {table}))"
            )
        cur.execute("SET session_replication_role = DEFAULT")
        cur.execute("ANALYZE")
    return time.perf_counter() - started


def timed(label: str, work) -> float:
    started = time.perf_counter()
    result = work()
    elapsed = time.perf_counter() - started
    print(f"{label:<10} {elapsed:8.2f} s  {result}", flush=True)
    return elapsed


def bare(region, month) -> tuple[float, int]:
    """The assessment's own INSERT … SELECT, whole, into a table with no key or index."""
    from django.db import connection, transaction

    from shebao.contributions import assessment
    from shebao.contributions.models import PayerKind
    from shebao.contributions.snapshots import snapshot_resolve

    snapshot = snapshot_resolve(region=region, month=month)
    plan = assessment._plan(region, month, snapshot)
    insurances = tuple(str(x) for x in snapshot.params["contribution.insurances"]["value"])
    everything = assessment.Chunk(PayerKind.UNIT, 0, 2**62)
    with transaction.atomic():
        assessment._bills_open(plan, insurances, everything)
    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_bare")
        cur.execute(
            "CREATE TABLE bench_bare (LIKE contributions_contributionline INCLUDING DEFAULTS)"
        )
        cur.execute("ALTER TABLE bench_bare ALTER COLUMN id DROP NOT NULL")
    sql = plan.employees.replace(
        "INSERT INTO contributions_contributionline", "INSERT INTO bench_bare", 1
    )
    anti = sql.index("WHERE NOT EXISTS")
    sql = sql[:anti]
    params = assessment._with_range(plan.employee_params, 0, 2**62)[:-3]  # no anti-join
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.rowcount
    elapsed = time.perf_counter() - started
    with connection.cursor() as cur:
        cur.execute("DROP TABLE bench_bare")
        cur.execute("DELETE FROM contributions_bill")
        cur.execute("VACUUM ANALYZE contributions_bill")
    return elapsed, rows


def finalize_limits() -> None:
    from datetime import date

    from shebao.accounts.capabilities import Capability, capability_grant
    from shebao.policy.models import PolicyParameter
    from shebao.policy.services import parameter_finalize
    from shebao.testing import make_staff, staff_actor

    user = make_staff(districts=("220200",), name="基准政策")
    capability_grant(
        staff=user.staff_profile, capability=Capability.EDIT_POLICY, regions=["220200"]
    )
    for key, value in (
        ("contribution.base_floor", "2900.00"),
        ("contribution.base_ceiling", "14500.00"),
    ):
        record = PolicyParameter.objects.get(
            region_id="220200", key=key, valid_from=date(2020, 7, 1)
        )
        parameter_finalize(
            actor=staff_actor(user), record=record, value=value, source="demo", reason="基准测试"
        )


def partition_probe(month_int: int) -> str:
    """What declarative partitioning by month gives the month's reads: the month's lines copied
    into a partitioned table of the same columns (two monthly partitions), then the bill-page
    query and a month's sum timed on it and on the line table."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("DROP TABLE IF EXISTS bench_lines_by_month")
        cur.execute(
            "CREATE TABLE bench_lines_by_month (LIKE contributions_contributionline) "
            "PARTITION BY RANGE (month)"
        )
        for m in (month_int, month_int + 1):
            cur.execute(
                f"CREATE TABLE bench_lines_{m} PARTITION OF bench_lines_by_month "
                f"FOR VALUES FROM ({m}) TO ({m + 1})"
            )
        cur.execute(
            "INSERT INTO bench_lines_by_month SELECT * FROM contributions_contributionline "
            "WHERE month = %s",
            [month_int],
        )
        cur.execute(
            "CREATE UNIQUE INDEX ON bench_lines_by_month "
            "(month, payer_kind, payer_id, person_id, insurance)"
        )
        cur.execute("ANALYZE bench_lines_by_month")
        out = []
        for table in ("contributions_contributionline", "bench_lines_by_month"):
            started = time.perf_counter()
            cur.execute(
                f"SELECT SUM(unit_fen), SUM(individual_fen) FROM {table} WHERE month = %s",
                [month_int],
            )
            cur.fetchone()
            whole = time.perf_counter() - started
            started = time.perf_counter()
            for payer in range(1, 2001, 20):
                cur.execute(
                    f"SELECT * FROM {table} WHERE month = %s AND payer_kind = 'unit' "
                    "AND payer_id = %s ORDER BY person_id, insurance LIMIT 100",
                    [month_int, payer],
                )
                cur.fetchall()
            page = (time.perf_counter() - started) / 100
            out.append(f"{table}: month sum {whole:.2f} s, bill page {page * 1000:.2f} ms")
        cur.execute("DROP TABLE bench_lines_by_month")
    return "; ".join(out)


def run_postgres(args: argparse.Namespace) -> None:
    base = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
    os.environ["DATABASE_URL"] = prepare_database(base, args.db)
    os.environ.setdefault("SHEBAO_VAR_DIR", "/tmp/shebao-bench-assess-var")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shebao.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from shebao.common.periods import YearMonth
    from shebao.contributions.assessment import month_assess
    from shebao.contributions.models import Bill, ContributionLine
    from shebao.contributions.trueup import month_trueup
    from shebao.policy.services import policy_load
    from shebao.registry.models import Region
    from shebao.registry.services import departments_load, regions_load

    call_command("migrate", verbosity=0)
    regions_load()
    departments_load()
    policy_load()
    print(f"generated in {populate(args.persons, args.units):.1f} s", flush=True)
    city = Region.objects.get(code="220200")
    month = YearMonth(2020, 8)

    bare_s, rows = bare(city, month)
    print(f"{'bare':<10} {bare_s:8.2f} s  {rows} rows", flush=True)
    assess_s = timed("assess", lambda: month_assess(region=city, month=month).lines_written)
    with __import__("django.db").db.connection.cursor() as cur:
        cur.execute("ANALYZE contributions_contributionline")
    rerun_s = timed("rerun", lambda: month_assess(region=city, month=month).lines_written)
    finalize_limits()
    trueup_s = timed(
        "true-up",
        lambda: month_trueup(region=city, month=month, into=month + 1).lines_written,
    )
    lines = ContributionLine.objects.filter(month=month).count()
    bills = Bill.objects.filter(month=month).count()
    print(f"lines {lines}, bills {bills}")
    print(
        f"ratios: assess {assess_s / bare_s:.2f}, rerun {rerun_s / bare_s:.2f}, "
        f"true-up {trueup_s / bare_s:.2f}"
    )
    if args.partitions:
        print("partitioning:", partition_probe(month.as_int()), flush=True)


def run_sqlite_demo() -> None:
    """The demo city on SQLite (the embedded deployment): its last month assessed again from
    nothing, rerun, and trued up."""
    var = tempfile.mkdtemp(prefix="shebao-bench-demo-")
    os.environ["SHEBAO_VAR_DIR"] = var
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shebao.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from shebao.contributions.assessment import month_assess
    from shebao.contributions.models import AssessmentRun, Bill, ContributionLine
    from shebao.contributions.trueup import month_trueup
    from shebao.demo.dataset import CITY, demo_load
    from shebao.registry.models import Region

    call_command("migrate", verbosity=0)
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (the API's schemas are built before the demo runs)
    os.environ["SHEBAO_DEMO"] = "1"
    started = time.perf_counter()
    demo_load()
    print(f"demo loaded in {time.perf_counter() - started:.1f} s", flush=True)
    city = Region.objects.get(code=CITY)
    month = AssessmentRun.objects.filter(region=city, kind="assess").order_by("-month")[0].month
    lines = ContributionLine.objects.filter(month=month)
    count = lines.count()
    ContributionLine.objects.filter(month=month).delete()
    Bill.objects.filter(month=month, adjustment_count=0).delete()
    timed("assess", lambda: month_assess(region=city, month=month).lines_written)
    timed("rerun", lambda: month_assess(region=city, month=month).lines_written)
    timed("true-up", lambda: month_trueup(region=city, month=month, into=month + 1).lines_written)
    print(f"{city.name} {month}: {count} lines, {Bill.objects.filter(month=month).count()} bills")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=20_000)
    parser.add_argument("--db", default=DB, help=f"the database to (re)create (default {DB})")
    parser.add_argument("--partitions", action="store_true", help="probe monthly partitions")
    parser.add_argument("--sqlite-demo", action="store_true")
    args = parser.parse_args()
    if args.sqlite_demo:
        run_sqlite_demo()
    else:
        run_postgres(args)


if __name__ == "__main__":
    main()
