"""``manage.py month_assess <region> <YYYY-MM>``: assess a region's month now (or queue it)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shebao.common.errors import DomainError
from shebao.common.periods import YearMonth
from shebao.contributions.assessment import assessment_execute, assessment_start
from shebao.registry.selectors import region_get


class Command(BaseCommand):
    help = "Assess a pooling region's month: lines and bills (idempotent; a rerun adds what is missing)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("region", help="pooling region code, e.g. 220200")
        parser.add_argument("month", help="YYYY-MM")
        parser.add_argument(
            "--enqueue", action="store_true", help="queue the run for the batch worker instead"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            region = region_get(code=options["region"])
            month = YearMonth.parse(options["month"])
            run = assessment_start(
                actor=None, region=region, month=month, enqueue=options["enqueue"]
            )
            if options["enqueue"]:
                self.stdout.write(f"queued run {run.pk} for {region.code} {month}")
                return
            run = assessment_execute(run)
        except DomainError as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            f"run {run.pk}: {region.code} {month} done — {run.chunks_total} chunks, "
            f"{run.lines_written} new lines, {run.bills} bills"
        )
        for problem in run.problems:
            self.stdout.write(f"  {problem['code']}: {problem['message']}")
