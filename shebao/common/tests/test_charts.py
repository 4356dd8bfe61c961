"""Server-drawn charts: exact geometry, escaped text, nothing loaded from anywhere."""

from __future__ import annotations

import re
from decimal import Decimal

from shebao.common.charts import Point, bar_chart, line_chart, nice_ceiling


def test_the_value_axis_tops_at_a_round_number():
    assert [nice_ceiling(Decimal(v)) for v in ("0", "0.4", "3", "4321", "20000", "21000")] == [
        Decimal(1),
        Decimal("0.5"),
        Decimal(5),
        Decimal(5000),
        Decimal(20000),
        Decimal(25000),
    ]


def test_bars_are_as_tall_as_their_values_on_the_axis():
    svg = bar_chart(
        [Point("2020-01", Decimal("2500")), Point("2020-02", Decimal("5000"))], title="合计"
    )
    heights = [
        Decimal(h) for h in re.findall(r'<rect class="chart-bar"[^>]* height="([\d.]+)"', svg)
    ]
    # A 240 px chart plots 196 px (16 above, 28 below); the axis tops at 5,000.
    assert heights == [Decimal(98), Decimal(196)]
    assert "2020-01：2,500.00 元" in svg and svg.count("<rect") == 2
    assert 'role="img"' in svg and "<title>合计</title>" in svg


def test_a_line_marks_each_point_and_labels_never_crowd():
    points = [Point(str(2000 + i), Decimal(3000 + 100 * i), note="12个月平均") for i in range(30)]
    svg = line_chart(points, title="基数")
    assert svg.count("<circle") == 30
    labels = re.findall(r'<text class="chart-label"[^>]*>([^<]*)</text>', svg)
    assert labels[0] == "2000" and len(labels) <= 12
    assert labels == [str(2000 + i) for i in range(0, 30, 30 // len(labels))]
    assert "2029：5,900.00 元（12个月平均）" in svg


def test_text_is_escaped_and_nothing_is_fetched():
    svg = line_chart([Point("<script>", Decimal(1))], title='"><img src=x>')
    assert "<script>" not in svg and "<img" not in svg
    assert "&lt;script&gt;" in svg and "&quot;&gt;&lt;img" in svg
    assert "href" not in svg
    assert line_chart([], title="空").count("<circle") == 0


def test_ticks_read_in_wan_on_an_axis_past_ten_thousand():
    svg = bar_chart([Point("1月", Decimal("241420"))], title="合计")
    ticks = re.findall(r'<text class="chart-tick"[^>]*>([^<]*)</text>', svg)
    assert ticks == ["0", "6.25万", "12.5万", "18.75万", "25万"]
    small = bar_chart([Point("1月", Decimal("4612"))], title="基数")
    assert re.findall(r'<text class="chart-tick"[^>]*>([^<]*)</text>', small) == [
        "0",
        "1,250",
        "2,500",
        "3,750",
        "5,000",
    ]
