"""A worker killed in the middle of an assessment (SIGKILL: no handler runs, no rollback but the
database's own), then the run executed again: the same lines and bills as a run that never
crashed, none twice. A real process (``manage.py month_assess``) against the test database —
PostgreSQL, or on SQLite a file copy of it."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from shebao.common.periods import YearMonth
from shebao.contributions.tests.conftest import declare_bases, enrol
from shebao.insurance.services import unit_injury_class_set
from shebao.testing import make_unit

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(settings.BASE_DIR)
UNITS = 40
REFERENCE, CRASHED = "2020-03", "2020-04"  # the same parameters and relations


class Database:
    """The test database as a separate process sees it, and a connection of our own to it
    (to read what the worker committed, and to hold the lock that stops it between chunks)."""

    def __init__(self, tmp_path: Path) -> None:
        if connection.vendor == "sqlite":
            self.file = tmp_path / "crash.sqlite3"
            target = sqlite3.connect(self.file)
            connection.ensure_connection()
            connection.connection.backup(target)
            target.close()
            self.url = f"sqlite:///{self.file}"
        else:
            s = connection.settings_dict
            self.url = (
                f"postgres://{s['USER']}:{s['PASSWORD'] or ''}@{s['HOST'] or '127.0.0.1'}:"
                f"{s['PORT'] or 5432}/{s['NAME']}"
            )
        self.conn = self._connect()

    def _connect(self):
        if connection.vendor == "sqlite":
            return sqlite3.connect(self.file, isolation_level=None, timeout=20)
        import psycopg

        return psycopg.connect(self.url, autocommit=True)

    def rows(self, sql: str, params: tuple = ()) -> list[tuple]:
        sql = sql.replace("%s", "?") if connection.vendor == "sqlite" else sql
        return list(self.conn.execute(sql, params).fetchall())

    def lock_writers(self) -> None:
        """On PostgreSQL, stop the worker before its next chunk (its bills are written first;
        lock requests queue in order, so we are served between two of its chunks). SQLite
        has no queue — a waiting writer retries on its own timer — so there the worker is
        watched as it goes (readers do not wait in WAL mode) and killed wherever it is."""
        if connection.vendor == "postgresql":
            self.conn.execute("BEGIN")
            self.conn.execute("LOCK TABLE contributions_bill IN EXCLUSIVE MODE")

    def unlock(self) -> None:
        if connection.vendor == "postgresql":
            self.conn.execute("ROLLBACK")

    def manage(self, *args: str) -> subprocess.Popen:
        env = {**os.environ, "DATABASE_URL": self.url, "SHEBAO_VAR_DIR": str(self.var)}
        return subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    var: Path


def lines_of(db: Database, month: str) -> list[tuple]:
    m = YearMonth.parse(month).as_int()
    return sorted(
        db.rows(
            "SELECT payer_kind, payer_id, person_id, insurance, base_fen, unit_fen, "
            "individual_fen FROM contributions_contributionline WHERE month = %s",
            (m,),
        )
    )


def bills_of(db: Database, month: str) -> list[tuple]:
    m = YearMonth.parse(month).as_int()
    return sorted(
        db.rows(
            "SELECT payer_kind, payer_id, unit_total_fen, individual_total_fen, line_count "
            "FROM contributions_bill WHERE month = %s",
            (m,),
        )
    )


@pytest.fixture
def region_of_units(hall):
    """Forty units of three employees each (declared, above the ceiling, never declared)."""
    for index in range(UNITS):
        unit = make_unit(name=f"吉林市第{index + 1}机械厂")
        unit_injury_class_set(
            actor=None, unit=unit, injury_class=1 + index % 8, month=YearMonth(2020, 1)
        )
        staff = enrol(unit, f"甲{index}", f"乙{index}", f"丙{index}")
        declare_bases(unit, [(staff[0], "5000"), (staff[1], "20000")])


def test_a_worker_killed_mid_run_then_rerun_gives_the_same_lines_and_bills(
    region_of_units, tmp_path
):
    db = Database(tmp_path)
    db.var = tmp_path / "var"
    db.var.mkdir()

    reference = db.manage("month_assess", "220200", REFERENCE)
    assert reference.wait(timeout=120) == 0, reference.stderr.read()
    expected_lines, expected_bills = lines_of(db, REFERENCE), bills_of(db, REFERENCE)
    assert len(expected_lines) == UNITS * 3 * 4 and len(expected_bills) == UNITS

    # One unit per chunk: forty transactions. Once a few are done, kill it.
    worker = db.manage("month_assess", "220200", CRASHED, "--chunk-units", "1")
    killed_at = None
    deadline = time.monotonic() + 120
    while killed_at is None and time.monotonic() < deadline:
        db.lock_writers()
        try:
            found = db.rows(
                "SELECT id, chunks_done, chunks_total, status FROM contributions_assessmentrun "
                "WHERE month = %s",
                (YearMonth.parse(CRASHED).as_int(),),
            )
            if found and found[0][1] >= 3:
                os.kill(worker.pid, signal.SIGKILL)
                worker.wait(timeout=30)
                killed_at = found[0]
        finally:
            db.unlock()
        time.sleep(0.0002)
    assert killed_at is not None, "the worker was never seen between chunks"
    run_id, done, total, status = killed_at
    assert worker.returncode == -signal.SIGKILL
    assert status == "running" and 3 <= done < total == UNITS  # no self-payer here
    partial = lines_of(db, CRASHED)
    assert 0 < len(partial) < len(expected_lines)
    assert len(partial) % 12 == 0  # whole units: a chunk is one transaction

    # The run executed again, as a worker restarting it would.
    rerun = db.manage("month_assess", "220200", CRASHED, "--run", str(run_id))
    _out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    assert lines_of(db, CRASHED) == expected_lines
    assert bills_of(db, CRASHED) == expected_bills
    (duplicates,) = db.rows(
        "SELECT COUNT(*) - COUNT(DISTINCT payer_id) FROM contributions_bill WHERE month = %s",
        (YearMonth.parse(CRASHED).as_int(),),
    )
    assert duplicates == (0,)
    (run_row,) = db.rows(
        "SELECT status, chunks_done, chunks_total FROM contributions_assessmentrun WHERE id = %s",
        (run_id,),
    )
    assert run_row[0] == "done" and run_row[1] == run_row[2]
    db.conn.close()
