#!/usr/bin/env python
"""The deadline rush: many applicants creating, uploading to and submitting applications at once.

Wuhan (seed 001) has every unit submit staff changes before the 20th of the month; the hall
must take tens of thousands of submissions in the last days. This runs the real services
(create → upload two PDF materials → submit, each in its own transactions with row locks, audit
events, notifications and the SMS outbox) from ``--workers`` processes in parallel against
PostgreSQL, and reports submissions per second and the time of one submission.

Usage: ``python benchmarks/submission_rush.py [--applicants 2000] [--workers 2]``. Uses the
``shebao_bench`` database of ``queue_at_scale.py`` if it exists (so indexes hold a million
rows), else builds a fresh one with the demo hall.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
MATTER = "person.unemployment_benefit"


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("SHEBAO_VAR_DIR", "/tmp/shebao-bench-var")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shebao.settings")
    import django

    django.setup()


def prepare(database_url: str, applicants: int) -> list[int]:
    """Applicant accounts for the rush (persons from the registry, or fresh ones)."""
    import psycopg

    base, name = database_url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    setup_django(database_url)
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import override_settings

    from shebao.accounts.models import User
    from shebao.catalogue.models import Matter
    from shebao.demo.dataset import demo_load
    from shebao.registry.models import Person

    call_command("migrate", verbosity=0)
    if not Matter.objects.filter(code=MATTER).exists():
        with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
            demo_load()
    _forget_previous_rush()
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO registry_person (id_number, name, sex, birth_date, mobile, district_id,
                hukou_region_id, verification, created_at, updated_at)
            SELECT 'RUSH' || lpad(g::text, 14, '0'), '申请人' || g, 'M', DATE '1985-01-01',
                   '139' || lpad(g::text, 8, '0'), '220202', '220202', 'verified', now(), now()
            FROM generate_series(1, %s) AS g
            ON CONFLICT (id_number) DO NOTHING
            """,
            [applicants],
        )
    persons = Person.objects.filter(id_number__startswith="RUSH").order_by("pk")[:applicants]
    existing = set(User.objects.filter(person__in=persons).values_list("person_id", flat=True))
    User.objects.bulk_create(
        [
            User(
                username=p.id_number,
                kind=User.Kind.INDIVIDUAL,
                name=p.name,
                person=p,
                mobile=p.mobile,
                password="!",
            )
            for p in persons
            if p.pk not in existing
        ]
    )
    return list(User.objects.filter(person__in=persons).values_list("pk", flat=True))


def _forget_previous_rush() -> None:
    """Remove the applications of an earlier run, so the script can run again on the same
    database. An application's events and materials protect it (the audit trail is never
    deleted in the hall), so they go first, explicitly: this is benchmark data only."""
    from django.db import transaction

    from shebao.applications.models import (
        Application,
        ApplicationEvent,
        DeferredMaterial,
        Material,
    )

    previous = Application.objects.filter(person__id_number__startswith="RUSH")
    with transaction.atomic():
        DeferredMaterial.objects.filter(application__in=previous).delete()
        Material.objects.filter(application__in=previous).delete()
        ApplicationEvent.objects.filter(application__in=previous).delete()
        deleted, _ = previous.delete()
    if deleted:
        print(f"removed {deleted} rows of the previous run")


def work(args: tuple[str, list[int]]) -> list[float]:
    database_url, user_ids = args
    setup_django(database_url)
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection

    from shebao.accounts.actors import actor_for
    from shebao.accounts.models import User
    from shebao.applications import services
    from shebao.catalogue.models import Matter

    connection.close()  # a fresh connection in this process
    matter = Matter.objects.get(code=MATTER)
    data = {
        "leave_date": "2026-10-31",
        "leave_reason": next(iter(f for f in matter.fields if f["name"] == "leave_reason"))[
            "choices"
        ][0][0],
        "last_unit_name": "吉林市松江机械制造有限公司",
        "job_seeking": True,
        "bank_account": "6222020200001234567",
        "contact_mobile": "13900000000",
    }
    timings = []
    for user in User.objects.filter(pk__in=user_ids).select_related("person"):
        actor = actor_for(user, "individual")
        started = time.perf_counter()
        application, _ = services.application_create(actor=actor, matter=matter, data=data)
        for code in ("termination_proof", "id_card"):
            services.material_upload(
                actor=actor,
                application=application,
                code=code,
                file=SimpleUploadedFile(f"{code}.pdf", PDF, "application/pdf"),
            )
        application.refresh_from_db()
        services.application_submit(
            actor=actor, application=application, version=application.version
        )
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applicants", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    database_url = os.environ.get(
        "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/shebao_bench"
    )

    user_ids = prepare(database_url, args.applicants)
    from django.db import connection

    connection.close()
    slices = [(database_url, user_ids[i :: args.workers]) for i in range(args.workers)]
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(args.workers) as pool:
        results = pool.map(work, slices)
    elapsed = time.perf_counter() - started
    timings = sorted(t for r in results for t in r)
    print(
        f"{len(timings)} submissions (create, 2 uploads, submit) by {args.workers} processes "
        f"in {elapsed:.1f} s: {len(timings) / elapsed:.1f} per second"
    )
    print(
        f"one submission: median {statistics.median(timings):.1f} ms, "
        f"p90 {timings[int(len(timings) * 0.9) - 1]:.1f} ms, max {timings[-1]:.1f} ms"
    )


if __name__ == "__main__":
    main()
