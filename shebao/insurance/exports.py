"""Spreadsheet files of the insurance records (.xlsx, written streaming with openpyxl)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING
from urllib.parse import quote

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook

from shebao.insurance import selectors

if TYPE_CHECKING:
    from shebao.accounts.actors import Actor
    from shebao.registry.models import Unit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

ROSTER_HEADER = [
    "序号",
    "公民身份号码",
    "姓名",
    "参保险种",
    "本次参保起始年月",
    "终止年月",
    "状态",
    "用工单位或项目",
]


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "private, no-store"
    return response


def roster_workbook(
    *, actor: Actor, unit: Unit, insurance: str | None, status: str | None, q: str | None
) -> bytes:
    """The unit's roster as an .xlsx file: every row the filters select."""
    _, rows = selectors.unit_roster(
        actor=actor, unit=unit, insurance=insurance, status=status, q=q, limit=None
    )
    book = Workbook(write_only=True)
    sheet = book.create_sheet("参保人员名册")
    sheet.column_dimensions["B"].width = 22
    sheet.column_dimensions["D"].width = 44
    sheet.append([f"{unit.name}（{unit.credit_code}）参保人员名册"])
    sheet.append([f"导出时间：{timezone.localtime():%Y-%m-%d %H:%M}，共{len(rows)}人"])
    sheet.append(ROSTER_HEADER)
    for number, row in enumerate(rows, start=1):
        sheet.append(
            [
                number,
                row.id_number,
                row.name,
                "、".join(row.insurance_labels),
                str(row.start_month),
                str(row.end_month) if row.end_month else "",
                row.status_label,
                row.placement,
            ]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def roster_response(
    *, actor: Actor, unit: Unit, insurance: str | None, status: str | None, q: str | None
) -> HttpResponse:
    content = roster_workbook(actor=actor, unit=unit, insurance=insurance, status=status, q=q)
    today = timezone.localdate()
    return xlsx_response(content, f"参保人员名册-{unit.credit_code}-{today:%Y%m%d}.xlsx")
