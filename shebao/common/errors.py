"""The one error type of the domain layer.

Services raise :class:`DomainError` (or a subclass) with a stable machine-readable ``code`` and
a Chinese ``message`` for the user. The API turns it into JSON with the HTTP ``status``; pages
show the message next to the form. Nothing else is needed to report a refused action.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refused action: the input is wrong, the state forbids it, or the actor may not do it."""

    status: int = 400
    default_code: str = "INVALID_REQUEST"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        field: str | None = None,
        details: dict[str, Any] | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.field = field
        self.details = details or {}
        if status is not None:
            self.status = status

    @property
    def headers(self) -> dict[str, str]:
        """HTTP headers the answer carries besides the body (e.g. ``Retry-After``)."""
        return {}

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        if self.details:
            body["details"] = self.details
        return body

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r})"


class InvalidInput(DomainError):
    """The request is well formed but a value is not acceptable (HTTP 422)."""

    status = 422
    default_code = "INVALID_INPUT"


class NotFound(DomainError):
    """The object does not exist, or the actor may not know it exists (HTTP 404)."""

    status = 404
    default_code = "NOT_FOUND"


class PermissionDenied(DomainError):
    """The actor is known but may not do this (HTTP 403)."""

    status = 403
    default_code = "FORBIDDEN"


class Unauthenticated(DomainError):
    """No valid credentials (HTTP 401)."""

    status = 401
    default_code = "UNAUTHENTICATED"


class Conflict(DomainError):
    """The action does not fit the object's current state, or the form is stale (HTTP 409)."""

    status = 409
    default_code = "CONFLICT"


class RateLimited(DomainError):
    """Too many attempts from one client or at one account; try again after ``retry_after``
    seconds (HTTP 429 with a ``Retry-After`` header). Raised by :mod:`shebao.common.limits`."""

    status = 429
    default_code = "RATE_LIMITED"

    def __init__(self, message: str, *, retry_after: int, code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.retry_after = max(1, int(retry_after))

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "retry_after": self.retry_after}
