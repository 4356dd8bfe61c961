"""REST API v1 (django-ninja). OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs.

Every error is JSON ``{"code": <stable code>, "message": <Chinese message>, ...}``.
"""

from __future__ import annotations

import logging

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer

from shebao.common.errors import DomainError

logger = logging.getLogger(__name__)


class ChineseJSONRenderer(JSONRenderer):
    """JSON with Chinese characters as they are, not \\u escapes."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    renderer=ChineseJSONRenderer(),
    title="社会保险网上经办服务大厅 API",
    version="1",
    description=(
        "供移动应用、小程序与合作银行调用的接口。认证：`Authorization: Bearer <令牌>`。"
        '错误统一返回 `{"code": 稳定错误码, "message": 中文说明}`。'
    ),
    urls_namespace="api-v1",
    docs_url="/docs",
)


def _error(request: HttpRequest, status: int, body: dict) -> HttpResponse:
    return api.create_response(request, body, status=status)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    response = _error(request, exc.status, exc.as_dict())
    for name, value in exc.headers.items():  # e.g. Retry-After with a 429
        response[name] = value
    return response


_FIELD_LABELS = {"missing": "缺少必填项", "int_parsing": "应为整数", "decimal_parsing": "应为数值"}


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = []
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", []) if part not in ("body", "payload")]
        reason = _FIELD_LABELS.get(error.get("type", ""), "格式不正确")
        errors.append({"field": ".".join(location[1:] or location), "message": reason})
    summary = "；".join(f"{e['field']}：{e['message']}" for e in errors) or "请求格式不正确"
    return _error(
        request, 422, {"code": "INVALID_INPUT", "message": f"输入有误：{summary}", "errors": errors}
    )


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(
        request, 401, {"code": "UNAUTHENTICATED", "message": "请先登录，或令牌无效、已过期"}
    )


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, {"code": "NOT_FOUND", "message": "未找到请求的资源"})


# Framework-level errors carry English text; users get a Chinese message per status instead.
_HTTP_ERRORS = {
    400: ("BAD_REQUEST", "请求格式不正确，无法解析请求内容"),
    401: ("UNAUTHENTICATED", "请先登录，或令牌无效、已过期"),
    403: ("FORBIDDEN", "您没有权限执行此操作"),
    404: ("NOT_FOUND", "未找到请求的资源"),
    405: ("METHOD_NOT_ALLOWED", "不支持此请求方法"),
    413: ("TOO_LARGE", "请求内容过大"),
    429: ("TOO_MANY_REQUESTS", "请求过于频繁，请稍后再试"),
}


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code, message = _HTTP_ERRORS.get(exc.status_code, ("ERROR", "请求无法处理"))
    return _error(request, exc.status_code, {"code": code, "message": message})


@api.exception_handler(Exception)
def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("unhandled API error on %s", request.path)
    return _error(request, 500, {"code": "INTERNAL_ERROR", "message": "系统繁忙，请稍后再试"})


def _mount() -> None:
    """Each domain app owns its router in its ``api.py``."""
    from shebao.accounts.api import router as accounts_router
    from shebao.applications.api import router as applications_router
    from shebao.calculators.api import router as calculators_router
    from shebao.catalogue.api import router as catalogue_router
    from shebao.pki.api import router as pki_router
    from shebao.policy.api import router as policy_router

    api.add_router("/auth/ca", pki_router)
    api.add_router("/auth", accounts_router)
    api.add_router("/catalogue", catalogue_router)
    api.add_router("/applications", applications_router)
    api.add_router("/policy", policy_router)
    api.add_router("/calculators", calculators_router)


_mount()
