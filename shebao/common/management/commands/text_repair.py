"""Repair stored text the hall cannot show (lone surrogates, NUL, control characters).

``manage.py text_repair --dry-run`` lists the rows; ``manage.py text_repair`` repairs them in
place (see :func:`shebao.common.services.stored_text_repair`). Safe to run again: a second run
finds nothing.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from shebao.common.services import stored_text_repair


class Command(BaseCommand):
    help = "Find and repair stored text that cannot be shown (lone surrogates, NUL, controls)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dry-run", action="store_true", help="only list the rows")

    def handle(self, *args: Any, dry_run: bool = False, **options: Any) -> None:
        found = stored_text_repair(dry_run=dry_run)
        for item in found:
            self.stdout.write(str(item))
        repaired = sum(item.repaired for item in found)
        verb = "发现" if dry_run else "修复"
        self.stdout.write(f"共{verb} {len(found) if dry_run else repaired} 行无法显示的文本")
