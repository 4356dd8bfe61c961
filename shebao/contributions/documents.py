"""The bill (征集单) as a PDF file: the same figures as the bill page, every line included."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from shebao.common import pdf
from shebao.common.money import from_fen, yuan_display
from shebao.contributions import selectors
from shebao.contributions.models import Bill


def _yuan(fen: int) -> str:
    return yuan_display(from_fen(fen))


def bill_pdf(*, bill: Bill) -> bytes:
    """The bill's PDF (the bill comes from :func:`selectors.bill_for_reader`, which checked the
    scope): its totals, the adjustments carried in and every line by employee and insurance."""
    agency = settings.SHEBAO_AGENCY_NAME
    now = timezone.localtime()
    document = pdf.PdfDocument(
        title=f"社会保险费征集单 {bill.number}",
        author=agency,
        subject=f"{bill.month.label()} 社会保险费征集单",
        footer=f"{agency} · 征集单 {bill.number} · 打印时间 {now:%Y-%m-%d %H:%M}",
    )
    document.title("社会保险费征集单")
    document.space()
    if bill.unit is not None:
        payer = f"{bill.unit.name}（统一社会信用代码 {bill.unit.credit_code}）"
    else:
        payer = f"{bill.person.name}（个人缴费）"
    status = bill.get_status_display()
    if bill.confirmed_at:
        status += f"（单位已于 {timezone.localtime(bill.confirmed_at):%Y-%m-%d %H:%M} 确认）"
    fields = [
        ("征集单号", bill.number),
        ("缴费主体", payer),
        ("统筹地区", bill.region.name),
        ("费款所属年月", bill.month.label()),
        ("缴费截止日期", f"{bill.due_date:%Y年%m月%d日}"),
        ("单位缴费合计", f"{_yuan(bill.unit_total_fen)} 元"),
        ("个人缴费合计", f"{_yuan(bill.individual_total_fen)} 元"),
    ]
    if bill.adjustment_count:
        fields += [
            ("以前月份补退（单位）", f"{_yuan(bill.adjustment_unit_fen)} 元"),
            ("以前月份补退（个人）", f"{_yuan(bill.adjustment_individual_fen)} 元"),
        ]
    fields += [
        ("应缴合计", f"{_yuan(bill.total_fen)} 元"),
        ("状态", status),
        ("明细", f"{bill.line_count} 笔"),
    ]
    document.fields(fields, label_width=40 * pdf.mm)
    if bill.provisional:
        document.space()
        document.paragraph(
            "本月部分政策参数为临时标准（如缴费基数上下限待公布），正式标准公布后多退少补。",
            size=pdf.SMALL_SIZE,
        )
    if bill.adjustment_count:
        document.heading(f"以前月份补退（多退少补，{bill.adjustment_count} 笔）")
        adjustments = selectors.bill_adjustments(bill=bill, limit=bill.adjustment_count)
        document.table(
            [
                pdf.Column("所属年月", 22),
                pdf.Column("姓名", 22),
                pdf.Column("险种", 32),
                pdf.Column("原因", 34),
                pdf.Column("单位补退", 28, "right"),
                pdf.Column("个人补退", 0, "right"),
            ],
            (
                (
                    a.month.label(),
                    a.name,
                    a.insurance_label,
                    a.cause_label,
                    _yuan(a.unit_diff_fen),
                    _yuan(a.individual_diff_fen),
                )
                for a in adjustments
            ),
        )
    document.heading("缴费明细")
    _, lines = selectors.bill_lines(bill=bill)
    document.table(
        [
            pdf.Column("姓名", 20),
            pdf.Column("公民身份号码", 38),
            pdf.Column("险种", 34),
            pdf.Column("缴费基数", 26, "right"),
            pdf.Column("单位缴费", 28, "right"),
            pdf.Column("个人缴费", 0, "right"),
        ],
        (
            (
                line.name,
                line.id_number,
                line.insurance_label + (f"（{line.injury_class}类）" if line.injury_class else ""),
                _yuan(line.base_fen),
                _yuan(line.unit_fen),
                _yuan(line.individual_fen),
            )
            for line in lines
        ),
        empty="本单没有缴费明细",
    )
    return document.build()
