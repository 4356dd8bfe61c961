"""The matter's form schema: each field type, cleaned exactly, with a Chinese message."""

from __future__ import annotations

import pytest

from shebao.applications.formschema import ApplicationDataInvalid, form_clean, form_display
from shebao.applications.tests.conftest import credit_code, id_number

SCHEMA = [
    {"name": "note", "label": "说明", "type": "text", "required": False, "max_length": 5},
    {"name": "detail", "label": "详情", "type": "textarea", "required": False},
    {"name": "day", "label": "日期", "type": "date", "required": False},
    {"name": "month", "label": "年月", "type": "month", "required": False},
    {"name": "count", "label": "人数", "type": "integer", "required": False},
    {"name": "base", "label": "基数", "type": "money", "required": False},
    {
        "name": "kind",
        "label": "类型",
        "type": "choice",
        "required": False,
        "choices": [["a", "甲"], ["b", "乙"]],
    },
    {"name": "who", "label": "身份证号", "type": "id_number", "required": False},
    {"name": "unit", "label": "信用代码", "type": "credit_code", "required": False},
    {"name": "phone", "label": "手机", "type": "mobile", "required": False},
    {"name": "account", "label": "账号", "type": "bank_account", "required": False},
    {"name": "agree", "label": "同意", "type": "bool", "required": True},
]


def errors_of(data, *, partial=True):
    with pytest.raises(ApplicationDataInvalid) as caught:
        form_clean(SCHEMA, data, partial=partial)
    return caught.value.errors


def test_every_type_is_cleaned_to_an_exact_json_value():
    who = id_number()
    unit = credit_code()
    cleaned = form_clean(
        SCHEMA,
        {
            "note": " 你好 ",
            "detail": "多行\n文字",
            "day": "2024-09-30",
            "month": "2024-9",
            "count": "12",
            "base": "8000",
            "kind": "b",
            "who": who.lower(),
            "unit": unit.lower(),
            "phone": "+86 138-0000-1234",
            "account": "6222 0202 0000 1234 567",
            "agree": "on",
        },
        partial=False,
    )
    assert cleaned == {
        "note": "你好",
        "detail": "多行\n文字",
        "day": "2024-09-30",
        "month": "2024-09",
        "count": 12,
        "base": "8000.00",
        "kind": "b",
        "who": who,
        "unit": unit,
        "phone": "13800001234",
        "account": "6222020200001234567",
        "agree": True,
    }


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("note", "一二三四五六", "不能超过5个字（当前6个）"),
        ("day", "2024-02-30", "应为有效日期，格式如 2024-09-30"),
        ("month", "2024-13", "“2024-13”不是有效的年月，应为“YYYY-MM”格式，如 2020-01"),
        ("count", "1.5", "应为整数"),
        ("base", "1.005", "金额最多保留两位小数（到分）"),
        ("base", "-1", "金额不能为负数"),
        ("base", 1.5, '金额请以字符串或整数提交，如 "1280.00"'),
        ("kind", "c", "请从列出的选项中选择"),
        ("who", "110105194912310021", "公民身份号码校验位不正确，请核对后重新输入"),
        ("phone", "12345", "手机号码应为11位数字"),
        ("account", "12ab", "银行账号应为8至30位数字"),
        ("agree", "maybe", "应为“是”或“否”"),
    ],
)
def test_each_bad_value_gets_its_message(field, value, message):
    assert errors_of({field: value}) == {field: message}


def test_a_draft_may_leave_required_fields_empty_but_a_submission_may_not():
    assert form_clean(SCHEMA, {}, partial=True) == {}
    assert errors_of({}, partial=False) == {"agree": "此项为必填项"}
    assert errors_of({"agree": False}, partial=False) == {"agree": "请确认并勾选此项"}
    assert form_clean(SCHEMA, {"agree": False}, partial=True) == {"agree": False}


def test_display_uses_labels_and_choice_names():
    rows = form_display(SCHEMA, {"kind": "a", "base": "10.00", "agree": True})
    assert rows == [("基数", "10.00 元"), ("类型", "甲"), ("同意", "是")]
