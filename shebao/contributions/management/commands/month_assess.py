"""``manage.py month_assess <region> <YYYY-MM>``: assess a region's month now (or queue it)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shebao.common.errors import DomainError
from shebao.common.periods import YearMonth
from shebao.contributions.assessment import assessment_execute, assessment_start
from shebao.contributions.models import AssessmentRun
from shebao.registry.selectors import region_get


class Command(BaseCommand):
    help = "Assess a pooling region's month: lines and bills (idempotent; a rerun adds what is missing)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("region", help="pooling region code, e.g. 220200")
        parser.add_argument("month", help="YYYY-MM")
        parser.add_argument(
            "--enqueue", action="store_true", help="queue the run for the batch worker instead"
        )
        parser.add_argument(
            "--run",
            type=int,
            help="execute this run of the month again (a worker restarted after a crash)",
        )
        parser.add_argument("--chunk-units", type=int, help="units per chunk (one transaction)")
        parser.add_argument(
            "--force", action="store_true", help="run outside the region's assessment window"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            region = region_get(code=options["region"])
            month = YearMonth.parse(options["month"])
            if options["run"]:
                run = AssessmentRun.objects.select_related("region").get(
                    pk=options["run"], region=region, month=month
                )
            else:
                run = assessment_start(
                    actor=None,
                    region=region,
                    month=month,
                    enqueue=options["enqueue"],
                    force=options["force"],
                )
            if options["enqueue"]:
                self.stdout.write(f"queued run {run.pk} for {region.code} {month}")
                return
            self.stdout.write(f"run {run.pk}: started", ending="\n")
            self.stdout.flush()
            run = assessment_execute(run, chunk_units=options["chunk_units"])
        except AssessmentRun.DoesNotExist:
            raise CommandError(
                f"no run {options['run']} of {options['region']} {options['month']}"
            ) from None
        except DomainError as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            f"run {run.pk}: {region.code} {month} done — {run.chunks_total} chunks, "
            f"{run.lines_written} new lines, {run.bills} bills"
        )
        for problem in run.problems:
            self.stdout.write(f"  {problem['code']}: {problem['message']}")
