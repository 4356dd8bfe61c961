"""Forms of the insurance pages that are not matters (matters' forms come from the catalogue)."""

from __future__ import annotations

from typing import Any

from django import forms

from shebao.accounts.forms import OnceForm
from shebao.common.errors import InvalidInput
from shebao.common.forms import IdentifierField
from shebao.common.identifiers import normalize_credit_code


class DispatchLicenceForm(OnceForm):
    """Staff record a unit's 劳务派遣经营许可证 from the licence the unit shows at the counter."""

    credit_code = IdentifierField(
        kind="credit_code",
        label="劳务派遣单位统一社会信用代码",
        max_length=20,
        help_text="18 位，见营业执照。",
    )
    number = forms.CharField(label="许可证编号", max_length=50)
    issued_by = forms.CharField(
        label="许可机关",
        max_length=100,
        required=False,
        help_text="如：吉林市昌邑区人力资源和社会保障局",
    )
    valid_from = forms.DateField(
        label="有效期起",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "请填写有效的日期"},
    )
    valid_to = forms.DateField(
        label="有效期至",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "请填写有效的日期"},
    )

    def clean_credit_code(self) -> str:
        try:
            return normalize_credit_code(self.cleaned_data["credit_code"])
        except InvalidInput as error:
            raise forms.ValidationError(error.message) from error

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_to")
        if start and end and end < start:
            self.add_error("valid_to", "有效期至不能早于有效期起")
        return data
