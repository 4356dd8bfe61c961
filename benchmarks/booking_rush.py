#!/usr/bin/env python
"""The booking rush: ``--clients`` people booking the last ``--places`` places of one slot at
once, through the API on gunicorn as ``make run`` serves it.

It (re)creates the PostgreSQL database ``shebao_booking`` (``BENCH_DATABASE_URL`` to change
it), migrates it, loads the reference data and policy, opens one office's slots, gives one
slot ``--capacity`` places of which all but ``--places`` are already booked (through the
booking service, by other people), issues each client an API token, serves the hall with
``scripts/serve.sh`` on ``--port`` and then releases every client at once: each sends one
``POST /api/v1/appointments`` on its own connection. It prints how many bookings were made
(exactly ``--places`` must be), the answers by status, the latency percentiles of all
requests, and checks the slot's counter and the live bookings in the database. Beside it, the
bare view of ``load.py`` (``/bench/bare/``) is rushed by as many clients the same way, just
before and just after the bookings: the latency the server and the machine give a request that
does nothing, at that moment.

Usage: ``python benchmarks/booking_rush.py [--clients 200] [--places 20] [--capacity 100]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from load import BARE, _read_response, start_server, stop_server  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/shebao_booking"


def prepare(database_url: str, clients: int, capacity: int, places: int) -> tuple[int, list[str]]:
    """A fresh database with one slot of ``capacity`` places, ``capacity - places`` booked;
    returns the slot id and one API token per client."""
    import psycopg

    base, name = database_url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("SHEBAO_VAR_DIR", "/tmp/shebao-booking-var")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shebao.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import override_settings
    from django.utils import timezone

    from shebao.accounts.actors import actor_for
    from shebao.accounts.models import User
    from shebao.accounts.tokens import token_issue
    from shebao.appointments.models import Slot
    from shebao.appointments.services import appointment_book, slots_open
    from shebao.common.workcalendar import is_workday
    from shebao.policy.services import policy_load
    from shebao.registry.directory import office_get
    from shebao.registry.models import Person
    from shebao.registry.services import departments_load, regions_load

    call_command("migrate", verbosity=0)
    regions_load()
    departments_load()
    policy_load()
    day = timezone.localdate() + timedelta(days=1)
    while not is_workday(day):
        day += timedelta(days=1)
    slots_open(office=office_get("jl-fusui"), start=day, days=1)
    slot = Slot.objects.filter(department_id="unemployment", day=day).order_by("starts_at")[0]
    Slot.objects.filter(pk=slot.pk).update(capacity=capacity)

    def person(i: int, prefix: str) -> User:
        p = Person.objects.create(
            id_number=f"{prefix}{i:015d}",
            name=f"预约人{i}",
            sex="M",
            birth_date=timezone.localdate().replace(year=1980),
            mobile=f"139{i:08d}",
            district_id="220202",
        )
        return User.objects.create_user(
            p.id_number, None, kind=User.Kind.INDIVIDUAL, name=p.name, person=p, mobile=p.mobile
        )

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        for i in range(capacity - places):
            appointment_book(actor=actor_for(person(i, "PRE"), "individual"), slot=slot.pk)
        tokens = [token_issue(user=person(i, "RSH"), context="individual") for i in range(clients)]
    return slot.pk, tokens


async def _one(port: int, request: bytes, gate: asyncio.Event, out: list) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    await gate.wait()
    started = time.perf_counter()
    writer.write(request)
    status, _ = await _read_response(reader)
    out.append((status, time.perf_counter() - started))
    writer.close()


async def _rush(port: int, requests: list[bytes]) -> list[tuple[int, float]]:
    gate = asyncio.Event()
    out: list[tuple[int, float]] = []
    tasks = [asyncio.create_task(_one(port, r, gate, out)) for r in requests]
    await asyncio.sleep(0.5)  # every connection open before the gate
    gate.set()
    await asyncio.gather(*tasks)
    return out


def _request(port: int, token: str, slot: int) -> bytes:
    body = json.dumps({"slot": slot}).encode()
    head = (
        f"POST /api/v1/appointments HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


def _pct(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--places", type=int, default=20)
    parser.add_argument("--capacity", type=int, default=100)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    slot, tokens = prepare(url, args.clients, args.capacity, args.places)
    server = start_server(url, args.port)
    try:
        # one warm-up read per worker process: the first request of a process builds the URLconf
        for _ in range(4):
            asyncio.run(
                _rush(
                    args.port,
                    [
                        b"GET /api/v1/appointments/slots?department=unemployment&date=2000-01-01 "
                        b"HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                    ],
                )
            )
        # The bare view (load.py's yardstick) rushed by as many clients in the same way, before
        # and after the bookings: what the server and this machine answer at all, right now.
        bare_request = (
            f"GET {BARE} HTTP/1.1\r\nHost: 127.0.0.1:{args.port}\r\nConnection: close\r\n\r\n"
        ).encode()
        bare_before = asyncio.run(_rush(args.port, [bare_request] * args.clients))
        results = asyncio.run(_rush(args.port, [_request(args.port, t, slot) for t in tokens]))
        bare_after = asyncio.run(_rush(args.port, [bare_request] * args.clients))
    finally:
        stop_server(server)
    from shebao.appointments.models import Appointment, Slot

    by_status: dict[int, int] = {}
    for status, _ in results:
        by_status[status] = by_status.get(status, 0) + 1
    latencies = [seconds for _, seconds in results]
    booked = Slot.objects.get(pk=slot).booked
    live = Appointment.objects.filter(slot_id=slot, status="booked").count()
    load = os.getloadavg()
    print(f"clients {args.clients}, last places {args.places} of {args.capacity}")
    print(f"answers by status: {dict(sorted(by_status.items()))}")
    print(f"bookings made: {by_status.get(201, 0)} (expected {args.places})")
    print(f"slot counter {booked}, live bookings {live} (capacity {args.capacity})")
    print(
        f"booking latency ms: p50 {_pct(latencies, 0.5):.0f}, p90 {_pct(latencies, 0.9):.0f}, "
        f"p99 {_pct(latencies, 0.99):.0f}, max {max(latencies) * 1000:.0f}"
    )
    for label, bare in (("before", bare_before), ("after", bare_after)):
        seconds = [t for _, t in bare]
        answered = sum(1 for status, _ in bare if status == 200)
        print(
            f"bare view {BARE} ({label}), {answered}/{len(bare)} answered: "
            f"p50 {_pct(seconds, 0.5):.0f}, p90 {_pct(seconds, 0.9):.0f}, "
            f"p99 {_pct(seconds, 0.99):.0f}, max {max(seconds) * 1000:.0f}"
        )
    print(f"load average during the run: {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}")
    ok = by_status.get(201, 0) == args.places and booked == live == args.capacity
    print("RESULT:", "exactly the free places were booked" if ok else "MISMATCH")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
