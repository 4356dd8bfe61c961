"""Report identifiers stored in another spelling, and identities stored twice.

    python manage.py identities_check            # report; exit status 1 if anything is found
    python manage.py identities_check --repair   # also rewrite the repairable rows

See :mod:`shebao.common.identities`. Duplicates (one person, unit or account under two
spellings) are never merged automatically: the report names the rows for a person to decide.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shebao.common.identities import identities_repair, identities_scan


class Command(BaseCommand):
    help = "Find identifiers not stored in their one spelling and identities stored twice."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--repair",
            action="store_true",
            help="rewrite misspelled rows to their normal form where no other row holds it",
        )

    def handle(self, *args: Any, repair: bool = False, **options: Any) -> None:
        report = identities_scan()
        if report.clean:
            self.stdout.write("identities: every identifier is stored in its one spelling")
            return
        for row in report.misspelled:
            if row.normal is None:
                why = "no valid normal form"
            elif not row.column.repairable:
                why = "kept as issued"
            elif row.blocked_by:
                why = f"normal form held by pk {', '.join(map(str, row.blocked_by))}"
            else:
                why = "repairable"
            self.stdout.write(
                f"misspelled {row.column.label} pk={row.pk}: {row.stored!r} -> "
                f"{row.normal!r} ({why})"
            )
        for dup in report.duplicates:
            self.stdout.write(
                f"duplicate {dup.column.label} {dup.normal}: pks {', '.join(map(str, dup.pks))}"
            )
        left = len(report.misspelled) + len(report.duplicates)
        if repair:
            done = identities_repair(report)
            for row in done:
                self.stdout.write(f"repaired {row.column.label} pk={row.pk} -> {row.normal}")
            left -= len(done)
        summary = (
            f"identities: {len(report.misspelled)} misspelled, "
            f"{len(report.duplicates)} duplicated"
            + (f", {left} left after repair" if repair else "")
        )
        if left:
            raise CommandError(summary)
        self.stdout.write(summary)
