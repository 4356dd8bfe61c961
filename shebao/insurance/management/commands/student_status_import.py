from typing import Any

from django.core.management.base import BaseCommand, CommandError

from shebao.insurance.services import LinesRefused, student_statuses_record
from shebao.insurance.students import student_file_read


class Command(BaseCommand):
    help = (
        "Import the education department's shared student data (学籍信息, a UTF-8 CSV with the "
        "columns 公民身份号码,姓名,学校,入学年月,离校年月): all rows or none."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", help="the shared CSV file")

    def handle(self, *args: Any, path: str, **options: Any) -> None:
        try:
            with open(path, encoding="utf-8-sig", newline="") as stream:
                records, problems = student_file_read(stream)
            count = student_statuses_record(actor=None, records=records, problems=problems)
        except LinesRefused as refused:
            for problem in refused.problems:
                self.stderr.write(f"第{problem.line}行 {problem.column}：{problem.reason}")
            raise CommandError(f"{refused.message}（共{len(refused.problems)}处）") from None
        except OSError as error:
            raise CommandError(f"无法读取文件：{error}") from None
        self.stdout.write(f"学籍信息 {count} 条，已导入。")
