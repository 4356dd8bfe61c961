from typing import Any

from django.core.management.base import BaseCommand

from shebao.registry.services import departments_load, regions_load


class Command(BaseCommand):
    help = "Load the administrative divisions and agency departments from shebao/registry/data/."

    def handle(self, *args: Any, **options: Any) -> None:
        regions = regions_load()
        departments = departments_load()
        self.stdout.write(f"行政区划 {regions} 条，业务部门 {departments} 个，已载入。")
