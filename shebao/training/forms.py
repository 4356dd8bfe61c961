"""Forms of the training and assessment pages."""

from __future__ import annotations

from django import forms

from shebao.accounts.forms import OnceForm
from shebao.common.forms import IdentifierField
from shebao.training.models import Level, Trade, TrainingRegistration

_DATE = {"invalid": "请填写有效的日期"}


class RegistrationForm(OnceForm):
    trade = forms.ModelChoiceField(
        label="培训工种",
        queryset=Trade.objects.none(),
        error_messages={"invalid_choice": "请选择该机构可培训的工种"},
    )
    employment_status = forms.ChoiceField(
        label="就业状态", choices=TrainingRegistration.Employment.choices
    )
    mobile = IdentifierField(kind="mobile", label="联系电话（手机）", max_length=20)

    def __init__(self, *args: object, institution: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["trade"].queryset = institution.trades.order_by("code")  # type: ignore[attr-defined]


class FilingForm(forms.Form):
    trades = forms.ModelMultipleChoiceField(
        label="认定职业（工种）",
        queryset=Trade.objects.order_by("code"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择一个认定工种"},
    )
    max_level = forms.ChoiceField(label="最高认定等级", choices=Level.choices)
    contact_name = forms.CharField(label="联系人", max_length=50)
    contact_mobile = IdentifierField(kind="mobile", label="联系电话（手机）", max_length=20)


class PlanForm(OnceForm):
    trade = forms.ModelChoiceField(label="认定职业（工种）", queryset=Trade.objects.none())
    level = forms.ChoiceField(label="认定等级", choices=Level.choices)
    exam_date = forms.DateField(
        label="开考日期",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages=_DATE,
        help_text="计划和考生信息须不晚于开考前10天提交",
    )
    venue = forms.CharField(label="考核地点", max_length=200)

    def __init__(self, *args: object, trades: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["trade"].queryset = trades  # type: ignore[attr-defined]


class CandidateForm(forms.Form):
    id_number = IdentifierField(kind="id_number", label="公民身份号码", max_length=20)
    name = forms.CharField(label="姓名", max_length=100)


class ResultForm(forms.Form):
    id_number = IdentifierField(kind="id_number", label="考生公民身份号码", max_length=20)
    theory = forms.IntegerField(
        label="理论知识成绩",
        min_value=0,
        max_value=100,
        error_messages={
            "invalid": "成绩应为0–100的整数",
            "min_value": "成绩应为0–100的整数",
            "max_value": "成绩应为0–100的整数",
        },
    )
    skill = forms.IntegerField(
        label="操作技能成绩",
        min_value=0,
        max_value=100,
        error_messages={
            "invalid": "成绩应为0–100的整数",
            "min_value": "成绩应为0–100的整数",
            "max_value": "成绩应为0–100的整数",
        },
    )
