"""Authentication API (mounted at ``/api/v1/auth``).

Apps (the mobile app, mini-programs) sign in with a password and get a bearer token valid for
12 hours, acting in one context like a browser session: as the individual, as a user of one
unit (``credit_code``), or as agency staff. Lockout applies exactly as on the sign-in page.

Channel partners (banks and other integrators) are users of kind ``partner``; an administrator
issues their tokens (Django admin action, or ``manage.py partner_token_issue``), valid for the
days stated at issue. A partner token may call the public endpoints (catalogue, policy
parameters, calculators) and ``GET /auth/me``; endpoints that act for a person or unit refuse
it until a partner agreement defines more.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema

from shebao.accounts import selectors, services
from shebao.accounts.api_auth import api_actor, token_auth
from shebao.accounts.models import SignInEvent
from shebao.accounts.services.signin import SignIn
from shebao.common.errors import Unauthenticated
from shebao.common.limits import client_ip
from shebao.common.schemas import CreditCodeStr, ErrorOut, IdentifierStr

router = Router(tags=["认证与账户"])


class TokenIn(Schema):
    username: IdentifierStr = Field(
        description="个人：公民身份号码或手机号码；单位：单位用户本人的公民身份号码；经办人员：工号",
        max_length=64,
    )
    password: str = Field(max_length=128)
    context: Literal["individual", "unit", "staff"] = Field(
        description="登录身份：individual 个人、unit 单位、staff 经办人员"
    )
    credit_code: CreditCodeStr | None = Field(
        default=None, description="单位登录时必填：单位的统一社会信用代码", max_length=20
    )


class UserOut(Schema):
    username: str
    name: str
    mobile: str = Field(description="脱敏手机号码")
    password_must_change: bool


class PersonOut(Schema):
    name: str
    id_number: str = Field(description="脱敏公民身份号码")
    verification: str = Field(description="verified 已核验 / pending 待核验")


class UnitOut(Schema):
    id: int
    credit_code: str
    name: str
    role: str = Field(description="legal_rep 法定代表人 / admin 单位管理员 / operator 单位经办人")
    role_label: str
    all_matters: bool = Field(description="法定代表人与管理员可办理单位全部事项")
    granted_matters: list[str] = Field(description="经办人被授权的事项编码")


class StaffOut(Schema):
    department: str
    department_name: str
    districts: list[str]
    title: str


class MeOut(Schema):
    kind: str = Field(description="individual / unit / staff / partner")
    kind_label: str
    context: str
    user: UserOut | None
    person: PersonOut | None
    unit: UnitOut | None
    staff: StaffOut | None


class TokenOut(Schema):
    token: str = Field(description="Bearer 令牌，只返回这一次")
    context: str
    expires_at: datetime
    actor: MeOut


def _client(request: HttpRequest) -> dict[str, Any]:
    return {
        "ip": client_ip(request),
        "user_agent": request.META.get("HTTP_USER_AGENT", "")[:200],
    }


@router.post(
    "/token",
    response={200: TokenOut, 401: ErrorOut, 403: ErrorOut, 422: ErrorOut, 429: ErrorOut},
    summary="密码登录，获取令牌",
    description=(
        "错误码：LOGIN_FAILED（401，账号或密码错误，details.remaining_attempts 为剩余次数）、"
        "ACCOUNT_LOCKED（403，details.locked_until）、ACCOUNT_DISABLED、CONTEXT_NOT_ALLOWED"
        "（403，无该身份）、PASSWORD_CHANGE_REQUIRED（403，须先在网上大厅修改临时密码）、"
        "ID_NUMBER_MALFORMED / CREDIT_CODE_MALFORMED 等（422）、RATE_LIMITED（429，"
        "同一来源登录失败过多，retry_after 秒后再试，另见 Retry-After 响应头）。"
    ),
)
def token_create(request: HttpRequest, payload: TokenIn) -> dict[str, Any]:
    from shebao.accounts.actors import actor_for

    client = _client(request)
    sign_in: SignIn = services.sign_in_authenticate(
        kind=payload.context,
        identifier=payload.username,
        password=payload.password,
        credit_code=payload.credit_code or "",
        channel=SignInEvent.Channel.API,
        **client,
    )
    issued = services.app_token_issue(sign_in=sign_in, ip=client["ip"])
    actor = actor_for(sign_in.user, sign_in.context)
    return {
        "token": issued.raw,
        "context": issued.context,
        "expires_at": issued.expires_at,
        "actor": selectors.actor_profile(actor=actor),
    }


@router.delete(
    "/token",
    auth=token_auth,
    response={204: None, 401: ErrorOut},
    summary="退出登录（作废当前令牌）",
)
def token_delete(request: HttpRequest) -> HttpResponse:
    actor = api_actor(request)
    client = _client(request)
    header = request.headers.get("Authorization", "")
    raw = header.split(" ", 1)[1].strip() if " " in header else ""
    if actor.user is None or not services.app_token_revoke(
        user=actor.user, raw=raw, ip=client["ip"]
    ):
        raise Unauthenticated("令牌无效或已作废", code="UNAUTHENTICATED")
    services.sign_out_record(
        user=actor.user, context=actor.context, channel=SignInEvent.Channel.API, **client
    )
    return HttpResponse(status=204)


@router.get(
    "/me",
    auth=token_auth,
    response={200: MeOut, 401: ErrorOut},
    summary="当前身份",
    description="令牌代表的用户、登录身份；单位身份含角色与授权事项，经办人员含部门与负责区县。",
)
def me(request: HttpRequest) -> dict[str, Any]:
    return selectors.actor_profile(actor=api_actor(request))
