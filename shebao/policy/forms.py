"""Staff forms for recording and finalizing parameter values.

The value is typed as text and turned into the JSON the schema expects according to the
parameter's kind; the service then checks it against the schema.
"""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms

from shebao.common.errors import DomainError
from shebao.common.text import json_loads
from shebao.common.trace import FINAL, PROVISIONAL
from shebao.policy.schema import ParameterSpec

VALUE_HELP = {
    "money": "金额（元），如 2767.00",
    "rate": "比例，可写 16% 或 0.16",
    "decimal": "数值，如 1.2",
    "int": "整数",
    "bool": "填“是”或“否”",
    "date": "日期，如 1998-01-01",
    "text": "文字",
    "rounding": 'JSON，如 {"step": "0.01", "mode": "ROUND_HALF_UP"}（step 为 0.01 分、0.1 角、1 元）',
    "json": 'JSON，格式同当前取值；金额、比例写成带引号的字符串（如 "0.16"），档次、月数等整数不加引号',
}


def value_to_text(spec: ParameterSpec, stored: Any) -> str:
    """The stored (JSON) value as the text the form shows."""
    if stored is None:
        return ""
    if spec.kind in {"json", "rounding"}:
        return json.dumps(stored, ensure_ascii=False, indent=1)
    if spec.kind == "bool":
        return "是" if stored else "否"
    return str(stored)


def value_from_text(spec: ParameterSpec, text: str) -> Any:
    """The JSON value for ``spec`` typed as ``text``; ValueError with a Chinese message."""
    text = (text or "").strip()
    if not text:
        if spec.nullable:
            return None
        raise ValueError("请填写取值")
    kind = spec.kind
    if kind in {"money", "decimal"}:
        return text.replace(",", "").replace("，", "")
    if kind == "rate":
        if text.endswith(("%", "％")):
            try:
                return format(Decimal(text[:-1].strip()) / 100, "f")
            except InvalidOperation:
                raise ValueError(f"“{text}”不是有效的百分比") from None
        return text
    if kind == "int":
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"“{text}”不是整数") from None
    if kind == "bool":
        mapping = {"是": True, "否": False, "true": True, "false": False}
        if text.lower() not in mapping:
            raise ValueError("请填写“是”或“否”")
        return mapping[text.lower()]
    if kind in {"json", "rounding"}:
        try:
            return json_loads(text)  # strict: no NaN/Infinity, no unstorable characters
        except json.JSONDecodeError as error:
            raise ValueError(f"JSON 格式有误（第{error.lineno}行第{error.colno}列）") from None
        except DomainError as error:
            raise ValueError(error.message) from None
    return text


class _ValueForm(forms.Form):
    def __init__(self, *args: Any, spec: ParameterSpec, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.spec = spec
        field = self.fields["value"]
        field.help_text = VALUE_HELP.get(spec.kind, "") + (
            "；留空表示无此限制" if spec.nullable else ""
        )
        field.required = not spec.nullable
        if spec.kind not in {"json", "rounding"}:
            field.widget = forms.TextInput()

    def clean_value(self) -> Any:
        try:
            return value_from_text(self.spec, self.cleaned_data.get("value", ""))
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None


class RecordForm(_ValueForm):
    valid_from = forms.DateField(label="生效日期", widget=forms.DateInput(attrs={"type": "date"}))
    valid_to = forms.DateField(
        label="截止日期（含当日）",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="留空表示至今有效；原有无截止日期的记录将在新记录生效前一日截止",
    )
    value = forms.CharField(label="取值", widget=forms.Textarea(attrs={"rows": 6}))
    status = forms.ChoiceField(
        label="状态",
        choices=[(FINAL, "正式"), (PROVISIONAL, "临时（尚未公布，公布后转为正式并多退少补）")],
    )
    source = forms.CharField(
        label="来源", max_length=500, help_text="文号或网址；演示取值填 demo 并在说明中写明理由"
    )
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    reason = forms.CharField(label="录入原因", max_length=500, help_text="记入变更记录")


class FinalizeForm(_ValueForm):
    value = forms.CharField(label="正式取值", widget=forms.Textarea(attrs={"rows": 6}))
    source = forms.CharField(label="正式值的来源", max_length=500, help_text="公布文件的文号或网址")
    reason = forms.CharField(label="转为正式的原因", max_length=500, help_text="记入变更记录")
