"""Page forms: they read and check the shape of input; the rules live in the services, whose
errors name the same fields (``DomainError.field``) and are shown next to them."""

from __future__ import annotations

import secrets

from django import forms

from shebao.accounts.models import UnitMembership
from shebao.common.errors import DomainError
from shebao.common.forms import IdentifierField
from shebao.registry.models import Unit


def _text(
    label: str,
    *,
    required: bool = True,
    max_length: int = 100,
    help_text: str = "",
    placeholder: str = "",
    autocomplete: str = "off",
    inputmode: str = "",
    widget: type[forms.Widget] = forms.TextInput,
    identifier: str = "",
) -> forms.CharField:
    """A text field; ``identifier`` (a kind of :data:`~shebao.common.identifiers.SPELLINGS`)
    makes it an :class:`~shebao.common.forms.IdentifierField`."""
    attrs = {"autocomplete": autocomplete}
    if placeholder:
        attrs["placeholder"] = placeholder
    if inputmode:
        attrs["inputmode"] = inputmode
    if identifier:
        return IdentifierField(
            kind=identifier,
            label=label,
            required=required,
            max_length=max_length,
            help_text=help_text,
            widget=widget(attrs=attrs),
            error_messages={
                "required": f"请填写{label}",
                "max_length": f"{label}过长（最多 {max_length} 个字符）",
            },
        )
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        help_text=help_text,
        widget=widget(attrs=attrs),
        error_messages={
            "required": f"请填写{label}",
            "max_length": f"{label}过长（最多 {max_length} 个字符）",
        },
        strip=widget is not forms.PasswordInput,
    )


def _password(
    label: str, *, help_text: str = "", autocomplete: str = "new-password"
) -> forms.CharField:
    return _text(
        label,
        max_length=128,
        help_text=help_text,
        autocomplete=autocomplete,
        widget=forms.PasswordInput,
    )


PASSWORD_HELP = "至少 8 位，不能全为数字，不能使用过于常见的密码；建议字母、数字组合。"
CODE_HELP = "点击“获取验证码”，短信验证码 10 分钟内有效。"


def _id_number(
    label: str = "公民身份号码", help_text: str = "", *, required: bool = True
) -> forms.CharField:
    return _text(
        label,
        identifier="id_number",
        required=required,
        max_length=20,
        help_text=help_text or "18 位，最后一位可为 X；15 位旧号码会自动升级。",
        placeholder="18 位公民身份号码",
    )


def _mobile(label: str = "手机号码", help_text: str = "") -> forms.CharField:
    return _text(
        label,
        identifier="mobile",
        max_length=20,
        help_text=help_text,
        placeholder="11 位手机号码",
        autocomplete="tel",
        inputmode="tel",
    )


def _code() -> forms.CharField:
    return _text(
        "短信验证码",
        identifier="verification_code",
        max_length=6,
        help_text=CODE_HELP,
        placeholder="6 位数字",
        inputmode="numeric",
        autocomplete="one-time-code",
    )


def _credit_code(help_text: str = "") -> forms.CharField:
    return _text(
        "统一社会信用代码",
        identifier="credit_code",
        max_length=20,
        help_text=help_text or "18 位，见营业执照或统一社会信用代码证书。",
        placeholder="18 位统一社会信用代码",
    )


class OnceForm(forms.Form):
    """A form with a one-time key: submitting it twice creates one record."""

    submission_key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if not self.is_bound:
            self.initial.setdefault("submission_key", secrets.token_urlsafe(24))


def apply_error(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal next to its field, or above the form."""
    if error.field and error.field in form.fields and not form.fields[error.field].widget.is_hidden:
        form.add_error(error.field, error.message)
    else:
        form.add_error(None, error.message)


class _Passwords(forms.Form):
    """Two password fields that must agree; the first is named by ``password_field``."""

    password_field = "password"

    def clean(self) -> dict:
        data = super().clean()
        first, second = data.get(self.password_field), data.get(self.password_field + "2")
        if first and second and first != second:
            self.add_error(self.password_field + "2", "两次输入的密码不一致")
        return data


# ---- sign-in --------------------------------------------------------------------------------


class LoginIndividualForm(forms.Form):
    identifier = _text(
        "公民身份号码或手机号码",
        identifier="identifier",
        max_length=20,
        help_text="可使用身份证号或注册时的手机号码登录。",
        placeholder="身份证号 / 手机号",
        autocomplete="username",
    )
    password = _password("登录密码", autocomplete="current-password")


class LoginUnitForm(forms.Form):
    credit_code = _credit_code("本单位的 18 位统一社会信用代码。")
    id_number = _id_number(
        "您本人的公民身份号码",
        help_text="单位登录请使用统一社会信用代码和您本人的身份证号（法定代表人、管理员或经办人本人）。",
    )
    password = _password("登录密码", autocomplete="current-password")


class LoginStaffForm(forms.Form):
    staff_number = _text(
        "工号",
        identifier="identifier",
        max_length=64,
        autocomplete="username",
        placeholder="经办人员工号",
    )
    password = _password("登录密码", autocomplete="current-password")


# ---- registration ---------------------------------------------------------------------------


class RegisterForm(OnceForm, _Passwords):
    name = _text("姓名", help_text="与身份证上的姓名一致。", autocomplete="name")
    id_number = _id_number()
    mobile = _mobile(help_text="须为本人实名登记的手机号码，用于接收验证码和业务通知。")
    code = _code()
    password = _password("登录密码", help_text=PASSWORD_HELP)
    password2 = _password("确认登录密码")
    district = forms.ChoiceField(
        label="参保所在区县",
        required=False,
        help_text="已在本地参保登记的，无需选择；尚未参保登记的，请选择您参保（工作或居住）所在的区县。",
    )

    def __init__(
        self, *args: object, districts: list[tuple[str, list]] | None = None, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)
        choices: list = [("", "（已在本地参保，无需选择）")]
        for city, regions in districts or []:
            choices.append((city, [(r.code, r.name) for r in regions]))
        self.fields["district"].choices = choices


class UnitRegisterForm(OnceForm, _Passwords):
    credit_code = _credit_code()
    unit_name = _text(
        "单位名称", max_length=200, help_text="与营业执照（统一社会信用代码证）上的名称一致。"
    )
    rep_name = _text("法定代表人姓名", help_text="须由法定代表人本人注册。")
    rep_id_number = _id_number("法定代表人公民身份号码")
    mobile = _mobile("法定代表人手机号码", help_text="须为法定代表人本人实名登记的手机号码。")
    code = _code()
    password = _password(
        "登录密码",
        help_text="法定代表人已有个人账号的，请填写个人账号的密码（注册后单位与个人使用同一密码）；"
        "没有个人账号的，请设置新密码：" + PASSWORD_HELP,
    )
    password2 = _password("确认登录密码")


# ---- passwords ------------------------------------------------------------------------------


class PasswordChangeForm(_Passwords):
    password_field = "new_password"

    old_password = _password("原密码", autocomplete="current-password")
    new_password = _password("新密码", help_text=PASSWORD_HELP)
    new_password2 = _password("确认新密码")


class PasswordResetForm(_Passwords):
    password_field = "new_password"

    id_number = _id_number()
    mobile = _mobile(
        help_text="注册时登记的手机号码；被单位授权开通账号的，为授权时登记的手机号码。"
    )
    code = _text(
        "短信验证码或激活码",
        identifier="verification_code",
        max_length=6,
        help_text="点击“获取验证码”；已收到单位授权短信的，可直接填写短信中的激活码。",
        placeholder="6 位数字",
        inputmode="numeric",
        autocomplete="one-time-code",
    )
    new_password = _password("新密码", help_text=PASSWORD_HELP)
    new_password2 = _password("确认新密码")


# ---- unit users -----------------------------------------------------------------------------


class AppointForm(OnceForm):
    role = forms.ChoiceField(
        label="角色",
        choices=[
            (UnitMembership.Role.OPERATOR, "单位经办人（只能办理授权的事项）"),
            (UnitMembership.Role.ADMIN, "单位管理员（可办理本单位全部业务，可增减经办人）"),
        ],
        error_messages={"required": "请选择角色", "invalid_choice": "请选择角色"},
    )
    name = _text("姓名", help_text="被授权人须为实名用户，姓名与身份证一致。")
    id_number = _id_number()
    mobile = _mobile(help_text="被授权人本人的手机号码：没有账号的，激活码将发送到此号码。")

    def __init__(self, *args: object, may_appoint_admin: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if not may_appoint_admin:
            self.fields["role"].choices = self.fields["role"].choices[:1]  # type: ignore[attr-defined]
            self.fields["role"].help_text = "只有法定代表人可以设置单位管理员。"


class GrantsForm(forms.Form):
    matters = forms.TypedMultipleChoiceField(
        label="可办理的事项", required=False, coerce=int, widget=forms.CheckboxSelectMultiple
    )
    version = forms.CharField(widget=forms.HiddenInput, max_length=32)

    def __init__(self, *args: object, matters: list | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.fields["matters"].choices = [(m.pk, m.name) for m in matters or []]  # type: ignore[attr-defined]
        self.fields["matters"].error_messages["invalid_choice"] = (
            "所选事项已不能授权，请刷新页面后重新勾选"
        )


# ---- counter registration (staff) -----------------------------------------------------------


class CounterLookupForm(forms.Form):
    credit_code = _credit_code("按单位营业执照（统一社会信用代码证）填写。")


class CounterRegisterForm(OnceForm):
    credit_code = IdentifierField(kind="credit_code", widget=forms.HiddenInput, max_length=20)
    # Unit details: only when the registry does not know the unit yet.
    unit_name = _text("单位名称", required=False, max_length=200)
    unit_kind = forms.ChoiceField(
        label="单位类型", required=False, choices=[("", "请选择"), *Unit.Kind.choices]
    )
    unit_district = forms.ChoiceField(label="参保地（区县）", required=False)
    competent_department = _text("主管部门", required=False, help_text="没有主管部门的可不填。")
    legal_rep_name = _text("法定代表人姓名", required=False)
    legal_rep_id_number = _id_number("法定代表人公民身份号码", required=False)
    address = _text("单位地址", required=False, max_length=200)
    phone = _text("联系电话", required=False, max_length=30)
    # Who receives the account.
    holder_role = forms.ChoiceField(
        label="办理人身份",
        widget=forms.RadioSelect,
        choices=[
            (UnitMembership.Role.LEGAL_REP, "法定代表人本人"),
            (UnitMembership.Role.ADMIN, "授权管理员（持单位授权委托书）"),
        ],
        initial=UnitMembership.Role.LEGAL_REP,
        error_messages={"required": "请选择办理人身份", "invalid_choice": "请选择办理人身份"},
    )
    holder_name = _text("办理人姓名")
    holder_id_number = _id_number("办理人公民身份号码", help_text="核验身份证原件后填写。")
    holder_mobile = _mobile(
        "办理人手机号码",
        help_text="须为办理人本人实名登记的手机号码；临时密码将以短信发送到此号码。",
    )
    attorney_note = _text(
        "授权委托书",
        required=False,
        max_length=150,
        help_text="授权管理员办理时必填：写明委托书日期、编号等（委托书须载明单位名称、被委托人姓名、身份证号、手机号并加盖单位公章）。",
    )

    # Required only when the unit is recorded now (the registry does not know it).
    NEW_UNIT_FIELDS = (
        "unit_name",
        "unit_kind",
        "unit_district",
        "legal_rep_name",
        "legal_rep_id_number",
    )

    def __init__(
        self,
        *args: object,
        districts: list | None = None,
        new_unit: bool = False,
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit_district"].choices = [  # type: ignore[attr-defined]
            ("", "请选择"),
            *[(r.code, r.name) for r in districts or []],
        ]
        if new_unit:
            for name in self.NEW_UNIT_FIELDS:
                field = self.fields[name]
                field.required = True
                verb = "选择" if isinstance(field, forms.ChoiceField) else "填写"
                field.error_messages["required"] = f"请{verb}{field.label}"
