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
