"""System configuration (Django admin, superusers): users, staff departments and districts,
unit roles, API tokens; the audit tables are read-only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import admin as auth_admin
from django.contrib.auth import forms as auth_forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from shebao.accounts import services
from shebao.accounts.models import (
    AccountEvent,
    ApiToken,
    MatterGrant,
    SignInEvent,
    StaffCapability,
    StaffProfile,
    UnitMembership,
    User,
    VerificationCode,
)
from shebao.accounts.services.signin import ADMIN
from shebao.common.admin import SpelledSearchMixin
from shebao.common.errors import DomainError, RateLimited
from shebao.common.forms import IdentifierField
from shebao.common.identifiers import id_number_spelling
from shebao.common.limits import client_ip
from shebao.registry.models import Region


class AdminSignInForm(AdminAuthenticationForm):
    """The /admin/ sign-in through the hall's own checks: the same lockout after repeated
    failures, the same limit on failures from one client address (a 429 page) and a
    ``SignInEvent`` row (channel "系统配置") for every attempt."""

    username = IdentifierField(
        kind="identifier",
        max_length=254,
        label="用户名",
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                result = services.sign_in_authenticate(
                    kind=ADMIN,
                    identifier=username,
                    password=password,
                    channel=SignInEvent.Channel.ADMIN,
                    ip=client_ip(self.request) if self.request else None,
                    user_agent=(
                        self.request.META.get("HTTP_USER_AGENT", "")[:200] if self.request else ""
                    ),
                )
            except RateLimited:
                raise  # the hall's 429 page, with Retry-After
            except DomainError as error:
                raise ValidationError(error.message, code=error.code) from None
            self.user_cache = result.user
            self.confirm_login_allowed(result.user)
        return self.cleaned_data


admin.site.login_form = AdminSignInForm


class _Identifiers:
    """The login name and mobile in their one spelling; an individual's login name is their ID
    number, spelled as the sign-in page looks it up."""

    def clean(self) -> dict[str, Any]:
        data = super().clean()  # type: ignore[misc]
        if data.get("kind") == User.Kind.INDIVIDUAL and data.get("username"):
            data["username"] = id_number_spelling(data["username"])
        return data


def _username() -> IdentifierField:
    return IdentifierField(kind="identifier", label="登录名", max_length=64)


def _mobile() -> IdentifierField:
    return IdentifierField(kind="mobile", label="手机号码", max_length=20, required=False)


class UserChangeForm(_Identifiers, auth_forms.UserChangeForm):
    username = _username()
    mobile = _mobile()

    class Meta:
        model = User
        fields = "__all__"


class UserCreationForm(_Identifiers, auth_forms.BaseUserCreationForm):
    username = _username()
    mobile = _mobile()

    class Meta:
        model = User
        fields = ("username", "kind", "name", "mobile")


class _DistrictsOnly:
    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "districts":
            kwargs["queryset"] = Region.objects.filter(level=Region.Level.DISTRICT).select_related(
                "parent"
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]


class StaffProfileInline(_DistrictsOnly, admin.StackedInline):
    model = StaffProfile
    extra = 1
    max_num = 1
    can_delete = False
    filter_horizontal = ("districts",)
    verbose_name = "经办人员信息（所在部门与负责区县）"
    verbose_name_plural = verbose_name


@admin.register(User)
class UserAdmin(SpelledSearchMixin, auth_admin.UserAdmin):
    form = UserChangeForm
    add_form = UserCreationForm
    list_display = (
        "username",
        "name",
        "kind",
        "is_active",
        "is_staff",
        "locked_until",
        "last_login",
    )
    list_filter = ("kind", "is_active", "is_staff", "is_superuser", "password_must_change")
    search_fields = ("username", "name", "mobile")
    ordering = ("username",)
    raw_id_fields = ("person",)
    filter_horizontal = ("groups", "user_permissions")
    readonly_fields = (
        "failed_logins",
        "locked_until",
        "password_changed_at",
        "last_login",
        "date_joined",
    )
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("基本信息", {"fields": ("kind", "name", "person", "mobile")}),
        (
            "登录安全",
            {
                "fields": (
                    "failed_logins",
                    "locked_until",
                    "password_changed_at",
                    "password_must_change",
                    "last_login",
                    "date_joined",
                )
            },
        ),
        (
            "系统配置权限",
            {
                "fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions"),
                "description": "“可进入系统配置”允许登录本配置后台；经办人员办理业务不需要此权限。",
            },
        ),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "kind", "name", "mobile", "password1", "password2"),
                "description": "经办人员的登录名为工号；保存后可设置所在部门和负责区县。个人用户请通过网上注册或窗口注册开通。",
            },
        ),
    )
    actions = ["unlock", "issue_partner_token"]

    def get_inlines(self, request: HttpRequest, obj: User | None) -> list:
        return [StaffProfileInline] if obj is not None and obj.kind == User.Kind.STAFF else []

    @admin.action(description="解除所选账号的登录锁定")
    def unlock(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            services.account_unlock(user=user, by=request.user, ip=request.META.get("REMOTE_ADDR"))  # type: ignore[arg-type]
        self.message_user(request, f"已解除 {queryset.count()} 个账号的锁定", messages.SUCCESS)

    @admin.action(description="为所选合作渠道签发接口令牌（有效期 180 天）")
    def issue_partner_token(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            try:
                issued = services.partner_token_issue(
                    partner_username=user.username,
                    name="配置后台签发",
                    issued_by=request.user,  # type: ignore[arg-type]
                )
            except DomainError as error:
                self.message_user(request, f"{user.username}：{error.message}", messages.ERROR)
                continue
            self.message_user(
                request,
                f"{user.name}（{user.username}）的令牌：{issued.raw} —— 只显示这一次，请立即复制并安全交付；"
                f"有效期至 {issued.expires_at:%Y-%m-%d}。",
                messages.WARNING,
            )


class StaffCapabilityInline(admin.TabularInline):
    """What the staff member may do and where (shebao.accounts.capabilities)."""

    model = StaffCapability
    extra = 0
    raw_id_fields = ("granted_by",)
    readonly_fields = ("granted_at",)
    verbose_name = "经办权限（权限 × 业务部门 × 地区）"
    verbose_name_plural = verbose_name


@admin.register(StaffProfile)
class StaffProfileAdmin(SpelledSearchMixin, _DistrictsOnly, admin.ModelAdmin):
    list_display = ("user", "department", "title", "district_names")
    list_filter = ("department",)
    search_fields = ("user__username", "user__name")
    raw_id_fields = ("user",)
    filter_horizontal = ("districts",)
    inlines = [StaffCapabilityInline]

    @admin.display(description="负责区县")
    def district_names(self, obj: StaffProfile) -> str:
        return "、".join(r.name for r in obj.districts.all())


class MatterGrantInline(admin.TabularInline):
    model = MatterGrant
    extra = 0
    raw_id_fields = ("matter", "granted_by")
    readonly_fields = ("granted_at",)


@admin.register(UnitMembership)
class UnitMembershipAdmin(SpelledSearchMixin, admin.ModelAdmin):
    list_display = ("unit", "user", "role", "appointed_by", "created_at", "revoked_at")
    list_filter = ("role", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("unit__name", "unit__credit_code", "user__username", "user__name")
    raw_id_fields = ("user", "unit", "appointed_by", "revoked_by")
    readonly_fields = ("created_at",)
    inlines = [MatterGrantInline]


@admin.register(MatterGrant)
class MatterGrantAdmin(admin.ModelAdmin):
    list_display = ("membership", "matter", "granted_by", "granted_at")
    search_fields = ("membership__unit__name", "membership__user__name", "matter__name")
    raw_id_fields = ("membership", "matter", "granted_by")


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(SpelledSearchMixin, admin.ModelAdmin):
    list_display = (
        "prefix",
        "user",
        "context",
        "name",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("context", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("prefix", "user__username", "user__name", "name")
    readonly_fields = (
        "user",
        "context",
        "name",
        "prefix",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    exclude = ("key_hash",)
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # tokens are issued by sign-in, the user action or partner_token_issue

    @admin.action(description="作废所选令牌")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        count = services.tokens_revoke(
            token_ids=list(queryset.values_list("pk", flat=True)),
            by=request.user,  # type: ignore[arg-type]
            ip=request.META.get("REMOTE_ADDR"),
        )
        self.message_user(request, f"已作废 {count} 个令牌", messages.SUCCESS)


@admin.register(SignInEvent)
class SignInEventAdmin(SpelledSearchMixin, _ReadOnly):
    list_display = (
        "created_at",
        "identifier",
        "user",
        "context",
        "channel",
        "outcome",
        "code",
        "ip",
    )
    list_filter = ("outcome", "channel")
    search_fields = ("identifier", "user__name", "ip")
    date_hierarchy = "created_at"


@admin.register(AccountEvent)
class AccountEventAdmin(SpelledSearchMixin, _ReadOnly):
    list_display = ("created_at", "action", "actor", "subject", "unit", "ip")
    list_filter = ("action",)
    search_fields = (
        "actor__name",
        "subject__name",
        "subject__username",
        "unit__name",
        "unit__credit_code",
    )
    date_hierarchy = "created_at"


@admin.register(VerificationCode)
class VerificationCodeAdmin(SpelledSearchMixin, _ReadOnly):
    list_display = (
        "created_at",
        "mobile",
        "purpose",
        "delivered",
        "attempts",
        "expires_at",
        "used_at",
    )
    list_filter = ("purpose", "delivered")
    search_fields = ("mobile",)
    exclude = ("code_hash",)
