"""A bill as an .xlsx file (openpyxl): the bill's head and totals, every employee's lines and the
adjustments carried in. Built from the same selectors as the bill's page and API."""

from __future__ import annotations

import io

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook

from shebao.common.money import from_fen
from shebao.contributions import selectors
from shebao.contributions.models import BaseSource, Bill
from shebao.insurance.exports import xlsx_response

LINE_HEADER = [
    "序号",
    "姓名",
    "公民身份号码",
    "险种",
    "缴费基数（元）",
    "单位缴费（元）",
    "个人缴费（元）",
    "合计（元）",
    "工伤风险类别",
    "基数来源",
]
ADJUSTMENT_HEADER = [
    "费款所属年月",
    "姓名",
    "公民身份号码",
    "险种",
    "原因",
    "调整后缴费基数（元）",
    "单位补退（元）",
    "个人补退（元）",
]
# Every adjustment of the bill goes into the file (the page shows the first ones).
ADJUSTMENTS_MAX = 1_000_000


def bill_workbook(bill: Bill) -> bytes:
    """Every line of ``bill`` (read through :func:`selectors.bill_for_reader`), as .xlsx:
    amounts as numbers in yuan with two decimals."""
    _total, lines = selectors.bill_lines(bill=bill)
    payer = (
        f"{bill.unit.name}（{bill.unit.credit_code}）"
        if bill.unit_id
        else f"{bill.person.name}（{bill.person.id_number}）"
    )
    book = Workbook(write_only=True)
    sheet = book.create_sheet("缴费明细")
    for column, width in zip("ABCDEFGHIJ", (6, 10, 22, 14, 14, 14, 14, 14, 12, 14), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.append([f"社会保险费征集单 {bill.number}"])
    sheet.append([f"缴费主体：{payer}"])
    sheet.append(
        [
            f"费款所属期：{bill.month.label()}",
            None,
            f"缴费截止日期：{bill.due_date:%Y-%m-%d}",
            None,
            f"状态：{bill.get_status_display()}",
        ]
    )
    sheet.append(
        [
            "单位缴费合计",
            from_fen(bill.unit_total_fen),
            "个人缴费合计",
            from_fen(bill.individual_total_fen),
            "以前月份补退",
            from_fen(bill.adjustment_fen),
            "应缴合计",
            from_fen(bill.total_fen),
        ]
    )
    sheet.append([f"导出时间：{timezone.localtime():%Y-%m-%d %H:%M}，共{len(lines)}笔明细"])
    sheet.append(LINE_HEADER)
    for number, line in enumerate(lines, start=1):
        sheet.append(
            [
                number,
                line.name,
                line.id_number,
                line.insurance_label,
                line.base,
                line.unit,
                line.individual,
                from_fen(line.unit_fen + line.individual_fen),
                line.injury_class,
                BaseSource(line.base_source).label,
            ]
        )
    if bill.adjustment_count:
        extra = book.create_sheet("以前月份补退")
        extra.append(ADJUSTMENT_HEADER)
        for a in selectors.bill_adjustments(bill=bill, limit=ADJUSTMENTS_MAX):
            extra.append(
                [
                    str(a.month),
                    a.name,
                    a.id_number,
                    a.insurance_label,
                    a.cause_label,
                    a.base,
                    a.unit,
                    a.individual,
                ]
            )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def bill_response(bill: Bill) -> HttpResponse:
    return xlsx_response(bill_workbook(bill), f"征集单-{bill.number}.xlsx")
