#!/usr/bin/env python
"""Signed certificates: how many a second end to end from the records, next to a bare reportlab
+ pyHanko pipeline measured in the same run; a 单位权益单 of a large unit; the public
verification API under 64 concurrent clients.

On the embedded SQLite default (a fresh database in a temporary directory):

1. a unit of ``--persons`` employees enrolled from 2020-01 and assessed for ``--months`` months;
2. the baseline: a one-page PDF with the same embedded font and a QR code, built with reportlab
   and signed with pyHanko with the same key loaded once — no database;
3. ``certificate_issue`` of a 参保证明 for each employee in turn (read the relations and lines,
   lay out, sign, store, event, notification), then of a 个人权益单;
4. a 单位权益单 of a unit of ``--big`` employees (one assessed month);
5. with ``--workers N`` (N > 1): steps 2 and 3 again, each in N processes at once (the hall's
   web or task worker processes of one city), documents a second of all N together;
6. ``GET /api/v1/verify/{code}`` and the public page ``/verify/{code}/`` on
   gunicorn (``scripts/serve.sh``'s command, 2 workers × 4 threads) from 64 concurrent
   clients: median and p99.

``BENCH_DATABASE_URL`` (e.g. ``postgres://postgres@127.0.0.1:5432/shebao_bench_certs``) runs
it on that PostgreSQL database instead, dropped and created afresh; ``--workers`` needs it
(SQLite takes one writer at a time: N processes would queue on its lock).

Usage: ``python benchmarks/certificates.py [--persons 200] [--months 12] [--big 5000]
[--workers 2]``
"""

from __future__ import annotations

import argparse
import gc
import http.client
import io
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def setup_city(persons: int, months: int, big: int) -> tuple[list, object]:
    from django.utils import timezone

    from shebao.common.money import to_fen
    from shebao.common.periods import YearMonth
    from shebao.contributions.assessment import month_assess
    from shebao.contributions.models import ContributionBase
    from shebao.insurance.services import Opening, relations_open
    from shebao.registry.models import Region
    from shebao.testing import make_person, make_unit

    jilin = Region.objects.get(code="220200")
    start = YearMonth(2020, 1)

    def unit_of(name: str, count: int, serial0: int) -> tuple[object, list]:
        unit = make_unit(name=name)
        people = [
            make_person(name=f"职工{i:05d}", id_no=_id_number(serial0 + i)) for i in range(count)
        ]
        relations_open(
            actor=None,
            openings=[
                Opening(
                    person=p,
                    insurances=("pension", "medical", "unemployment", "work_injury"),
                    start_month=start,
                )
                for p in people
            ],
            unit=unit,
        )
        ContributionBase.objects.bulk_create(
            ContributionBase(
                unit=unit,
                person=p,
                year=2020,
                valid_from=start,
                wage_fen=to_fen(Decimal(4000 + 10 * (i % 500))),
                recorded_at=timezone.now(),
            )
            for i, p in enumerate(people)
        )
        return unit, people

    _, people = unit_of("吉林市基准测试机械有限公司", persons, 0)
    for m in range(months):
        month_assess(region=jilin, month=YearMonth.from_index(start.index + m))
    big_unit, _ = unit_of("吉林市大型纺织集团有限公司", big, 100_000)
    month_assess(region=jilin, month=YearMonth.from_index(start.index + months))
    return people, big_unit


def _id_number(serial: int) -> str:
    from shebao.common.identifiers import id_check_digit

    # Distinct numbers: the birth day and month from the serial, the sequence from the rest.
    body = f"2202021980{1 + serial // 28 % 12:02d}{1 + serial % 28:02d}"
    first17 = body + f"{serial // 336 % 1000:03d}"
    return first17 + id_check_digit(first17)


def baseline(runs: int) -> float:
    """Documents a second: reportlab canvas + embedded TTF subset + QR + pyHanko signature,
    the key loaded once."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from shebao.certificates import signing
    from shebao.common import pdf

    font = pdf.font_name()
    simple = signing.signer().pyhanko_signer
    import segno

    started = time.perf_counter()
    for i in range(runs):
        buffer = io.BytesIO()
        c = canvas.Canvas(buffer, pagesize=A4, initialFontName=font)
        c.setFont(font, 18)
        c.drawCentredString(297, 780, "参保证明")
        c.setFont(font, 10.5)
        for row in range(24):
            c.drawString(
                60, 740 - row * 16, f"第{row}行 企业职工基本养老保险 2020年1月 至今 参保缴费 {i}"
            )
        path = c.beginPath()
        for r, line in enumerate(segno.make_qr(f"http://127.0.0.1:8000/verify/{i:012d}/").matrix):
            for col, dark in enumerate(line):
                if dark:
                    path.rect(450 + col * 2.5, 200 - r * 2.5, 2.5, 2.5)
        c.drawPath(path, stroke=0, fill=1)
        c.save()
        writer = IncrementalPdfFileWriter(io.BytesIO(buffer.getvalue()), strict=False)
        metadata = signers.PdfSignatureMetadata(
            field_name="Sig", md_algorithm="sha256", subfilter=fields.SigSeedSubFilter.PADES
        )
        signers.PdfSigner(metadata, signer=simple).sign_pdf(
            writer, bytes_reserved=signing.SIGNATURE_BYTES
        )
    return runs / (time.perf_counter() - started)


def issue_rate(people: list, kind: str) -> tuple[float, list[str]]:
    from shebao.certificates.services import certificate_issue

    codes = []
    started = time.perf_counter()
    for person in people:
        codes.append(
            certificate_issue(actor=None, kind=kind, person=person).certificate.verify_code
        )
    return len(people) / (time.perf_counter() - started), codes


def in_parallel(workers: int, job: Callable[[int], int]) -> float:
    """Documents a second of ``job(index)`` (which returns how many it made) run in ``workers``
    forked processes released at once: all the documents over the time from the release to
    the last one done."""
    import multiprocessing

    from django.db import connections

    connections.close_all()  # each child opens its own connection
    gc.freeze()  # the heap shared with the children stays shared (no collection copies it)
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(workers)
    results = context.Queue()

    def child(index: int) -> None:
        barrier.wait()
        started = time.perf_counter()  # CLOCK_MONOTONIC: comparable between processes
        made = job(index)
        results.put((made, started, time.perf_counter()))
        connections.close_all()

    processes = [context.Process(target=child, args=(i,)) for i in range(workers)]
    for process in processes:
        process.start()
    done = [results.get() for _ in processes]
    for process in processes:
        process.join()
        if process.exitcode != 0:
            raise SystemExit(f"a worker process failed (exit code {process.exitcode})")
    total = sum(made for made, _, _ in done)
    return total / (max(end for _, _, end in done) - min(start for _, start, _ in done))


def serve(env: dict[str, str], port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "shebao.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/verify/222222222222")
            conn.getresponse().read()
            return server
        except OSError:
            time.sleep(0.5)
    os.killpg(server.pid, signal.SIGTERM)
    raise SystemExit("the server did not start within 60 s")


def load(
    port: int, codes: list[str], clients: int, per_client: int, path: str = "/api/v1/verify/{}"
) -> list[float]:
    timings: list[float] = []
    lock = threading.Lock()

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        for _ in range(per_client):
            code = random.choice(codes)
            started = time.perf_counter()
            conn.request("GET", path.format(code))
            response = conn.getresponse()
            response.read()
            assert response.status == 200, response.status
            mine.append((time.perf_counter() - started) * 1000)
        with lock:
            timings.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=200)
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--big", type=int, default=5000)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--requests", type=int, default=30, help="per client")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="also run the bare pipeline and the issuance in this many processes at once",
    )
    args = parser.parse_args()
    var = tempfile.mkdtemp(prefix="shebao-bench-certs-")
    os.environ["SHEBAO_VAR_DIR"] = var
    database_url = os.environ.get("BENCH_DATABASE_URL", "")
    if args.workers > 1 and not database_url:
        raise SystemExit("--workers needs BENCH_DATABASE_URL (a PostgreSQL database)")
    if database_url:
        import psycopg

        base, name = database_url.rsplit("/", 1)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shebao.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from shebao.catalogue.services import catalogue_load
    from shebao.certificates.models import Certificate, CertificateEvent
    from shebao.certificates.services import certificate_issue
    from shebao.policy.services import policy_load
    from shebao.registry.services import departments_load, regions_load

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # the page's static files
    regions_load()
    departments_load()
    catalogue_load()
    policy_load()
    started = time.perf_counter()
    people, big_unit = setup_city(args.persons, args.months, args.big)
    print(
        f"setup: {args.persons} + {args.big} persons, {args.months} + 1 months assessed "
        f"in {time.perf_counter() - started:.1f} s "
        f"({'PostgreSQL ' + database_url if database_url else 'SQLite in ' + var})"
    )
    # The key made and loaded, the font read: what a running process has already done.
    certificate_issue(actor=None, kind="unit_rights", unit=big_unit)
    rate0 = baseline(min(args.persons, 200))
    print(f"bare reportlab + pyHanko (key loaded once): {rate0:6.1f} documents/s")
    rate1, _ = issue_rate(people, "participation")
    print(f"参保证明 end to end from the records:        {rate1:6.1f} certificates/s")
    rate2, _ = issue_rate(people, "rights")
    print(f"个人权益单 ({args.months} months) end to end:       {rate2:6.1f} certificates/s")
    print(f"load average: {os.getloadavg()[0]:.1f}")
    if args.workers > 1:
        n = args.workers
        runs = min(args.persons, 200)
        shares = [people[i::n] for i in range(n)]

        def bare_share(i: int) -> int:
            baseline(runs // n)
            return runs // n

        def issue_share(i: int) -> int:
            return len(issue_rate(shares[i], "participation")[1])

        # The same 参保证明 again: those of the single-process run withdrawn first (the same
        # certificate asked for twice on a day is the one already issued, with no new file).
        CertificateEvent.objects.filter(certificate__kind="participation").delete()
        Certificate.objects.filter(kind="participation").delete()
        bare_n = in_parallel(n, bare_share)
        e2e_n = in_parallel(n, issue_share)
        bare_1 = baseline(runs)
        print(
            f"{n} processes at once: bare {bare_n:6.1f} documents/s, 参保证明 end to end "
            f"{e2e_n:6.1f} certificates/s ({e2e_n / bare_n:.2f} × bare); "
            f"1 process again: bare {bare_1:6.1f} documents/s"
        )
        print(f"load average: {os.getloadavg()[0]:.1f}")
    CertificateEvent.objects.filter(certificate__unit=big_unit).delete()
    Certificate.objects.filter(unit=big_unit).delete()
    started = time.perf_counter()
    issued = certificate_issue(actor=None, kind="unit_rights", unit=big_unit).certificate
    took = time.perf_counter() - started
    print(f"单位权益单 of {args.big} employees: {took:.2f} s, {issued.file_size / 1e6:.1f} MB")
    env = os.environ | {"SHEBAO_LOG_LEVEL": "WARNING"}
    server = serve(env, args.port)
    codes = list(
        Certificate.objects.filter(person__isnull=False).values_list("verify_code", flat=True)
    )
    paths = ("/api/v1/verify/{}", "/verify/{}/")
    try:
        for path in paths:
            load(args.port, codes, 8, 5, path)  # warm the workers
        for path in paths:
            timings = load(args.port, codes, args.clients, args.requests, path)
            p99 = timings[int(len(timings) * 0.99) - 1]
            print(
                f"GET {path.format('{code}')} at {args.clients} clients: {len(timings)} "
                f"requests, median {statistics.median(timings):.1f} ms, p99 {p99:.1f} ms; "
                f"load average {os.getloadavg()[0]:.1f}"
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
