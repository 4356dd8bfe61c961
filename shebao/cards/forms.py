from django import forms

from shebao.common.forms import IdentifierField


class LossForm(forms.Form):
    kind = forms.ChoiceField(choices=[("temporary", "临时挂失"), ("formal", "正式挂失")])


class StaffLookupForm(forms.Form):
    id_number = IdentifierField(kind="id_number", label="公民身份号码", max_length=18)


class MailForm(forms.Form):
    tracking_number = IdentifierField(
        kind="tracking_number",
        label="EMS 邮件号",
        max_length=13,
        help_text="邮件详情单上的13位号码，如 EA123456785CN",
    )


class ECardCheckForm(forms.Form):
    qr = forms.CharField(label="电子社保卡码", max_length=80, help_text="扫描持卡人出示的二维码")
