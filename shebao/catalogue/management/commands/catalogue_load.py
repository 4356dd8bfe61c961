"""``manage.py catalogue_load``: load the matter catalogue from its data files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shebao.catalogue.services import DATA_DIR, CatalogueDataInvalid, catalogue_load
from shebao.registry.services import departments_load


class Command(BaseCommand):
    help = "从 shebao/catalogue/data/ 加载事项清单（先加载业务部门）；数据有误时不写入任何事项。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--directory", type=Path, default=DATA_DIR, help="事项数据目录（默认仓库内的 data/）"
        )

    def handle(self, *args: Any, directory: Path, **options: Any) -> None:
        # Matters name their department; the departments come from the registry's data file.
        departments_load()
        try:
            report = catalogue_load(directory=directory)
        except CatalogueDataInvalid as exc:
            for error in exc.details["errors"]:
                self.stderr.write(f"  {error}")
            raise CommandError(
                f"事项清单数据有 {len(exc.details['errors'])} 处错误，未写入任何事项"
            ) from exc
        self.stdout.write(self.style.SUCCESS(report.summary()))
        if report.disabled:
            self.stdout.write(f"已停用（数据中已删除）：{'、'.join(report.disabled)}")
