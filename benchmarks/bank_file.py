#!/usr/bin/env python
"""A bank result file of ``--rows`` rows imported and reconciled, against a bare COPY.

Builds a PostgreSQL database (``shebao_bench_bank`` unless ``--db`` names another; dropped and
recreated), loads the regions, then adds ``--rows`` self-paying persons, each with an unpaid
bill of one month and a deduction agreement with the local bank (COPY; 1% of the accounts frozen, 1% short of money). Through the
real services it then exports the month's deduction file, lets the local bank write its result
file, and times:

1. a bare COPY of the result file's rows into a table of the same columns (the yardstick: what
   the database needs to take the rows in at all);
2. ``result_import``: parse, stage (COPY), reconcile set-based (join to the batch's rows and the
   bills, outcomes, payments, receipts, bills marked paid), in one transaction;
3. the same file again (a no-op by its digest).

The target (issue 8) is step 2 in at most 10 s for 100,000 rows. Usage:
``python benchmarks/bank_file.py [--rows 100000] [--db shebao_bench_bank]`` (PostgreSQL at
127.0.0.1:5432 as user postgres, or ``BENCH_PG=postgres://…``; ``--db`` names the database).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB = "shebao_bench_bank"


def prepare_database(base_url: str, name: str = DB) -> str:
    import psycopg

    with psycopg.connect(f"{base_url}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return f"{base_url}/{name}"


def populate(rows: int) -> None:
    """``rows`` persons, their bills of 2030-01 and their agreements, by COPY."""
    from django.db import connection

    from shebao.common.identifiers import id_check_digit, luhn_valid

    now = "2030-02-01 00:00+08"
    with connection.cursor() as cur:
        raw = cur.cursor
        with raw.copy(
            "COPY registry_person (id_number, name, sex, birth_date, mobile, district_id, "
            "hukou_region_id, verification, created_at, updated_at) FROM STDIN"
        ) as copy:
            for i in range(rows):
                born = date(1950, 1, 1) + timedelta(days=i // 900)
                first17 = f"220202{born:%Y%m%d}{i % 900:03d}"
                number = first17 + id_check_digit(first17)
                sex = "M" if int(number[16]) % 2 else "F"
                copy.write_row(
                    (number, f"代扣{i}", sex, born, "", "220202", "220202", "verified", now, now)
                )
        cur.execute("SELECT id FROM registry_person ORDER BY id")
        ids = [r[0] for r in cur.fetchall()]
        with raw.copy(
            "COPY contributions_bill (number, month, region_id, payer_kind, payer_id, person_id, "
            "due_date, unit_total_fen, individual_total_fen, line_count, adjustment_unit_fen, "
            "adjustment_individual_fen, adjustment_count, backpay_late_fee_fen, kind, provisional, "
            "status, created_at, updated_at) FROM STDIN"
        ) as copy:
            for n, pk in enumerate(ids):
                fen = 30_000 + (n * 7919) % 170_000
                copy.write_row(
                    (
                        f"ZJ203001P{pk:010d}",
                        203001,
                        "220200",
                        "self",
                        pk,
                        pk,
                        date(2030, 1, 31),
                        0,
                        fen,
                        1,
                        0,
                        0,
                        0,
                        0,
                        "monthly",
                        False,
                        "unpaid",
                        now,
                        now,
                    )
                )
        with raw.copy(
            "COPY payments_deductionagreement (payer_kind, payer_id, person_id, bank_code, "
            "account_number, account_name, bank_outcome, signed_on) FROM STDIN"
        ) as copy:
            for n, pk in enumerate(ids):
                body = f"622202{pk:012d}"
                card = next(body + d for d in "0123456789" if luhn_valid(body + d))
                outcome = "62" if n % 100 == 0 else ("51" if n % 100 == 1 else "")
                copy.write_row(
                    ("self", pk, pk, "LOCAL", card, f"代扣{n}", outcome, date(2030, 1, 1))
                )
        cur.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--db", default=DB, help=f"the database to (re)create (default {DB})")
    args = parser.parse_args()

    base = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
    os.environ["DATABASE_URL"] = prepare_database(base, args.db)
    os.environ.setdefault("SHEBAO_VAR_DIR", "/tmp/shebao-bench-bank")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shebao.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from shebao.common.periods import YearMonth
    from shebao.contributions.models import Bill
    from shebao.payments import bankfile, localbank
    from shebao.payments.models import Payment, Receipt
    from shebao.registry.models import Region
    from shebao.registry.services import departments_load, regions_load

    call_command("migrate", verbosity=0)
    regions_load()
    departments_load()
    started = time.perf_counter()
    populate(args.rows)
    print(
        f"setup: {args.rows:,} persons, bills, agreements copied in {time.perf_counter() - started:.1f} s"
    )

    region = Region.objects.get(code="220200")
    started = time.perf_counter()
    batch, _ = bankfile.batch_export(
        actor=None, region=region, month=YearMonth(2030, 1), bank_code=localbank.BANK_CODE
    )
    export_text = bankfile.batch_file(batch)
    print(f"export: {batch.row_count:,} rows in {time.perf_counter() - started:.1f} s")
    result_text = localbank.deduction_run(export_text)
    data = result_text.encode("utf-8")
    print(f"result file: {len(data) / 1024 / 1024:.1f} MiB")
    with connection.cursor() as cur:
        cur.execute("ANALYZE")

    # 1. The yardstick: the same rows, parsed by csv and copied into a bare table.
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(
            "CREATE TEMP TABLE bare_rows (line int, seq int, bill_number varchar(24), "
            "account_number varchar(30), amount varchar(20), code varchar(4), "
            "message varchar(60), bank_ref varchar(40))"
        )
        reader = csv.reader(io.StringIO(result_text))
        next(reader)
        with cur.cursor.copy("COPY bare_rows FROM STDIN") as copy:
            for line, row in enumerate(reader, start=2):
                copy.write_row((line, *row[1:]))
    bare = time.perf_counter() - started

    # 2. The import and reconciliation.
    started = time.perf_counter()
    result, created = bankfile.result_import(actor=None, data=data, filename="result.csv")
    imported = time.perf_counter() - started
    assert created

    # 3. The same file again.
    started = time.perf_counter()
    _, again = bankfile.result_import(actor=None, data=data, filename="result.csv")
    repeat = time.perf_counter() - started
    assert not again

    paid = Payment.objects.count()
    assert paid == result.paid_count == Receipt.objects.count()
    assert Bill.objects.filter(status="paid").count() == paid
    total = sum(Bill.objects.values_list("individual_total_fen", flat=True))
    due = sum(Bill.objects.filter(status="unpaid").values_list("individual_total_fen", flat=True))
    assert result.paid_fen + due == total  # to the fen
    print(
        f"rows {result.row_count:,}: paid {result.paid_count:,} ({result.paid_fen / 100:,.2f} 元), "
        f"not paid {result.failed_count:,}"
    )
    print(f"bare COPY of the rows       {bare:6.2f} s")
    print(f"import and reconcile        {imported:6.2f} s  ({imported / bare:.1f}× the bare COPY)")
    print(f"the same file again         {repeat:6.3f} s")
    print("target ≤ 10 s:", "met" if imported <= 10 else "NOT met")


if __name__ == "__main__":
    main()
