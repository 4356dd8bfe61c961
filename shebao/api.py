"""REST API v1 (django-ninja). OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs.

Every error is JSON ``{"code": <stable code>, "message": <Chinese message>, ...}``.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.utils.datastructures import MultiValueDict
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.docs import Swagger
from ninja.openapi.schema import REF_TEMPLATE, OpenAPISchema
from ninja.operation import Operation
from ninja.parser import Parser
from ninja.renderers import JSONRenderer
from ninja.schema import NinjaGenerateJsonSchema

from shebao.common import text
from shebao.common.errors import DomainError
from shebao.common.schemas import ErrorOut

logger = logging.getLogger(__name__)


class ChineseJSONRenderer(JSONRenderer):
    """JSON with Chinese characters as they are, not \\u escapes."""

    json_dumps_params = {"ensure_ascii": False}


class RequestTooLarge(DomainError):
    status = 413
    default_code = "TOO_LARGE"


def body_limit(request: HttpRequest) -> int:
    """The largest JSON body an operation parses: small for anonymous callers (the calculators,
    the sign-in endpoints), larger once a token has been checked. Authentication runs before
    the body is parsed, so an operation that needs a token never parses an anonymous body."""
    if getattr(request, "auth", None) is None or getattr(request.auth, "is_anonymous", True):
        return settings.SHEBAO_ANONYMOUS_JSON_MAX_BYTES
    return settings.SHEBAO_JSON_MAX_BYTES


def _kilobytes(size: int) -> str:
    return f"{size // 1024} KB" if size < 1024 * 1024 else f"{size / 1024 / 1024:g} MB"


class HallParser(Parser):
    """JSON bodies, query strings and form fields pass the hall's one text check
    (:mod:`shebao.common.text`): no lone surrogate, NUL or control character, no NaN or
    Infinity, and no anonymous body larger than a few dozen kilobytes, all before any value
    reaches an operation."""

    def parse_body(self, request: HttpRequest) -> Any:
        limit = body_limit(request)
        declared = request.META.get("CONTENT_LENGTH") or "0"
        size = int(declared) if declared.isdigit() else 0
        if max(size, len(request.body)) > limit:
            raise RequestTooLarge(f"请求内容过大：请求体不能超过 {_kilobytes(limit)}")
        return text.json_loads(request.body)

    def parse_querydict(
        self, data: MultiValueDict, list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        result = super().parse_querydict(data, list_fields, request)
        text.text_check(result)
        return result


# The errors any operation can answer with, whatever its own code does (the API's edge and
# ninja's parsing), documented on each operation they apply to with the one error schema.
_IMPLIED_ERRORS = {
    400: "请求无法解析：JSON 或 multipart 格式错误，或地址、请求头含有无法识别的字符",
    401: "未登录，或令牌无效、已过期",
    404: "资源不存在，或无权知晓其存在",
    413: "请求内容过大",
    422: "输入有误：errors 逐项列出参数错误",
}
_BODY_SOURCES = ("body", "form", "file")


def validates_input(operation: Operation) -> bool:
    """Whether an operation can refuse its input with 422: it takes a query, a body or a form,
    or a path parameter that is more than any text (a number, an identifier); a plain text path
    parameter cannot be refused, whatever it is."""
    for model in operation.models:
        if model.__ninja_param_source__ != "path":
            return True
        if any(f.annotation is not str or f.metadata for f in model.model_fields.values()):
            return True
    return False


class HallOpenAPISchema(OpenAPISchema):
    """ninja's schema, telling the truth about errors and authentication:

    - every error status an operation can answer with is documented with :class:`ErrorOut`:
      400 on every operation, 401 where a token is checked, 404 where the path names a
      resource, 413 where a body is read, 422 where input is validated (besides the statuses
      each operation declares itself: 403, 409, 429 …);
    - an operation whose token is optional says so (``security: [{}, {"TokenAuth": []}]``)
      instead of listing a second, mandatory scheme.
    """

    def responses(self, operation: Operation) -> dict[int, Any]:
        result = super().responses(operation)
        has_body = any(m.__ninja_param_source__ in _BODY_SOURCES for m in operation.models)
        implied = {
            400: True,
            401: bool(operation.auth_callbacks),
            404: "{" in operation.path,
            413: has_body,
            422: validates_input(operation),
        }
        for status, applies in implied.items():
            if applies and status not in result:
                result[status] = {
                    "description": _IMPLIED_ERRORS[status],
                    "content": {self.api.renderer.media_type: {"schema": self._error_schema()}},
                }
        return dict(sorted(result.items()))

    def _error_schema(self) -> dict[str, Any]:
        schema = ErrorOut.model_json_schema(
            ref_template=REF_TEMPLATE,
            schema_generator=NinjaGenerateJsonSchema,
            mode="serialization",
        )
        self.add_schema_definitions(schema.pop("$defs", {}))
        self.add_schema_definitions({"ErrorOut": schema})
        return {"$ref": REF_TEMPLATE.format(model="ErrorOut")}

    def operation_security(self, operation: Operation) -> list[dict[str, Any]] | None:
        result: list[dict[str, Any]] = []
        for auth in operation.auth_callbacks:
            if not hasattr(auth, "openapi_security_schema"):
                continue
            name = getattr(auth, "scheme_name", type(auth).__name__)
            self.securitySchemes[name] = auth.openapi_security_schema
            if getattr(auth, "optional", False) and {} not in result:
                result.append({})  # no token at all is accepted
            if {name: []} not in result:
                result.append({name: []})
        return result or None


class HallAPI(NinjaAPI):
    """The hall's API. Its OpenAPI schema is built once per process, on first use: building it
    walks every operation and every pydantic model (about 100–250 ms of CPU), and
    ``/api/v1/openapi.json`` is public, so rebuilding it per request let a handful of anonymous
    clients saturate the hall. The operations are fixed once the routers are mounted (below), so
    the schema cannot go stale; a router added later changes the key and rebuilds it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._schemas: dict[tuple[str, int], OpenAPISchema] = {}
        self._schema_lock = threading.Lock()

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        key = (path_prefix, len(self._routers))
        schema = self._schemas.get(key)
        if schema is None:
            with self._schema_lock:  # concurrent first requests build it once
                schema = self._schemas.get(key)
                if schema is None:
                    schema = HallOpenAPISchema(self, path_prefix)
                    self._schemas[key] = schema
        return schema


_JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


class HallSwagger(Swagger):
    """The API docs page, entirely from the hall's own static files (the Swagger UI that
    django-ninja ships), under the hall's Content-Security-Policy: no CDN, no inline script, no
    call to the public validator."""

    template = "hall/api_docs.html"

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        settings_ = {**self.settings, "url": self.get_openapi_url(api, kwargs)}
        # Escaped as Django's json_script does, so no value can close the data block.
        data = json.dumps(settings_, ensure_ascii=False).translate(_JSON_SCRIPT_ESCAPES)
        context = {"swagger_settings": data, "api": api}
        return render(request, self.template, context)


api = HallAPI(
    parser=HallParser(),
    renderer=ChineseJSONRenderer(),
    title="社会保险网上经办服务大厅 API",
    version="1",
    description=(
        "供移动应用、小程序与合作银行调用的接口。认证：`Authorization: Bearer <令牌>`。"
        '错误统一返回 `{"code": 稳定错误码, "message": 中文说明}`。'
    ),
    urls_namespace="api-v1",
    docs=HallSwagger(settings={"validatorUrl": None, "docExpansion": "list"}),
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


_FIELD_LABELS = {
    "missing": "缺少必填项",
    "int_parsing": "应为整数",
    "int_parsing_size": "应为整数",
    "int_type": "应为整数",
    "decimal_parsing": "应为数值",
    "date_from_datetime_parsing": "应为日期，格式如 2024-09-30",
    "date_parsing": "应为日期，格式如 2024-09-30",
    "string_type": "应为文本",
    "bool_parsing": "应为 true 或 false",
}
_BOUND_LABELS = {
    "greater_than_equal": ("ge", "不能小于{}"),
    "greater_than": ("gt", "应大于{}"),
    "less_than_equal": ("le", "不能大于{}"),
    "less_than": ("lt", "应小于{}"),
    "string_too_long": ("max_length", "不能超过{}个字符"),
    "string_too_short": ("min_length", "不能少于{}个字符"),
}


def _reason(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    context = error.get("ctx") or {}
    if kind in _BOUND_LABELS:
        key, template = _BOUND_LABELS[kind]
        if key in context:
            return template.format(context[key])
    if kind == "value_error":  # our own validators speak Chinese
        return str(error.get("msg", "")).removeprefix("Value error, ") or "格式不正确"
    return _FIELD_LABELS.get(kind, "格式不正确")


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = []
    for error in exc.errors:
        location = [str(part) for part in error.get("loc", []) if part not in ("body", "payload")]
        reason = _reason(error)
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
    if isinstance(exc.__cause__, DomainError):
        # ninja wraps whatever the parser raises into "400 cannot parse"; a refusal the
        # parser made on purpose (unsafe text, NaN, too large) keeps its own status and code.
        return on_domain_error(request, exc.__cause__)
    code, message = _HTTP_ERRORS.get(exc.status_code, ("ERROR", "请求无法处理"))
    return _error(request, exc.status_code, {"code": code, "message": message})


@api.exception_handler(MultiPartParserError)
def on_multipart_error(request: HttpRequest, exc: MultiPartParserError) -> HttpResponse:
    return _error(
        request,
        400,
        {
            "code": "MULTIPART_INVALID",
            "message": "上传内容格式不正确（multipart 请求缺少 boundary 或内容已损坏），请重新上传",
        },
    )


@api.exception_handler(RequestDataTooBig)
def on_too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    limit = _kilobytes(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    return _error(request, 413, {"code": "TOO_LARGE", "message": f"请求内容过大：不能超过 {limit}"})


@api.exception_handler(BadRequest)
@api.exception_handler(SuspiciousOperation)
def on_bad_request(request: HttpRequest, exc: Exception) -> HttpResponse:
    code, message = _HTTP_ERRORS[400]
    return _error(request, 400, {"code": code, "message": message})


@api.exception_handler(Exception)
def on_unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("unhandled API error on %s", request.path)
    return _error(request, 500, {"code": "INTERNAL_ERROR", "message": "系统繁忙，请稍后再试"})


def _mount() -> None:
    """Each domain app owns its router in its ``api.py``."""
    from shebao.accounts.api import router as accounts_router
    from shebao.applications.api import router as applications_router
    from shebao.appointments.api import router as appointments_router
    from shebao.audit.api import router as audit_router
    from shebao.calculators.api import router as calculators_router
    from shebao.cards.api import router as cards_router
    from shebao.catalogue.api import router as catalogue_router
    from shebao.certificates.api import router as certificates_router
    from shebao.contributions.api import router as contributions_router
    from shebao.emergency.api import router as emergency_router
    from shebao.insurance.api import router as insurance_router
    from shebao.payments.api import router as payments_router
    from shebao.pki.api import router as pki_router
    from shebao.policy.api import router as policy_router
    from shebao.training.api import router as training_router

    api.add_router("/auth/ca", pki_router)
    api.add_router("/auth", accounts_router)
    api.add_router("/catalogue", catalogue_router)
    api.add_router("/applications", applications_router)
    api.add_router("/policy", policy_router)
    api.add_router("/calculators", calculators_router)
    api.add_router("/emergency-measures", emergency_router)
    api.add_router("/audit", audit_router)
    api.add_router("", insurance_router)
    api.add_router("", contributions_router)
    api.add_router("", payments_router)
    api.add_router("", cards_router)
    api.add_router("", training_router)
    api.add_router("", certificates_router)
    api.add_router("", appointments_router)


_mount()
