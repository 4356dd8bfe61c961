#!/usr/bin/env python
"""What one Argon2 password check costs: time and memory, for the parameter sets worth choosing.

Each set is measured in a fresh process (so the memory it reserves shows in the peak resident
size): ``--runs`` hashes one after another, the median and p90 time of one, and how much the
process's peak resident memory grew. Memory is reserved per check, so N sign-ins at once in
one worker reserve N times as much. The hall's choice is in ``shebao/accounts/hashers.py``.

Usage: ``python benchmarks/argon2_cost.py [--runs 20]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time

# (label, time_cost, memory_cost in KiB, parallelism)
CANDIDATES = [
    ("Django 5.2 default", 2, 102_400, 8),
    ("RFC 9106 second recommended option", 3, 65_536, 4),
    ("OWASP (2023): m=19 MiB, t=2, p=1", 2, 19_456, 1),
    ("OWASP (2023): m=46 MiB, t=1, p=1", 1, 47_104, 1),
]


def measure(time_cost: int, memory_cost: int, parallelism: int, runs: int) -> dict:
    from argon2 import PasswordHasher

    hasher = PasswordHasher(
        time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism, hash_len=32
    )
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    stored = hasher.hash("Shebao@2026")
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        hasher.verify(stored, "Shebao@2026")
        timings.append((time.perf_counter() - started) * 1000)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    timings.sort()
    return {
        "median_ms": statistics.median(timings),
        "p90_ms": timings[int(len(timings) * 0.9) - 1],
        "peak_growth_mib": (after - before) / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--one", nargs=3, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(*args.one, args.runs)))
        return
    print("| parameters | t | m | p | one check, median ms | p90 ms | memory reserved MiB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, t, m, p in CANDIDATES:
        out = subprocess.run(
            [sys.executable, __file__, "--runs", str(args.runs), "--one", str(t), str(m), str(p)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        r = json.loads(out)
        print(
            f"| {label} | {t} | {m // 1024} MiB | {p} | {r['median_ms']:.1f} | {r['p90_ms']:.1f} "
            f"| {r['peak_growth_mib']:.0f} |"
        )


if __name__ == "__main__":
    main()
