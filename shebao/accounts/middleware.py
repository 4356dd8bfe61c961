from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from shebao.accounts.actors import CONTEXT_SESSION_KEY, Actor, actor_for


def _session_actor(request: HttpRequest) -> Actor:
    return actor_for(request.user, request.session.get(CONTEXT_SESSION_KEY))  # type: ignore[arg-type]


class ActorMiddleware:
    """Puts ``request.actor`` (lazily) on every page request; the API sets it from its token."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.actor = SimpleLazyObject(lambda: _session_actor(request))  # type: ignore[attr-defined]
        return self.get_response(request)
