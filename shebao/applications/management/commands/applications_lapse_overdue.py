"""Run the daily 容缺 lapse: ``manage.py applications_lapse_overdue [--date 2024-10-15]``.

Schedule it once a day (cron or a systemd timer) shortly after midnight; running it twice, or
on a day with nothing due, changes nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shebao.applications.services import applications_lapse_overdue_deferred


class Command(BaseCommand):
    help = "容缺受理：补交期限已过仍未补齐材料的申请置为失效（可重复执行）"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--date", help="按哪一天判断逾期（YYYY-MM-DD，默认今天）")

    def handle(self, *args: Any, **options: Any) -> None:
        today = None
        if options.get("date"):
            try:
                today = date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError("日期格式应为 YYYY-MM-DD") from None
        count = applications_lapse_overdue_deferred(today=today)
        self.stdout.write(f"已失效申请：{count} 件")
