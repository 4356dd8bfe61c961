"""Charts drawn on the server as inline SVG: no script, no file from elsewhere (the hall runs on
closed networks, and its Content-Security-Policy loads nothing but its own files). The colours
come from the hall's stylesheet (``.chart`` in hall.css).

A chart is a picture of numbers the page also lists in a table; it carries its title and every
value as text (``<title>`` per mark) for screen readers. Coordinates are computed in
``Decimal`` like everything else that touches money, and rounded to a tenth of a pixel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from html import escape

from django.utils.safestring import SafeString, mark_safe

from shebao.common.money import yuan_display

WIDTH = 640
HEIGHT = 240
# Room for the axis labels: left (the values), bottom (the labels), top and right margins.
LEFT, BOTTOM, TOP, RIGHT = 64, 28, 16, 12
TICKS = 4
# At most this many labels under the x axis; more points label every n-th one.
MAX_X_LABELS = 12
LABEL_CHAR, LABEL_GAP = 7, 10  # pixels: a label's character at 11 px, the gap between labels
TENTH = Decimal("0.1")


@dataclass(frozen=True)
class Point:
    """One value (yuan) under a label (a year, a month)."""

    label: str
    value: Decimal
    note: str = ""  # said in the mark's tooltip after the value


def nice_ceiling(value: Decimal) -> Decimal:
    """The smallest 1, 2, 2.5 or 5 × 10ⁿ at or above ``value`` (the top of the value axis)."""
    if value <= 0:
        return Decimal(1)
    exponent = value.adjusted()
    for step in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)):
        top = step.scaleb(exponent)
        if top >= value:
            return top
    return Decimal(10).scaleb(exponent)  # pragma: no cover - the loop always returns


def _n(value: Decimal) -> str:
    """A coordinate: a tenth of a pixel, no trailing zeros."""
    text = f"{value.quantize(TENTH, rounding=ROUND_HALF_UP)}"
    return text[:-2] if text.endswith(".0") else text


def _money(value: Decimal) -> str:
    return yuan_display(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _axis_label(value: Decimal, top: Decimal) -> str:
    """A tick's label: whole yuan with thousands separators; on an axis reaching 10,000 or
    more, every tick in 万 (ten thousand yuan)."""
    if top >= 10_000:
        return "0" if value == 0 else f"{(value / 10_000).normalize():f}万"
    return f"{value.quantize(Decimal(1), rounding=ROUND_CEILING):,}"


class _Frame:
    def __init__(self, points: Sequence[Point], width: int, height: int) -> None:
        self.points = list(points)
        self.width, self.height = width, height
        self.plot_w = Decimal(width - LEFT - RIGHT)
        self.plot_h = Decimal(height - TOP - BOTTOM)
        self.top = nice_ceiling(max((p.value for p in self.points), default=Decimal(0)))

    def y(self, value: Decimal) -> Decimal:
        return TOP + self.plot_h - self.plot_h * max(value, Decimal(0)) / self.top

    def grid(self) -> list[str]:
        parts = []
        for i in range(TICKS + 1):
            value = self.top * i / TICKS
            y = _n(self.y(value))
            parts.append(
                f'<line class="chart-grid" x1="{LEFT}" y1="{y}" x2="{self.width - RIGHT}" y2="{y}"/>'
                f'<text class="chart-tick" x="{LEFT - 6}" y="{y}" text-anchor="end" '
                f'dominant-baseline="middle">{escape(_axis_label(value, self.top))}</text>'
            )
        return parts

    def x_labels(self, centres: list[Decimal]) -> list[str]:
        # Label every n-th point so that labels never overlap (about 7 px a character).
        widest = max(len(p.label) for p in self.points) * LABEL_CHAR + LABEL_GAP
        fits = max(1, min(MAX_X_LABELS, int(self.plot_w) // widest))
        every = max(1, -(-len(self.points) // fits))
        baseline = self.height - BOTTOM + 16
        return [
            f'<text class="chart-label" x="{_n(x)}" y="{baseline}" text-anchor="middle">'
            f"{escape(p.label)}</text>"
            for index, (p, x) in enumerate(zip(self.points, centres, strict=True))
            if index % every == 0
        ]

    def svg(self, title: str, body: list[str], kind: str) -> SafeString:
        label = escape(title)
        return mark_safe(  # every text above is escaped
            f'<svg class="chart chart-{kind}" viewBox="0 0 {self.width} {self.height}" '
            f'role="img" aria-label="{label}" xmlns="http://www.w3.org/2000/svg">'
            f"<title>{label}</title>{''.join(self.grid())}{''.join(body)}</svg>"
        )


def _tooltip(point: Point) -> str:
    note = f"（{point.note}）" if point.note else ""
    return escape(f"{point.label}：{_money(point.value)} 元{note}")


def line_chart(
    points: Sequence[Point], *, title: str, width: int = WIDTH, height: int = HEIGHT
) -> SafeString:
    """A line through the points, evenly spaced, each point marked with its value as text."""
    frame = _Frame(points, width, height)
    count = len(frame.points)
    if count == 0:
        return frame.svg(title, [], "line")
    step = frame.plot_w / count
    xs = [LEFT + step * i + step / 2 for i in range(count)]
    ys = [frame.y(p.value) for p in frame.points]
    path = " ".join(f"{_n(x)},{_n(y)}" for x, y in zip(xs, ys, strict=True))
    body = [f'<polyline class="chart-line" fill="none" points="{path}"/>']
    body += [
        f'<circle class="chart-dot" cx="{_n(x)}" cy="{_n(y)}" r="3.5"><title>{_tooltip(p)}</title>'
        "</circle>"
        for p, x, y in zip(frame.points, xs, ys, strict=True)
    ]
    return frame.svg(title, body + frame.x_labels(xs), "line")


def bar_chart(
    points: Sequence[Point], *, title: str, width: int = WIDTH, height: int = HEIGHT
) -> SafeString:
    """A bar per point from zero, each with its value as text."""
    frame = _Frame(points, width, height)
    count = len(frame.points)
    if count == 0:
        return frame.svg(title, [], "bar")
    step = frame.plot_w / count
    bar = step * Decimal("0.7")
    xs = [LEFT + step * i + step / 2 for i in range(count)]
    base = frame.y(Decimal(0))
    body = []
    for point, x in zip(frame.points, xs, strict=True):
        y = frame.y(point.value)
        body.append(
            f'<rect class="chart-bar" x="{_n(x - bar / 2)}" y="{_n(y)}" width="{_n(bar)}" '
            f'height="{_n(base - y)}"><title>{_tooltip(point)}</title></rect>'
        )
    return frame.svg(title, body + frame.x_labels(xs), "bar")
