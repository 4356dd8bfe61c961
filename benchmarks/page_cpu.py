#!/usr/bin/env python
"""The CPU one request of each page costs in process, next to the bare view's.

``load.py`` measures pages through gunicorn under 64 clients, and on a shared machine its
numbers move with whatever else runs. This measures what the hall itself spends: for every
page of ``load.py``'s list (anonymous pages, public API operations, the signed-in pages of the
demo individual, unit administrator and staff member) it sends ``--requests`` requests through
Django's test client — the same URLconf, middleware and templates, no HTTP server — and takes
the process CPU time of each (``time.process_time``: on SQLite the database's work is in it;
on PostgreSQL the server's is not). The lowest of the runs is the page's cost with the least
interference; the table gives it and the median, and the bare view's cost over the page's.

Usage: ``SHEBAO_VAR_DIR=<a demo hall's var dir> python benchmarks/page_cpu.py
[--requests 40] [--only home,me]`` on a hall loaded with ``manage.py demo_load`` (``make run``
loads one). ``BENCH_DATABASE_URL`` measures a PostgreSQL hall instead.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from load import BARE, PASSWORD, SIGN_INS, TARGETS  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--only", default="", help="page names, comma separated (load.py --list)")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shebao.settings")
    os.environ["SHEBAO_BENCHMARK"] = "1"  # mounts the bare view
    if os.environ.get("BENCH_DATABASE_URL"):
        os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    import django

    django.setup()
    from django.test import Client

    only = {name for name in args.only.split(",") if name}
    clients: dict[str, Client] = {"anonymous": Client()}
    for who in ("individual", "unit", "staff"):
        client = Client()
        answer = client.post("/accounts/login/", {**SIGN_INS[who], "password": PASSWORD})
        if answer.status_code != 302:
            raise SystemExit(f"sign-in as {who} failed ({answer.status_code}): is the demo loaded?")
        clients[who] = client

    def cost(client: Client, path: str) -> tuple[float, float] | int:
        first = client.get(path)
        if first.status_code != 200:
            return first.status_code
        for _ in range(3):  # warm: per-process memos, compiled templates, the URL resolver
            client.get(path)
        runs = []
        for _ in range(args.requests):
            start = time.process_time()
            client.get(path)
            runs.append(time.process_time() - start)
        return min(runs) * 1000, statistics.median(runs) * 1000

    bare = cost(clients["anonymous"], BARE)
    assert isinstance(bare, tuple), f"the bare view answered {bare}: SHEBAO_BENCHMARK not set?"
    print("| page | kind | CPU ms (lowest) | CPU ms (median) | bare / page |")
    print("|---|---|---:|---:|---:|")
    print(f"| `{BARE}` (bare) | bare view | {bare[0]:.2f} | {bare[1]:.2f} | 100% |")
    for target in TARGETS:
        if (only and target.name not in only) or target.who not in clients or "{" in target.path:
            continue
        found = cost(clients[target.who], target.path)
        if isinstance(found, int):
            print(f"| `{target.path}` ({target.name}) | {target.kind} | answered {found} | | |")
            continue
        share = bare[0] / found[0] * 100
        print(
            f"| `{target.path}` ({target.name}) | {target.kind} | {found[0]:.2f} | "
            f"{found[1]:.2f} | {share:.1f}% |"
        )


if __name__ == "__main__":
    main()
