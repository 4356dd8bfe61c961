import pytest

from shebao.common.text import sentence


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("材料不全", "材料不全。"),
        ("材料不全。", "材料不全。"),
        ("材料不全。。", "材料不全。"),
        ("  核查不符！ ", "核查不符！"),
        ("是否本人？", "是否本人？"),
        ("see above.", "see above。"),
        ("", ""),
    ],
)
def test_a_typed_reason_ends_in_one_mark(typed, shown):
    assert sentence(typed) == shown


def test_relative_time_has_one_style():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from shebao.common.text import relative_time

    tz = ZoneInfo("Asia/Shanghai")
    now = datetime(2026, 3, 2, 10, 0, tzinfo=tz)
    said = {
        relative_time(datetime(2026, 3, 2, 9, 59, 30, tzinfo=tz), now),
        relative_time(datetime(2026, 3, 2, 9, 35, tzinfo=tz), now),
        relative_time(datetime(2026, 3, 2, 7, 5, tzinfo=tz), now),
        relative_time(datetime(2026, 3, 1, 16, 5, tzinfo=tz), now),
        relative_time(datetime(2026, 1, 9, 8, 0, tzinfo=tz), now),
        relative_time(datetime(2025, 12, 31, 8, 0, tzinfo=tz), now),
    }
    assert said == {
        "刚刚",
        "25分钟前",
        "今天 07:05",
        "昨天 16:05",
        "1月9日 08:00",
        "2025年12月31日",
    }


def test_no_template_says_relative_time_another_way():
    """Every relative time goes through the ``when`` filter: not naturaltime, not timesince."""
    from pathlib import Path

    import shebao

    root = Path(shebao.__file__).parent
    others = [
        str(path.relative_to(root))
        for path in root.glob("*/templates/**/*.html")
        if any(
            f in path.read_text(encoding="utf-8") for f in ("naturaltime", "timesince", "timeuntil")
        )
    ]
    assert others == []
