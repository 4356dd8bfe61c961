"""The 仲裁申请书 (arbitration application) as a Word document (.docx) to fill in beforehand
(seed 004: download and fill in the documents, bring them with the identity papers): blank, or
filled with a case's parties and claims.

A .docx is a zip of a few XML parts (ECMA-376, WordprocessingML); the three written here are
all Word, WPS and LibreOffice need. Text is escaped as XML, so nothing typed into a case can
change the document's structure.
"""

from __future__ import annotations

import io
import zipfile
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from shebao.common.identifiers import mask_id_number
from shebao.common.money import from_fen, money_str

if TYPE_CHECKING:
    from shebao.disputes.models import DisputeCase

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/>'
    "</Relationships>"
)
_FONT = '<w:rFonts w:ascii="SimSun" w:hAnsi="SimSun" w:eastAsia="宋体"/>'


def _run(text: str, *, bold: bool = False, size: int = 24) -> str:
    props = f'{_FONT}{"<w:b/>" if bold else ""}<w:sz w:val="{size}"/>'
    lines = (text or "").split("\n")
    body = "<w:br/>".join(f'<w:t xml:space="preserve">{escape(line)}</w:t>' for line in lines)
    return f"<w:r><w:rPr>{props}</w:rPr>{body}</w:r>"


def _para(text: str = "", *, bold: bool = False, size: int = 24, align: str = "") -> str:
    justify = f'<w:jc w:val="{align}"/>' if align else ""
    return f'<w:p><w:pPr>{justify}<w:spacing w:after="120"/></w:pPr>{_run(text, bold=bold, size=size)}</w:p>'


def _cell(text: str, *, width: int, bold: bool = False, span: int = 1) -> str:
    grid = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
    return (
        f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{grid}</w:tcPr>'
        f"{_para(text, bold=bold)}</w:tc>"
    )


def _table(rows: list[list[tuple[str, int, bool, int]]]) -> str:
    border = "".join(
        f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
        for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    body = "".join(
        "<w:tr>" + "".join(_cell(t, width=w, bold=b, span=s) for t, w, b, s in row) + "</w:tr>"
        for row in rows
    )
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in (1800, 2700, 1800, 2700))
    return (
        f'<w:tbl><w:tblPr><w:tblW w:w="9000" w:type="dxa"/><w:tblBorders>{border}</w:tblBorders>'
        f"</w:tblPr><w:tblGrid>{grid}</w:tblGrid>{body}</w:tbl>"
    )


def _pair(
    label_a: str, value_a: str, label_b: str, value_b: str
) -> list[tuple[str, int, bool, int]]:
    return [
        (label_a, 1800, True, 1),
        (value_a, 2700, False, 1),
        (label_b, 1800, True, 1),
        (value_b, 2700, False, 1),
    ]


def _wide(label: str, value: str) -> list[tuple[str, int, bool, int]]:
    return [(label, 1800, True, 1), (value, 7200, False, 3)]


def arbitration_application_docx(*, case: DisputeCase | None = None, committee: str = "") -> bytes:
    """The 仲裁申请书: blank lines to fill in, or the case's parties and claims filled in (the
    worker's ID number masked but for the first and last digits)."""
    worker = unit = ("", "", "")
    claims = facts = amount = ""
    if case is not None:
        worker = (case.worker_name, mask_id_number(case.worker_id_number), case.worker_mobile)
        unit = (case.unit.name, case.unit.credit_code, case.unit.legal_rep_name)
        claims, facts = case.claims, case.facts
        if case.claim_amount_fen is not None:
            amount = f"{money_str(from_fen(case.claim_amount_fen))} 元"
    applicant_is_worker = case is None or case.applicant_role == case.Role.WORKER
    first, second = (
        ("申请人（劳动者）", "被申请人（用人单位）")
        if applicant_is_worker
        else (
            "被申请人（劳动者）",
            "申请人（用人单位）",
        )
    )
    person_rows = [
        _wide(first, ""),
        _pair("姓名", worker[0], "性别", ""),
        _pair("公民身份号码", worker[1], "联系电话", worker[2]),
        _wide("住址", ""),
    ]
    unit_rows = [
        _wide(second, ""),
        _pair("单位名称", unit[0], "统一社会信用代码", unit[1]),
        _pair("法定代表人", unit[2], "联系电话", ""),
        _wide("住所", ""),
    ]
    blocks = (person_rows + unit_rows) if applicant_is_worker else (unit_rows + person_rows)
    blank = "\n\n\n\n"
    rows = [
        *blocks,
        _wide("仲裁请求", (claims + (f"\n请求金额合计：{amount}" if amount else "")) or blank),
        _wide("事实和理由", facts or blank + "\n\n"),
        _wide("证据和证据来源、证人姓名和住所", blank),
    ]
    body = "".join(
        [
            _para("劳动人事争议仲裁申请书", bold=True, size=36, align="center"),
            _table(rows),
            _para(""),
            _para("此致"),
            _para(f"{committee or '＿＿＿＿＿＿'}劳动人事争议仲裁委员会"),
            _para("申请人（签名或盖章）：＿＿＿＿＿＿", align="right"),
            _para("＿＿＿＿年＿＿月＿＿日", align="right"),
            _para(
                "说明：申请书一式两份（被申请人每增加一人增加一份）。现场办理时请一并提交身份证明"
                "复印件（附原件审核）和证据材料。",
                size=20,
            ),
        ]
    )
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{W}"><w:body>{body}'
        '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/>'
        '<w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" w:header="720"'
        ' w:footer="720" w:gutter="0"/></w:sectPr></w:body></w:document>'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("word/document.xml", document)
    return buffer.getvalue()
