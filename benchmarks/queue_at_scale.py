#!/usr/bin/env python
"""How the hall's busiest screens hold up with a city's volume of applications.

Builds a PostgreSQL database ``shebao_bench`` (dropped and recreated), loads the demo hall, adds
``--persons`` insured persons and ``--rows`` applications spread over Jilin City's nine districts,
the individual matters of every department and every status (set-based ``INSERT … SELECT``,
as batch work must be), then times, as signed-in users through the real views and selectors:

- the reviewer's queue page (registration staff of five districts), its tab counts and the
  overdue filter;
- the applicant's list and one application's page;
- the staff API list.

Usage: ``python benchmarks/queue_at_scale.py [--rows 1000000] [--persons 100000] [--runs 15]``
(PostgreSQL at 127.0.0.1:5432 as user postgres, or ``BENCH_PG=postgres://…``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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


def prepare_database(base_url: str) -> str:
    import psycopg

    with psycopg.connect(f"{base_url}/postgres", autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS shebao_bench WITH (FORCE)")
        conn.execute("CREATE DATABASE shebao_bench")
    return f"{base_url}/shebao_bench"


def populate(rows: int, persons: int) -> float:
    from django.db import connection

    from shebao.accounts.models import User

    applicant = User.objects.get(username="jl-dj-01").pk  # any user: scope is by person
    districts = "ARRAY[" + ",".join(f"'{d}'" for d in DISTRICTS) + "]"
    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(
            f"""
            INSERT INTO registry_person (id_number, name, sex, birth_date, mobile, district_id,
                hukou_region_id, verification, created_at, updated_at)
            SELECT 'BM' || lpad(g::text, 16, '0'), '测试人员' || g,
                   CASE WHEN g %% 2 = 0 THEN 'M' ELSE 'F' END,
                   DATE '1960-01-01' + (g %% 15000), '', ({districts})[1 + g %% 9],
                   ({districts})[1 + g %% 9], 'verified', now(), now()
            FROM generate_series(1, %s) AS g
            """,
            [persons],
        )
        cur.execute(
            """
            CREATE TEMP TABLE bench_matter AS
            SELECT row_number() OVER (ORDER BY id) - 1 AS rn, id, department_id, acceptance_mode
            FROM catalogue_matter WHERE applicant_kind IN ('individual', 'both') AND enabled
            """
        )
        cur.execute("SELECT count(*) FROM bench_matter")
        matters = cur.fetchone()[0]
        cur.execute("SELECT min(id) FROM registry_person WHERE id_number LIKE 'BM%'")
        first_person = cur.fetchone()[0]
        cur.execute(
            f"""
            INSERT INTO applications_application (number, matter_id, applicant_kind,
                applicant_user_id, person_id, subject_id_number, district_id, department_id,
                status, acceptance_mode, data, commitment_text, commitment_version, created_at,
                updated_at, submitted_at, accepted_at, decided_at, completed_at, due_date,
                due_provisional, version, client_key)
            SELECT 'BM' || lpad(g::text, 12, '0'), m.id, 'individual', %(applicant)s,
                   %(first_person)s + (g %% %(persons)s),
                   '', ({districts})[1 + (g %% %(persons)s) %% 9], m.department_id, s.status,
                   m.acceptance_mode, '{{}}'::jsonb, '', '', t.created, t.created,
                   CASE WHEN s.status <> 'draft' THEN t.created + interval '1 hour' END,
                   CASE WHEN s.status IN ('accepted', 'approved', 'completed')
                        THEN t.created + interval '1 day' END,
                   CASE WHEN s.status IN ('approved', 'completed', 'rejected')
                        THEN t.created + interval '3 days' END,
                   CASE WHEN s.status = 'completed' THEN t.created + interval '4 days' END,
                   CASE WHEN s.status IN ('accepted', 'approved', 'completed')
                        THEN (t.created + interval '15 days')::date END,
                   false, 2, ''
            FROM generate_series(1, %(rows)s) AS g
            JOIN bench_matter AS m ON m.rn = g %% %(matters)s
            CROSS JOIN LATERAL (SELECT now() - (g %% 365) * interval '1 day'
                                       - (g %% 86400) * interval '1 second' AS created) AS t
            CROSS JOIN LATERAL (SELECT CASE
                WHEN g %% 100 < 70 THEN 'completed' WHEN g %% 100 < 80 THEN 'submitted'
                WHEN g %% 100 < 88 THEN 'accepted' WHEN g %% 100 < 92 THEN 'approved'
                WHEN g %% 100 < 95 THEN 'returned' WHEN g %% 100 < 97 THEN 'rejected'
                WHEN g %% 100 < 99 THEN 'withdrawn' ELSE 'draft' END AS status) AS s
            """,
            {
                "applicant": applicant,
                "first_person": first_person,
                "persons": persons,
                "rows": rows,
                "matters": matters,
            },
        )
    seconds = time.perf_counter() - started
    # The steady state autovacuum keeps a live database in: statistics and a visibility map.
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    return seconds


def signed_in(username: str, context: str):  # type: ignore[no-untyped-def]
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.test import Client

    from shebao.accounts.actors import CONTEXT_SESSION_KEY
    from shebao.accounts.models import User

    user = User.objects.get(username=username)
    client = Client()
    session = client.session
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[CONTEXT_SESSION_KEY] = context
    session.save()
    return client


def timed(label: str, call, runs: int) -> tuple[str, float, float]:  # type: ignore[no-untyped-def]
    call()  # warm up
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return label, statistics.median(samples), samples[int(len(samples) * 0.9) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()

    base = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
    os.environ["DATABASE_URL"] = prepare_database(base)
    os.environ.setdefault("SHEBAO_VAR_DIR", "/tmp/shebao-bench-var")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shebao.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import override_settings

    from shebao.accounts.actors import actor_for
    from shebao.accounts.models import User
    from shebao.applications import selectors
    from shebao.applications.models import Application
    from shebao.demo.dataset import demo_load

    call_command("migrate", verbosity=0)
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        demo_load()
    seconds = populate(args.rows, args.persons)
    total = Application.objects.count()
    print(
        f"applications: {total:,} ({args.rows:,} inserted in {seconds:.1f} s), persons: {args.persons:,}"
    )

    staff = signed_in("jl-dj-01", "staff")
    staff_actor = actor_for(User.objects.get(username="jl-dj-01"), "staff")
    person_app = Application.objects.filter(person__id_number__startswith="BM").first()
    person_user = User.objects.create_user(
        person_app.person.id_number,
        None,
        kind="individual",
        name=person_app.person.name,
        person=person_app.person,
    )
    person = signed_in(person_user.username, "individual")
    token_client, token = signed_in("jl-dj-01", "staff"), None
    from shebao.accounts.tokens import token_issue

    token = token_issue(user=User.objects.get(username="jl-dj-01"), context="staff")
    in_queue = selectors.review_queue(actor=staff_actor).count()
    results = [
        timed(
            "staff queue page (待受理 tab)", lambda: staff.get("/applications/queue/"), args.runs
        ),
        timed(
            "staff queue page, overdue only",
            lambda: staff.get("/applications/queue/?overdue=1"),
            args.runs,
        ),
        timed(
            "staff queue page, search by name",
            lambda: staff.get("/applications/queue/?q=测试人员1234&status=all"),
            args.runs,
        ),
        timed(
            "queue tab counts (selector)",
            lambda: selectors.queue_counts(actor=staff_actor),
            args.runs,
        ),
        timed("staff workbench page", lambda: staff.get("/staff/"), args.runs),
        timed(
            "staff API list, first page",
            lambda: token_client.get("/api/v1/applications/", HTTP_AUTHORIZATION=f"Bearer {token}"),
            args.runs,
        ),
        timed("applicant's list page", lambda: person.get("/applications/"), args.runs),
        timed(
            "applicant's application page",
            lambda: person.get(f"/applications/{person_app.number}/"),
            args.runs,
        ),
    ]
    print(f"cases in the reviewer's 待受理 queue: {in_queue:,}")
    print(f"{'what':40} {'median ms':>10} {'p90 ms':>8}")
    for label, median, p90 in results:
        print(f"{label:40} {median:10.1f} {p90:8.1f}")


if __name__ == "__main__":
    main()
