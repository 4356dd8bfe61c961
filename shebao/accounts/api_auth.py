"""How the API knows who is calling: a bearer token, never the browser session.

``request.auth`` is the :class:`~shebao.accounts.actors.Actor`. Endpoints that anyone may call
use ``auth=optional_token`` and get the anonymous actor without a token.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from shebao.accounts.actors import ANONYMOUS_ACTOR, Actor
from shebao.accounts.tokens import token_actor


class TokenAuth(HttpBearer):
    """Requires a valid token."""

    scheme_name = "TokenAuth"  # the OpenAPI security scheme (shebao.api.HallOpenAPISchema)
    openapi_description = (
        "`Authorization: Bearer <令牌>`：POST /api/v1/auth/token（密码）或 /api/v1/auth/ca/token"
        "（CA 证书）取得；合作机构的令牌由管理员签发"
    )

    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        actor = token_actor(token)
        return None if actor.is_anonymous else actor


class OptionalTokenAuth(TokenAuth):
    """Accepts a valid token or none at all; an invalid token is still refused."""

    optional = True  # documented as `security: [{}, {"TokenAuth": []}]`

    def __call__(self, request: HttpRequest) -> Any:
        if not request.headers.get(self.header):
            return ANONYMOUS_ACTOR
        return super().__call__(request)


token_auth = TokenAuth()
optional_token = OptionalTokenAuth()


def api_actor(request: HttpRequest) -> Actor:
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, Actor) else ANONYMOUS_ACTOR
