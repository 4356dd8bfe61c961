"""Account pages: sign-in, registration, passwords, unit users, counter registration."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from shebao.accounts import actors, selectors, services
from shebao.accounts.decorators import actor_required
from shebao.accounts.forms import (
    AppointForm,
    CounterLookupForm,
    CounterRegisterForm,
    GrantsForm,
    LoginIndividualForm,
    LoginStaffForm,
    LoginUnitForm,
    PasswordChangeForm,
    PasswordResetForm,
    RegisterForm,
    UnitRegisterForm,
    apply_error,
)
from shebao.accounts.models import SignInEvent, UnitMembership, VerificationCode
from shebao.accounts.sessions import session_sign_in, session_sign_out
from shebao.common.errors import DomainError, PermissionDenied, RateLimited
from shebao.common.identifiers import (
    credit_code_spelling,
    id_number_spelling,
    mask_mobile,
    mobile_spelling,
)
from shebao.common.limits import client_ip
from shebao.registry.models import Person

Purpose = VerificationCode.Purpose
Role = UnitMembership.Role

LOGIN_TABS = [
    (actors.INDIVIDUAL, "个人登录", LoginIndividualForm),
    (actors.UNIT, "单位登录", LoginUnitForm),
    (actors.STAFF, "经办人员登录", LoginStaffForm),
]
_LANDING = {
    actors.INDIVIDUAL: "hall:individual_center",
    actors.UNIT: "hall:unit_center",
    actors.STAFF: "hall:staff_center",
}


def _ip(request: HttpRequest) -> str | None:
    return client_ip(request)  # behind trusted proxies, from X-Forwarded-For (see limits)


def _user_agent(request: HttpRequest) -> str:
    return request.META.get("HTTP_USER_AGENT", "")[:200]


def landing_url(context: str) -> str:
    """Where a user goes after signing in: their portal, or the home page if it is missing."""
    kind = actors.UNIT if context.startswith(f"{actors.UNIT}:") else context
    try:
        return reverse(_LANDING[kind])
    except (KeyError, NoReverseMatch):
        return reverse("hall:home")


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not target or target.startswith(reverse("accounts:logout")):
        return ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


# ---- sign-in and sign-out -------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    tab = request.POST.get("as") or request.GET.get("as") or actors.INDIVIDUAL
    forms_by_tab = {key: form for key, _, form in LOGIN_TABS}
    if tab not in forms_by_tab:
        tab = actors.INDIVIDUAL
    form = forms_by_tab[tab](request.POST if request.method == "POST" else None)
    next_url = _safe_next(request)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = services.sign_in_authenticate(
                kind=tab,
                identifier=data.get("identifier")
                or data.get("id_number")
                or data.get("staff_number", ""),
                password=data["password"],
                credit_code=data.get("credit_code", ""),
                channel=SignInEvent.Channel.PAGE,
                ip=_ip(request),
                user_agent=_user_agent(request),
            )
            session_sign_in(request, user=result.user, context=result.context)
        except RateLimited:
            raise  # the hall's 429 page, with Retry-After
        except DomainError as error:
            apply_error(form, error)
        else:
            if result.user.password_must_change:
                messages.warning(
                    request, "您使用的是经办机构发放的临时密码，请先设置您自己的登录密码。"
                )
                return redirect("accounts:password_change")
            return redirect(next_url or landing_url(result.context))
    tabs = [{"key": key, "label": label, "active": key == tab} for key, label, _ in LOGIN_TABS]
    return render(
        request,
        "accounts/login.html",
        {"form": form, "tab": tab, "tabs": tabs, "next": next_url},
    )


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    if actor.user is not None:
        services.sign_out_record(
            user=actor.user,
            context=actor.context,
            channel=SignInEvent.Channel.PAGE,
            ip=_ip(request),
            user_agent=_user_agent(request),
        )
    session_sign_out(request)
    messages.success(request, "您已安全退出。")
    return redirect("hall:home")


# ---- verification codes (htmx) --------------------------------------------------------------

_PUBLIC_PURPOSES = {Purpose.REGISTER, Purpose.UNIT_REGISTER, Purpose.PASSWORD_RESET}


def _code_request(request: HttpRequest, purpose: str) -> tuple[str, str]:
    """Ask for a code; returns (status, message) for the page."""
    try:
        masked = services.code_request(
            purpose=purpose,
            mobile=mobile_spelling(request.POST.get("mobile", "")),
            id_number=id_number_spelling(request.POST.get("id_number", "")),
            ip=_ip(request),
        )
    except DomainError as error:
        return "error", error.message
    if purpose == Purpose.PASSWORD_RESET:
        return "success", (
            f"如身份证号与手机号码对应已注册的账号，验证码已发送至 {masked}，10 分钟内有效。"
        )
    return "success", f"验证码已发送至 {masked}，10 分钟内有效；如未收到，1 分钟后可重新获取。"


@require_POST
def code_send(request: HttpRequest) -> HttpResponse:
    """The "获取验证码" button: answers with a status line for the form."""
    purpose = request.POST.get("purpose", "")
    if purpose not in _PUBLIC_PURPOSES:
        status, message = "error", "验证码用途不正确"
    else:
        status, message = _code_request(request, purpose)
    # Always 200: this is a status line for the form (htmx swaps only 2xx answers); the API
    # has no code endpoint of its own.
    return render(
        request, "accounts/_code_status.html", {"code_status": status, "code_message": message}
    )


def _keep_input(request: HttpRequest, *, secret: tuple[str, ...]) -> dict[str, Any]:
    """What the user typed, minus passwords, to redisplay after sending a code without JS."""
    return {k: v for k, v in request.POST.items() if k not in secret and k != "csrfmiddlewaretoken"}


# ---- registration ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    districts = selectors.districts_by_city()
    context: dict[str, Any] = {}
    if request.method == "POST" and request.POST.get("action") == "send_code":
        status, message = _code_request(request, Purpose.REGISTER)
        context.update(code_status=status, code_message=message)
        form = RegisterForm(
            initial=_keep_input(request, secret=("password", "password2")), districts=districts
        )
    elif request.method == "POST":
        form = RegisterForm(request.POST, districts=districts)
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = services.account_register(
                    name=data["name"],
                    id_number=data["id_number"],
                    mobile=data["mobile"],
                    code=data["code"],
                    password=data["password"],
                    district_code=data.get("district") or None,
                    submission_key=data.get("submission_key", ""),
                    ip=_ip(request),
                )
            except RateLimited:
                raise  # the hall's 429 page, with Retry-After
            except DomainError as error:
                if error.code == "ALREADY_SUBMITTED":
                    messages.info(request, "您的注册已经提交成功，请直接登录。")
                    return redirect("accounts:login")
                apply_error(form, error)
            else:
                session_sign_in(request, user=user, context=actors.INDIVIDUAL)
                services.sign_in_record(
                    user=user,
                    context=actors.INDIVIDUAL,
                    channel=SignInEvent.Channel.PAGE,
                    ip=_ip(request),
                    user_agent=_user_agent(request),
                )
                if user.person.verification == Person.Verification.PENDING:  # type: ignore[union-attr]
                    messages.success(
                        request,
                        "注册成功。您尚未在本地参保登记，身份信息待经办机构核验，核验前只能办理参保登记等业务。",
                    )
                else:
                    messages.success(request, "注册成功，已为您登录。")
                return redirect(landing_url(actors.INDIVIDUAL))
    else:
        form = RegisterForm(districts=districts)
    context["form"] = form
    return render(request, "accounts/register.html", context)


@require_http_methods(["GET", "POST"])
def register_unit(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {}
    if request.method == "POST" and request.POST.get("action") == "send_code":
        status, message = _code_request(request, Purpose.UNIT_REGISTER)
        context.update(code_status=status, code_message=message)
        form = UnitRegisterForm(initial=_keep_input(request, secret=("password", "password2")))
    elif request.method == "POST":
        form = UnitRegisterForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                membership = services.unit_register_online(
                    credit_code=data["credit_code"],
                    unit_name=data["unit_name"],
                    rep_name=data["rep_name"],
                    rep_id_number=data["rep_id_number"],
                    mobile=data["mobile"],
                    code=data["code"],
                    password=data["password"],
                    submission_key=data.get("submission_key", ""),
                    ip=_ip(request),
                )
            except RateLimited:
                raise  # the hall's 429 page, with Retry-After
            except DomainError as error:
                if error.code == "ALREADY_SUBMITTED":
                    messages.info(request, "单位注册已经提交成功，请使用“单位登录”。")
                    return redirect(f"{reverse('accounts:login')}?as=unit")
                apply_error(form, error)
                if error.code == "LEGAL_REP_MISMATCH":
                    context["counter_advice"] = True
            else:
                unit_context = f"{actors.UNIT}:{membership.unit_id}"
                session_sign_in(request, user=membership.user, context=unit_context)
                services.sign_in_record(
                    user=membership.user,
                    context=unit_context,
                    channel=SignInEvent.Channel.PAGE,
                    ip=_ip(request),
                    user_agent=_user_agent(request),
                )
                messages.success(
                    request,
                    f"{membership.unit.name}的网上办事账号已开通，您是法定代表人。"
                    "可在“单位用户”中设置管理员和经办人。",
                )
                return redirect(landing_url(unit_context))
    else:
        form = UnitRegisterForm()
    context["form"] = form
    return render(request, "accounts/register_unit.html", context)


# ---- passwords ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@actor_required(actors.INDIVIDUAL, actors.UNIT, actors.STAFF)
def password_change(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    form = PasswordChangeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.password_change(
                user=actor.user,
                old_password=data["old_password"],
                new_password=data["new_password"],
                ip=_ip(request),
            )
        except DomainError as error:
            apply_error(form, error)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, "密码已修改。其他设备上的登录已失效，需使用新密码重新登录。")
            return redirect(landing_url(actor.context))
    return render(
        request,
        "accounts/password_change.html",
        {"form": form, "history": selectors.sign_in_history(actor=actor)},
    )


@require_http_methods(["GET", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {}
    if request.method == "POST" and request.POST.get("action") == "send_code":
        status, message = _code_request(request, Purpose.PASSWORD_RESET)
        context.update(code_status=status, code_message=message)
        form = PasswordResetForm(
            initial=_keep_input(request, secret=("new_password", "new_password2"))
        )
    elif request.method == "POST":
        form = PasswordResetForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.password_reset(
                    id_number=data["id_number"],
                    mobile=data["mobile"],
                    code=data["code"],
                    new_password=data["new_password"],
                    ip=_ip(request),
                )
            except RateLimited:
                raise  # the hall's 429 page, with Retry-After
            except DomainError as error:
                apply_error(form, error)
            else:
                messages.success(request, "密码已重设，账号已解除锁定。请使用新密码登录。")
                return redirect("accounts:login")
    else:
        form = PasswordResetForm()
    context["form"] = form
    return render(request, "accounts/password_reset.html", context)


# ---- unit users -----------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@actor_required(actors.UNIT)
def unit_users(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    may_appoint_admin = actor.unit_role == Role.LEGAL_REP
    form = None
    if actor.is_unit_manager:
        form = AppointForm(
            request.POST if request.method == "POST" else None,
            may_appoint_admin=may_appoint_admin,
        )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(
                "经办人不能管理单位用户，请联系单位法定代表人或管理员",
                code="UNIT_MANAGER_REQUIRED",
            )
        if form.is_valid():
            data = form.cleaned_data
            try:
                membership = services.unit_user_appoint(
                    actor=actor,
                    role=data["role"],
                    name=data["name"],
                    id_number=data["id_number"],
                    mobile=data["mobile"],
                    submission_key=data.get("submission_key", ""),
                    ip=_ip(request),
                )
            except DomainError as error:
                if error.code == "ALREADY_SUBMITTED":
                    return redirect("accounts:unit_users")
                apply_error(form, error)
            else:
                created = not membership.user.has_usable_password()
                tail = (
                    f"激活码已通过短信发送至 {mask_mobile(membership.user.mobile)}，对方可在“找回密码”页面设置密码后登录。"
                    if created
                    else "已短信通知对方使用“单位登录”。"
                )
                messages.success(
                    request,
                    f"已授权 {membership.user.name} 为{membership.get_role_display()}。{tail}",
                )
                if membership.role == Role.OPERATOR:
                    return redirect("accounts:unit_user_grants", membership_id=membership.pk)
                return redirect("accounts:unit_users")
    context: dict[str, Any] = {
        "members": selectors.unit_users(actor=actor),
        "form": form,
        "may_appoint_admin": may_appoint_admin,
    }
    if not actor.is_unit_manager:
        context["own_matters"] = selectors.own_grants(actor=actor)
    else:
        from shebao.notifications.models import UnitNotificationPreference
        from shebao.notifications.selectors import unit_managers_receive

        context["notify_choice"] = unit_managers_receive(unit_id=actor.unit.pk)
        context["notify_choices"] = UnitNotificationPreference.Managers.choices
    return render(request, "accounts/unit_users.html", context)


@require_POST
@actor_required(actors.UNIT)
def unit_user_revoke(request: HttpRequest, membership_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    try:
        target = services.unit_user_revoke(
            actor=actor, membership_id=membership_id, ip=_ip(request)
        )
    except DomainError as error:
        if error.status in (401, 404) or error.code == "UNIT_MANAGER_REQUIRED":
            raise
        messages.error(request, error.message)
    else:
        messages.success(
            request, f"已取消 {target.user.name} 的{target.get_role_display()}授权，立即生效。"
        )
    return redirect("accounts:unit_users")


@require_http_methods(["GET", "POST"])
@actor_required(actors.UNIT)
def unit_user_grants(request: HttpRequest, membership_id: int) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    sheet = selectors.grant_sheet(actor=actor, membership_id=membership_id)
    if sheet.membership.role != Role.OPERATOR:
        messages.info(request, "法定代表人和管理员默认拥有本单位全部事项的办理权限，无需逐项授权。")
        return redirect("accounts:unit_users")
    if request.method == "POST":
        form = GrantsForm(request.POST, matters=sheet.matters)
        if form.is_valid():
            try:
                change = services.unit_user_grants_set(
                    actor=actor,
                    membership_id=membership_id,
                    matter_ids=form.cleaned_data["matters"],
                    version=form.cleaned_data["version"],
                    ip=_ip(request),
                )
            except DomainError as error:
                apply_error(form, error)
            else:
                if change.added or change.removed:
                    messages.success(
                        request,
                        f"已为 {sheet.membership.user.name} 新增授权 {len(change.added)} 项、"
                        f"取消 {len(change.removed)} 项，立即生效。",
                    )
                else:
                    messages.info(request, "授权未作改动。")
                return redirect("accounts:unit_users")
    else:
        form = GrantsForm(
            initial={"matters": sorted(sheet.granted), "version": sheet.version},
            matters=sheet.matters,
        )
    groups: dict[str, list] = {}
    for matter in sheet.matters:
        groups.setdefault(matter.category or "其他", []).append(matter)
    checked = {int(v) for v in (form["matters"].value() or []) if str(v).isdigit()}
    return render(
        request,
        "accounts/unit_user_grants.html",
        {"sheet": sheet, "form": form, "groups": groups, "checked": checked},
    )


# ---- counter registration (staff) -----------------------------------------------------------


@require_http_methods(["GET", "POST"])
@actor_required(actors.STAFF)
def counter_register(request: HttpRequest) -> HttpResponse:
    actor = request.actor  # type: ignore[attr-defined]
    districts = list(selectors.staff_districts(actor=actor))
    raw_code = credit_code_spelling(
        request.POST.get("credit_code") or request.GET.get("credit_code") or ""
    )
    lookup_form = CounterLookupForm({"credit_code": raw_code} if raw_code else None)
    lookup = None
    form = None
    status = 200
    if raw_code and lookup_form.is_valid():
        try:
            lookup = selectors.unit_for_counter(actor=actor, credit_code=raw_code)
        except DomainError as error:
            apply_error(lookup_form, error)
            status = error.status if error.status == 403 else 200
    if lookup is not None:
        new_unit = lookup.unit is None
        if request.method == "POST":
            form = CounterRegisterForm(request.POST, districts=districts, new_unit=new_unit)
        else:
            form = CounterRegisterForm(
                initial={
                    "credit_code": lookup.credit_code,
                    "holder_role": Role.ADMIN if lookup.has_legal_rep_account else Role.LEGAL_REP,
                },
                districts=districts,
                new_unit=new_unit,
            )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            draft = None
            if lookup.unit is None:
                draft = services.UnitDraft(
                    name=data["unit_name"],
                    kind=data["unit_kind"],
                    district_code=data["unit_district"],
                    competent_department=data["competent_department"],
                    legal_rep_name=data["legal_rep_name"],
                    legal_rep_id_number=data["legal_rep_id_number"],
                    address=data["address"],
                    phone=data["phone"],
                )
            try:
                done = services.unit_register_at_counter(
                    actor=actor,
                    credit_code=lookup.credit_code,
                    holder_role=data["holder_role"],
                    holder_name=data["holder_name"],
                    holder_id_number=data["holder_id_number"],
                    holder_mobile=data["holder_mobile"],
                    attorney_note=data["attorney_note"],
                    unit=draft,
                    submission_key=data.get("submission_key", ""),
                    ip=_ip(request),
                )
            except DomainError as error:
                if error.code == "ALREADY_SUBMITTED":
                    messages.info(request, "该登记已经提交成功，无需重复提交。")
                    return redirect(
                        f"{reverse('accounts:counter_register')}?credit_code={lookup.credit_code}"
                    )
                apply_error(form, error)
            else:
                membership = done.membership
                how = (
                    f"临时密码已通过短信发送至 {mask_mobile(membership.user.mobile)}，首次登录须修改密码"
                    if done.account_created
                    else "对方已有个人账号，已短信通知其使用“单位登录”"
                )
                messages.success(
                    request,
                    f"{'已登记单位信息，' if done.unit_created else ''}已为{membership.unit.name}开通网上办事账号："
                    f"{membership.user.name}（{membership.get_role_display()}）。{how}。",
                )
                return redirect(
                    f"{reverse('accounts:counter_register')}?credit_code={lookup.credit_code}"
                )
    return render(
        request,
        "accounts/counter_register.html",
        {"lookup_form": lookup_form, "lookup": lookup, "form": form, "districts": districts},
        status=status,
    )
