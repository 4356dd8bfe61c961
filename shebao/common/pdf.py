"""PDF documents in Chinese: bills, certificates, receipts.

Every PDF the hall produces embeds a TrueType subset of 文泉驿微米黑 (WenQuanYi Micro Hei,
Apache-2.0, shipped in ``shebao/common/fonts/``; see its README there). The subset carries a
``ToUnicode`` map, so the text can be extracted and searched, and the file displays on a machine
with no Chinese font installed. reportlab's built-in CID fonts (``STSong-Light``) are *not*
embedded and would need the reader's own font: never use them.

The layout is a small flow on a reportlab canvas (title, key–value fields, tables that continue
on the next page with their header repeated, paragraphs, a QR code): fast enough to build tens of
documents a second and a table of 25,000 rows in a few seconds, and simple to read. Amounts and
dates are formatted by the caller; this module only sets text.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

import segno
from django.http import HttpResponse
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FILE = FONT_DIR / "wqy-microhei.ttc"
FONT_NAME = "WenQuanYiMicroHei"  # the PostScript name the embedded subset carries
PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 18 * mm
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
FOOTER_HEIGHT = 12 * mm
BODY_SIZE = 10.5
SMALL_SIZE = 8.5
TABLE_SIZE = 9
ROW_HEIGHT = 5.6 * mm
MIME_TYPE = "application/pdf"
QR_MASK = 2  # QR mask pattern 2 (column j % 3 == 0), the same for every code


@lru_cache(maxsize=1)
def font_name() -> str:
    """Register the embedded CJK font once per process (reading it takes ~0.15 s)."""
    pdfmetrics.registerFont(TTFont(FONT_NAME, str(FONT_FILE), subfontIndex=0))
    return FONT_NAME


def text_width(text: str, size: float) -> float:
    return pdfmetrics.stringWidth(text, font_name(), size)


def fit(text: str, width: float, size: float) -> str:
    """``text`` cut to ``width`` points with an ellipsis (table cells are one line)."""
    # No glyph of the font is wider than 1.2 em: most cells need no measuring at all.
    if len(text) * size * 1.2 <= width or text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text + "…"


def wrap(text: str, width: float, size: float) -> list[str]:
    """Lines of at most ``width`` points. Chinese breaks between any two characters; a run of
    Latin letters or digits is kept whole where it fits on a line."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for char in paragraph:
            if text_width(line + char, size) <= width:
                line += char
                continue
            cut = len(line)
            if char.isascii() and char.isalnum():
                # Move back to the start of the Latin word, if the line has something before it.
                while cut > 0 and line[cut - 1].isascii() and line[cut - 1].isalnum():
                    cut -= 1
                if cut == 0:
                    cut = len(line)
            lines.append(line[:cut])
            line = line[cut:] + char
        lines.append(line)
    return lines


@dataclass(frozen=True)
class Column:
    label: str
    width: float  # in millimetres; the last column takes what is left when 0
    align: str = "left"  # "left", "right" or "center"


class PdfDocument:
    """A flow of blocks on A4 pages with a footer on each page.

    ``footer`` is printed at the bottom of every page with the page number. ``build()`` returns
    the file's bytes; a document is built once.
    """

    def __init__(
        self, *, title: str, author: str, subject: str = "", footer: str = "", keywords: str = ""
    ) -> None:
        self._buffer = io.BytesIO()
        self._canvas = canvas.Canvas(
            self._buffer, pagesize=A4, pageCompression=1, initialFontName=font_name()
        )
        self._canvas.setTitle(title)
        self._canvas.setAuthor(author)
        self._canvas.setCreator(author)
        self._canvas.setProducer(author)
        self._canvas.setSubject(subject or title)
        if keywords:
            self._canvas.setKeywords(keywords)
        self._footer = footer
        self._page = 1
        self._y = PAGE_HEIGHT - MARGIN
        self._font = font_name()

    # --- layout ---------------------------------------------------------------------------

    @property
    def y(self) -> float:
        return self._y

    @property
    def page(self) -> int:
        return self._page

    def _bottom(self) -> float:
        return MARGIN + FOOTER_HEIGHT

    def _finish_page(self) -> None:
        c = self._canvas
        c.setFont(self._font, SMALL_SIZE)
        c.setFillGray(0.35)
        if self._footer:
            c.drawString(MARGIN, MARGIN, self._footer)
        c.drawRightString(PAGE_WIDTH - MARGIN, MARGIN, f"第 {self._page} 页")
        c.setFillGray(0)

    def new_page(self) -> None:
        self._finish_page()
        self._canvas.showPage()
        self._page += 1
        self._y = PAGE_HEIGHT - MARGIN

    def need(self, height: float) -> None:
        """Start a new page unless ``height`` points fit above the footer."""
        if self._y - height < self._bottom():
            self.new_page()

    def space(self, height: float = 3 * mm) -> None:
        self._y -= height

    # --- blocks ---------------------------------------------------------------------------

    def title(self, text: str, *, size: float = 18) -> None:
        self.need(size * 1.8)
        self._y -= size
        self._canvas.setFont(self._font, size)
        self._canvas.drawCentredString(PAGE_WIDTH / 2, self._y, text)
        self._y -= size * 0.8

    def heading(self, text: str, *, size: float = 12) -> None:
        self.need(size * 2.2 + ROW_HEIGHT)
        self._y -= size * 1.4
        self._canvas.setFont(self._font, size)
        self._canvas.drawString(MARGIN, self._y, text)
        self._y -= size * 0.6

    def paragraph(
        self, text: str, *, size: float = BODY_SIZE, width: float | None = None, gray: float = 0
    ) -> None:
        width = width or CONTENT_WIDTH
        self._canvas.setFillGray(gray)
        for line in wrap(text, width, size):
            self.need(size * 1.5)
            self._y -= size * 1.5
            self._canvas.setFont(self._font, size)
            self._canvas.drawString(MARGIN, self._y, line)
        self._canvas.setFillGray(0)

    def fields(
        self,
        pairs: Sequence[tuple[str, str]],
        *,
        label_width: float = 32 * mm,
        width: float | None = None,
        size: float = BODY_SIZE,
    ) -> None:
        """Label–value lines, the value wrapped beside its label."""
        width = width or CONTENT_WIDTH
        for label, value in pairs:
            lines = wrap(value, width - label_width, size)
            for index, line in enumerate(lines):
                self.need(size * 1.6)
                self._y -= size * 1.6
                self._canvas.setFont(self._font, size)
                if index == 0:
                    self._canvas.setFillGray(0.35)
                    self._canvas.drawString(MARGIN, self._y, label)
                    self._canvas.setFillGray(0)
                self._canvas.drawString(MARGIN + label_width, self._y, line)

    def table(
        self,
        columns: Sequence[Column],
        rows: Iterable[Sequence[str]],
        *,
        size: float = TABLE_SIZE,
        empty: str = "（无）",
    ) -> int:
        """A ruled table of one-line cells; the header repeats on each page. Returns the
        number of rows drawn."""
        widths = [column.width * mm for column in columns]
        if widths and widths[-1] == 0:
            widths[-1] = CONTENT_WIDTH - sum(widths[:-1])
        lefts = [MARGIN + sum(widths[:i]) for i in range(len(widths))]
        c = self._canvas
        pad = 1.5 * mm

        def cell(index: int, text: str, y: float) -> None:
            column, left, width = columns[index], lefts[index], widths[index]
            shown = fit(text, width - 2 * pad, size)
            if column.align == "right":
                c.drawRightString(left + width - pad, y, shown)
            elif column.align == "center":
                c.drawCentredString(left + width / 2, y, shown)
            else:
                c.drawString(left + pad, y, shown)

        def header() -> None:
            self.need(2 * ROW_HEIGHT)
            top = self._y
            c.setFillGray(0.92)
            c.rect(MARGIN, top - ROW_HEIGHT, sum(widths), ROW_HEIGHT, stroke=0, fill=1)
            c.setFillGray(0)
            c.setFont(self._font, size)
            for index, column in enumerate(columns):
                cell(index, column.label, top - ROW_HEIGHT + 1.7 * mm)
            self._y = top - ROW_HEIGHT
            c.setLineWidth(0.4)
            c.line(MARGIN, self._y, MARGIN + sum(widths), self._y)

        header()
        count = 0
        c.setLineWidth(0.2)
        for values in rows:
            if self._y - ROW_HEIGHT < self._bottom():
                self.new_page()
                header()
                c.setLineWidth(0.2)
            c.setFont(self._font, size)
            baseline = self._y - ROW_HEIGHT + 1.7 * mm
            for index, value in enumerate(values):
                cell(index, value, baseline)
            self._y -= ROW_HEIGHT
            c.setStrokeGray(0.75)
            c.line(MARGIN, self._y, MARGIN + sum(widths), self._y)
            c.setStrokeGray(0)
            count += 1
        if count == 0:
            c.setFont(self._font, size)
            self._y -= ROW_HEIGHT
            c.drawString(MARGIN + pad, self._y + 1.7 * mm, empty)
        self._y -= 2 * mm
        return count

    def qr_code(self, data: str, *, size: float = 28 * mm, caption: Sequence[str] = ()) -> None:
        """A QR code at the right margin with caption lines to its left.

        The matrix comes from segno and is drawn as one path of filled runs (reportlab's own
        QR widget takes ~50 ms a code: more than the whole rest of a certificate). The mask
        pattern is fixed (``QR_MASK``): any of the eight decodes the same; segno's search for
        the best-scoring one applies and scores all eight, three quarters of the code's cost."""
        self.need(size + 2 * mm)
        top = self._y
        matrix = segno.make_qr(data, error="m", mask=QR_MASK).matrix
        modules = len(matrix) + 8  # a quiet zone of 4 modules around the code
        step = size / modules
        left = PAGE_WIDTH - MARGIN - size + 4 * step
        path = self._canvas.beginPath()
        for r, row in enumerate(matrix):
            y = top - (r + 5) * step
            c = 0
            while c < len(row):
                if not row[c]:
                    c += 1
                    continue
                start = c
                while c < len(row) and row[c]:
                    c += 1
                path.rect(left + start * step, y, (c - start) * step, step)
        self._canvas.drawPath(path, stroke=0, fill=1)
        self._canvas.setFont(self._font, SMALL_SIZE)
        y = top - SMALL_SIZE * 1.6
        for line in caption:
            for part in wrap(line, CONTENT_WIDTH - size - 6 * mm, SMALL_SIZE):
                self._canvas.drawString(MARGIN, y, part)
                y -= SMALL_SIZE * 1.6
        self._y = min(top - size, y) - 2 * mm

    def build(self) -> bytes:
        self._finish_page()
        self._canvas.save()
        return self._buffer.getvalue()


def embedded_fonts(data: bytes) -> list[tuple[str, bool]]:
    """``(base font name, embedded?)`` for each font the PDF's pages use (for tests and checks:
    every font must be embedded)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    found: dict[str, bool] = {}
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        fonts = resources.get("/Font") or {}
        for ref in fonts.values():
            font = ref.get_object()
            descriptor = font.get("/FontDescriptor")
            if descriptor is None and "/DescendantFonts" in font:
                descriptor = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            descriptor = descriptor.get_object() if descriptor is not None else {}
            embedded = any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3"))
            name = str(font.get("/BaseFont", ""))
            found[name] = found.get(name, True) and embedded
    return sorted(found.items())


def extract_text(data: bytes) -> str:
    """All the text of the PDF's pages, as a reader's copy-and-paste would give it."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def pdf_response(content: bytes, filename: str, *, inline: bool = True) -> HttpResponse:
    """The file for a browser: shown in its PDF viewer (``inline``) or saved, never cached by
    shared caches (the documents are personal)."""
    response = HttpResponse(content, content_type=MIME_TYPE)
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(filename)}"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
