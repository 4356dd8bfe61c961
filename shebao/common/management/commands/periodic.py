"""Enqueue the housekeeping tasks every deployment runs regularly.

Each task is idempotent, so running them more often than needed is harmless. Run once from cron
(``manage.py periodic``) or let the command loop (``manage.py periodic --loop 600``, which
``scripts/serve.sh`` starts beside the worker). The tasks themselves run on the task workers.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string


def enqueue_all(stdout: Any) -> list[Any]:
    """Enqueue each periodic task; returns the task results (finished already on the
    immediate backend)."""
    results = []
    for path in settings.SHEBAO_PERIODIC_TASKS:
        result = import_string(path).enqueue()
        stdout.write(f"enqueued {path} ({result.id})")
        results.append(result)
    return results


class Command(BaseCommand):
    help = "Enqueue the periodic housekeeping tasks once, or every --loop seconds."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--loop", type=int, default=0, help="repeat every N seconds")

    def handle(self, *args: Any, loop: int = 0, **options: Any) -> None:
        enqueue_all(self.stdout)
        while loop:
            time.sleep(loop)
            enqueue_all(self.stdout)
