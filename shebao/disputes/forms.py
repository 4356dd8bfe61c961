"""Forms of the dispute pages."""

from __future__ import annotations

from django import forms

from shebao.accounts.forms import OnceForm
from shebao.common.forms import IdentifierField
from shebao.disputes.models import DisputeType

_DATE = {"invalid": "请填写有效的日期"}


class DisputeForm(OnceForm):
    """A worker's (against a unit, by its credit code) or a unit's (against a worker, by ID
    number) mediation request or arbitration application."""

    counterpart = forms.CharField(label="对方单位统一社会信用代码", max_length=20)
    counterpart_name = forms.CharField(label="劳动者姓名", max_length=100, required=False)
    dispute_type = forms.ChoiceField(label="争议类型", choices=DisputeType.choices)
    claim_amount = forms.CharField(
        label="请求金额（元）", max_length=20, required=False, help_text="有金钱请求的填写合计金额"
    )
    claims = forms.CharField(
        label="请求事项", max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    facts = forms.CharField(
        label="事实和理由", max_length=2000, widget=forms.Textarea(attrs={"rows": 5})
    )
    aware_date = forms.DateField(
        label="知道或应当知道权利被侵害的日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages=_DATE,
    )
    mobile = IdentifierField(kind="mobile", label="联系电话（手机）", max_length=20, required=False)

    def __init__(self, *args: object, kind: str, as_unit: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        if as_unit:
            self.fields["counterpart"] = IdentifierField(
                kind="id_number", label="劳动者公民身份号码", max_length=20
            )
            self.fields["counterpart_name"].required = True
            del self.fields["mobile"]
        else:
            self.fields["counterpart"] = IdentifierField(
                kind="credit_code",
                label="对方单位统一社会信用代码",
                max_length=20,
                help_text="18 位，见对方单位营业执照；须为本系统登记的单位。",
            )
            del self.fields["counterpart_name"]
        if kind == "mediation":
            del self.fields["aware_date"]
            self.fields["claims"].label = "调解请求"
        else:
            self.fields["claims"].label = "仲裁请求"
            self.fields["aware_date"].required = True


class HotlineForm(OnceForm):
    """The 12333 seat enters a caller's mediation request."""

    caller_name = forms.CharField(label="来电人姓名", max_length=100)
    caller_id_number = IdentifierField(kind="id_number", label="来电人公民身份号码", max_length=20)
    caller_mobile = IdentifierField(kind="mobile", label="来电号码（手机）", max_length=20)
    counterpart = IdentifierField(
        kind="credit_code", label="对方单位统一社会信用代码", max_length=20
    )
    dispute_type = forms.ChoiceField(label="争议类型", choices=DisputeType.choices)
    claims = forms.CharField(
        label="调解请求", max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    facts = forms.CharField(
        label="事实和理由", max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )


class ActionForm(forms.Form):
    action = forms.CharField(max_length=20)
    note = forms.CharField(max_length=2000, required=False)
    hearing_at = forms.DateTimeField(
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        error_messages={"invalid": "请填写有效的开庭时间"},
    )
    hearing_place = forms.CharField(max_length=200, required=False)
