#!/usr/bin/env python
"""A 10,000-row staff-change roster against a registry of a city's size.

Builds a PostgreSQL database ``shebao_bench_roster`` (dropped and recreated), loads the demo hall,
adds ``--persons`` registered persons with valid ID numbers (COPY), then times, through the real
services, what a unit and a reviewer do with one roster of ``--rows`` rows (half of them people
already in the registry, half new to it, and 1% terminations of the demo enterprise's staff):

1. the roster with two bad rows: read, check every row, build the error report (nothing written);
2. the fixed roster: read, check, stage the lines and submit the case;
3. the reviewer accepts and approves: persons new to the registry are registered and every
   relation is opened or closed, set-based, in the approval's transaction.

The target (issue 7) is all of it in at most 10 s. Usage:
``python benchmarks/roster_at_scale.py [--persons 1000000] [--rows 10000]``
(PostgreSQL at 127.0.0.1:5432 as user postgres, or ``BENCH_PG=postgres://…``).
"""

from __future__ import annotations

import argparse
import io
import os
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB = "shebao_bench_roster"
AREAS = ["220202", "220203", "220204", "220211", "220221", "220281", "220282", "220283", "220284"]


def prepare_database(base_url: str) -> str:
    import psycopg

    with psycopg.connect(f"{base_url}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB}")
    return f"{base_url}/{DB}"


def valid_id(area: str, born: date, serial: int) -> str:
    from shebao.common.identifiers import id_check_digit

    first17 = f"{area}{born:%Y%m%d}{serial:03d}"
    return first17 + id_check_digit(first17)


def numbers(count: int, seed: int, taken: set[str]) -> list[str]:
    rng = random.Random(seed)
    result: list[str] = []
    while len(result) < count:
        born = date(1960, 1, 1) + timedelta(days=rng.randrange(0, 40 * 365))
        number = valid_id(rng.choice(AREAS), born, rng.randrange(0, 1000))
        if number not in taken:
            taken.add(number)
            result.append(number)
    return result


def populate(persons: int, taken: set[str]) -> tuple[list[str], float]:
    from django.db import connection

    ids = numbers(persons, 1, taken)
    started = time.perf_counter()
    with (
        connection.cursor() as cur,
        cur.copy(
            "COPY registry_person (id_number, name, sex, birth_date, mobile, district_id,"
            " hukou_region_id, verification, created_at, updated_at) FROM STDIN"
        ) as copy,
    ):
        for index, number in enumerate(ids):
            born = f"{number[6:10]}-{number[10:12]}-{number[12:14]}"
            sex = "M" if int(number[16]) % 2 else "F"
            copy.write_row(
                (
                    number,
                    f"测试{index}",
                    sex,
                    born,
                    "",
                    number[:6],
                    number[:6],
                    "verified",
                    "2026-01-01 00:00+08",
                    "2026-01-01 00:00+08",
                )
            )
    with connection.cursor() as cur:
        cur.execute("ANALYZE registry_person")
    return ids, time.perf_counter() - started


def roster_file(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    from shebao.insurance import roster

    book = Workbook(write_only=True)
    sheet = book.create_sheet(roster.SHEET)
    sheet.append(roster.HEADERS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_000_000)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument(
        "--profile", action="store_true", help="print where the approval spends its time"
    )
    args = parser.parse_args()

    base = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
    os.environ["DATABASE_URL"] = prepare_database(base)
    os.environ.setdefault("SHEBAO_VAR_DIR", "/tmp/shebao-bench-roster")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shebao.settings")
    import django

    django.setup()
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.test.utils import override_settings
    from django.utils import timezone

    from shebao.accounts.actors import actor_for
    from shebao.accounts.models import User
    from shebao.applications import services as engine
    from shebao.common.periods import YearMonth
    from shebao.demo.dataset import demo_load
    from shebao.insurance.changes import RosterRefused, staff_changes_submit
    from shebao.insurance.models import Relation
    from shebao.registry.models import Person, Unit

    call_command("migrate", verbosity=0)
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        demo_load()
    taken = set(Person.objects.values_list("id_number", flat=True))
    registered, seconds = populate(args.persons, taken)
    print(
        f"registry: {Person.objects.count():,} persons ({args.persons:,} copied in {seconds:.1f} s)"
    )

    unit = Unit.objects.get(credit_code="91220202000010001B")
    admin = actor_for(User.objects.get(username="22020219840521026X"), f"unit:{unit.pk}")
    reviewer = actor_for(User.objects.get(username="jl-dj-01"), "staff")
    month = YearMonth.of(timezone.localdate())
    day = month.first_day.isoformat()
    leavers = list(
        Relation.objects.current()
        .filter(unit=unit, end_month__isnull=True, insurance="pension")
        .select_related("person")[: args.rows // 100]
    )
    enrolments = args.rows - len(leavers)
    known = registered[: enrolments // 2]
    fresh = numbers(enrolments - len(known), 2, taken)
    people = {p.id_number: p.name for p in Person.objects.filter(id_number__in=known)}
    rows = [["增员", n, people[n], day, "", "5200.00", "全部险种", "", ""] for n in known]
    rows += [
        ["增员", n, f"新人{i}", day, "", "4800.50", "全部险种", "", ""] for i, n in enumerate(fresh)
    ]
    rows += [
        ["减员", r.person.id_number, r.person.name, day, "", "", "", "劳动合同期满终止", ""]
        for r in leavers
    ]
    bad = [list(r) for r in rows]
    bad[10][1] = bad[10][1][:-1] + ("0" if bad[10][1][-1] != "0" else "1")  # check digit
    bad[20][5] = "-3"  # wage
    good_file, bad_file = roster_file(rows), roster_file(bad)
    print(
        f"roster: {len(rows):,} rows ({len(known):,} registered, {len(fresh):,} new, "
        f"{len(leavers)} leaving); {len(good_file) / 1024:.0f} KiB"
    )

    timings: list[tuple[str, float]] = []
    started = time.perf_counter()
    try:
        staff_changes_submit(actor=admin, unit=unit, file=SimpleUploadedFile("r.xlsx", bad_file))
    except RosterRefused as refused:
        assert len(refused.problems) == 2, refused.problems[:5]
        report = refused.report
    timings.append(
        ("upload with 2 bad rows: read, check, error report", time.perf_counter() - started)
    )

    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started = time.perf_counter()
    application, _ = staff_changes_submit(
        actor=admin, unit=unit, file=SimpleUploadedFile("r.xlsx", good_file)
    )
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(r"shebao|openpyxl", 30)
    timings.append(("fixed upload: read, check, stage, submit", time.perf_counter() - started))

    relations_before = Relation.objects.count()
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    started = time.perf_counter()
    accepted = engine.application_accept(
        actor=reviewer, application=application, version=application.version
    )
    engine.application_approve(actor=reviewer, application=accepted, version=accepted.version)
    if profiler is not None:
        import pstats

        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(r"shebao|execute|bulk|copy", 45)
    timings.append(
        ("accept and approve: register, open and close relations", time.perf_counter() - started)
    )

    written = Relation.objects.count() - relations_before
    print(f"error report: {len(report) / 1024:.0f} KiB; relations written on approval: {written:,}")
    for label, secs in timings:
        print(f"  {label:<58} {secs:6.2f} s")
    print(f"  {'total':<58} {sum(s for _, s in timings):6.2f} s  (target ≤ 10 s)")


if __name__ == "__main__":
    main()
