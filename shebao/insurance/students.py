"""The education department's shared student data (学籍信息共享), read from its CSV file.

The file is UTF-8 (a byte-order mark is allowed) with the header
``公民身份号码,姓名,学校,入学年月,离校年月`` (months as ``YYYY-MM``; 离校年月 may be empty while the
student is at school). Every row is checked before anything is written: one bad row and the file
is refused with every problem (row, column, reason), like a staff-change roster
(:func:`~shebao.insurance.services.student_statuses_record` checks the rows against the registry).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

from shebao.common.errors import DomainError
from shebao.common.identifiers import normalize_id_number
from shebao.common.periods import YearMonth
from shebao.insurance.services import LineProblem, LinesRefused, StudentRecord

COLUMNS = ("公民身份号码", "姓名", "学校", "入学年月", "离校年月")


def _month(raw: str, column: str, line: int, problems: list[LineProblem]) -> YearMonth | None:
    try:
        return YearMonth.parse(raw.strip())
    except DomainError:
        problems.append(LineProblem(line, column, f"“{raw}”不是有效的年月（应为YYYY-MM）"))
        return None


def student_file_read(lines: Iterable[str]) -> tuple[list[StudentRecord], list[LineProblem]]:
    """The readable rows of a shared student file and the problems of the others (a file
    without the columns raises :class:`LinesRefused`)."""
    reader = csv.DictReader(lines)
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise LinesRefused([LineProblem(1, c, "缺少此列") for c in missing], code="FILE_COLUMNS")
    records: list[StudentRecord] = []
    problems: list[LineProblem] = []
    for line, row in enumerate(reader, start=2):
        values: dict[str, Any] = {c: (row.get(c) or "").strip() for c in COLUMNS}
        try:
            number = normalize_id_number(values["公民身份号码"], field=None)
        except DomainError as error:
            problems.append(LineProblem(line, "公民身份号码", error.message))
            number = ""
        if not values["姓名"]:
            problems.append(LineProblem(line, "姓名", "须填写"))
        if not values["学校"]:
            problems.append(LineProblem(line, "学校", "须填写"))
        admitted = _month(values["入学年月"], "入学年月", line, problems)
        leaves = (
            _month(values["离校年月"], "离校年月", line, problems) if values["离校年月"] else None
        )
        if number and admitted is not None:
            records.append(
                StudentRecord(line, number, values["姓名"], values["学校"][:100], admitted, leaves)
            )
    return records, problems
