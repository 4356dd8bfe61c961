"""``manage.py policy_load [--directory DIR] [--force]``: load the policy parameter files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from shebao.policy.datafiles import DATA_DIR, PolicyDataError
from shebao.policy.services import policy_load


class Command(BaseCommand):
    help = (
        "导入政策参数数据文件（每个地区一个 <行政区划代码>.toml）；先校验全部文件，有错误则不写入。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--directory",
            type=Path,
            default=DATA_DIR,
            help="数据文件目录（默认随代码发布的 data/）",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="以数据文件为准，覆盖经办人员修改过的记录",
        )

    def handle(self, *args: Any, directory: Path, force: bool, **options: Any) -> None:
        try:
            report = policy_load(directory=directory, force=force)
        except PolicyDataError as error:
            raise CommandError(error.message) from None
        self.stdout.write(self.style.SUCCESS(report.summary()))
