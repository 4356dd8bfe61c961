"""Annotated types and shared schemas for the API (django-ninja / pydantic).

:class:`ErrorOut` is the one error schema of every operation (shebao/api.py documents it for
every error status; a test fails on an error status documented with another schema).

An identifier in a request body or query is declared with one of these types, so it reaches
the service in its one spelling (:data:`shebao.common.identifiers.SPELLINGS`); the service
validates it and answers with a stable error code. A test walks every input schema of the API
and fails on an identifier field declared as a plain ``str``.
"""

from __future__ import annotations

from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import BeforeValidator

from shebao.common.identifiers import SPELLINGS


class Spelling:
    """Marker in a field's metadata naming the identifier kind (read by the schema test)."""

    def __init__(self, kind: str) -> None:
        if kind not in SPELLINGS:
            raise ValueError(f"unknown identifier kind {kind!r}")
        self.kind = kind

    def __call__(self, value: Any) -> Any:
        # Anything but a string is left for pydantic to refuse with its own message.
        return SPELLINGS[self.kind](value) if isinstance(value, str) else value

    def __repr__(self) -> str:
        return f"Spelling({self.kind!r})"


def _spelled(kind: str) -> Any:
    return Annotated[str, BeforeValidator(Spelling(kind))]


IdNumberStr = _spelled("id_number")
CreditCodeStr = _spelled("credit_code")
MobileStr = _spelled("mobile")
VerificationCodeStr = _spelled("verification_code")
BankCardStr = _spelled("bank_card")
BankAccountStr = _spelled("bank_account")
TrackingNumberStr = _spelled("tracking_number")
# A sign-in name: an ID number, a mobile or a staff number (the service tells which).
IdentifierStr = _spelled("identifier")


class FieldErrorOut(Schema):
    field: str = Field(description="出错的参数或字段（嵌套字段以 . 分隔）")
    message: str = Field(description="中文说明")


class RowProblemOut(Schema):
    row: int = Field(description="名册或明细的行号")
    column: str = Field(description="列名")
    reason: str = Field(description="中文说明")


# Every error answer of the API, whatever the status: a stable ``code`` and a Chinese
# ``message``, and where they apply the field, the details, the per-field errors of a 422, the
# refused rows of a roster or the wait of a 429.
class ErrorOut(Schema):
    code: str = Field(
        description="稳定错误码，如 INVALID_INPUT、NOT_FOUND、UNAUTHENTICATED、FORBIDDEN、"
        "APPLICATION_STALE、RATE_LIMITED；各接口的说明列出其特有的错误码"
    )
    message: str = Field(description="中文说明，可直接展示给用户")
    field: str | None = Field(default=None, description="出错的参数或字段名")
    details: dict[str, Any] | None = Field(
        default=None, description="与错误码相关的补充信息，如 remaining_attempts、locked_until"
    )
    errors: list[FieldErrorOut] | None = Field(
        default=None, description="INVALID_INPUT（422）：逐项的参数错误"
    )
    rows: list[RowProblemOut] | None = Field(
        default=None, description="名册或明细被拒收（422）：每处错误的行、列、原因"
    )
    retry_after: int | None = Field(
        default=None, description="RATE_LIMITED（429）：多少秒后可再试，另见 Retry-After 响应头"
    )
