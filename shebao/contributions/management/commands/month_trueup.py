"""``manage.py month_trueup <region> <from> [<to>] --into YYYY-MM``: carry the differences of
assessed months (多退少补) into the bills of a later month."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shebao.common.errors import DomainError
from shebao.common.periods import YearMonth
from shebao.contributions.assessment import assessment_execute
from shebao.contributions.trueup import trueup_start
from shebao.registry.selectors import region_get


class Command(BaseCommand):
    help = (
        "True up assessed months after a parameter was made final: adjustment lines for the "
        "differences only, into the bills of --into (idempotent)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("region", help="pooling region code, e.g. 220200")
        parser.add_argument("first", help="first month to adjust, YYYY-MM")
        parser.add_argument("last", nargs="?", help="last month to adjust (default: first)")
        parser.add_argument("--into", required=True, help="the bill month to carry them into")
        parser.add_argument(
            "--force", action="store_true", help="run outside the region's assessment window"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            region = region_get(code=options["region"])
            month = YearMonth.parse(options["first"])
            last = YearMonth.parse(options["last"]) if options["last"] else month
            into = YearMonth.parse(options["into"])
            while month <= last:
                run = trueup_start(
                    actor=None,
                    region=region,
                    month=month,
                    into=into,
                    enqueue=False,
                    force=options["force"],
                )
                run = assessment_execute(run)
                self.stdout.write(
                    f"run {run.pk}: {region.code} {month} into {into} — "
                    f"{run.lines_written} adjustments, {run.bills} bills carry them"
                )
                month = month + 1
        except DomainError as error:
            raise CommandError(error.message) from error
