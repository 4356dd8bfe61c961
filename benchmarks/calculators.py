#!/usr/bin/env python
"""What one public calculation costs: each calculator API answered through the full Django
stack (URL routing, parsing, parameter lookup, the rule, the trace, JSON) on the embedded
SQLite default, in one process.

Usage: ``python benchmarks/calculators.py [--runs 200]``
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUERIES = {
    "contribution": "contribution?region=220200&month=2020-03&wage=5000&injury_class=1",
    "flexible": "flexible?region=220200&month=2020-03&grade=60",
    "late-fee": "late-fee?amount=10000&start=2010-06-01&end=2012-01-31",
    "unemployment": "unemployment?region=220200&month=2024-03&contribution_months=72",
    "retirement": "retirement?birth=1965-01&category=male",
    "pension": "pension?avg_wage=8000&index=1.2&years=35&balance=150000&age=60&region=320400",
    "death-benefit": "death-benefit?date=2023-05-01&contribution_months=267&region=220200",
    "transfer": "transfer?sex=female&birth=1980-05&move_month=2024-03&to_hukou_province=false"
    "&bases_sum=600000&personal_balance=50000",
    "payday": "payday?region=320400&month=2024-10",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    os.environ["SHEBAO_VAR_DIR"] = tempfile.mkdtemp(prefix="shebao-bench-")
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shebao.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from shebao.catalogue.services import catalogue_load
    from shebao.policy.services import policy_load
    from shebao.registry.services import departments_load, regions_load

    call_command("migrate", verbosity=0)
    regions_load()
    departments_load()
    catalogue_load()
    policy_load()
    client = Client()
    print(f"{'calculator':16} {'median ms':>10} {'p90 ms':>8} {'per second':>11}")
    bodies = {
        "backpay-interest": {
            "months": [{"month": f"2023-{m:02d}", "amount": "640.00"} for m in range(1, 13)],
            "pay_month": "2025-06",
        }
    }
    calls = {
        name: (lambda q=q: client.get(f"/api/v1/calculators/{q}")) for name, q in QUERIES.items()
    }
    calls["backpay-interest"] = lambda: client.post(
        "/api/v1/calculators/backpay-interest",
        bodies["backpay-interest"],
        content_type="application/json",
    )
    for name, call in calls.items():
        response = call()
        assert response.status_code == 200, (name, response.content)
        samples = []
        for _ in range(args.runs):
            started = time.perf_counter()
            call()
            samples.append((time.perf_counter() - started) * 1000)
        samples.sort()
        median = statistics.median(samples)
        print(
            f"{name:16} {median:10.2f} {samples[int(len(samples) * 0.9) - 1]:8.2f} {1000 / median:11.0f}"
        )


if __name__ == "__main__":
    main()
