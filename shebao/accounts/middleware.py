import time
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from shebao.accounts.actors import CONTEXT_SESSION_KEY, Actor, actor_for


def _session_actor(request: HttpRequest) -> Actor:
    return actor_for(request.user, request.session.get(CONTEXT_SESSION_KEY))  # type: ignore[arg-type]


@lru_cache(maxsize=1)
def _password_pages() -> tuple[str, ...]:
    """Pages a user holding a temporary password may still open."""
    return (reverse("accounts:password_change"), reverse("accounts:logout"))


_PASSTHROUGH = ("/api/", "/static/", "/admin/")


class ActorMiddleware:
    """Puts ``request.actor`` (lazily) on every page request; the API sets it from its token.

    A user signed in with a temporary password from the agency (``password_must_change``) is
    sent to the password change page from every other page until they set their own.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.actor = SimpleLazyObject(lambda: _session_actor(request))  # type: ignore[attr-defined]
        if (
            not request.path_info.startswith(_PASSTHROUGH)
            and request.path_info not in _password_pages()
            and getattr(request.user, "password_must_change", False)
        ):
            return HttpResponseRedirect(_password_pages()[0])
        return self.get_response(request)


# Where a session remembers when its expiry was last pushed forward (epoch seconds).
_REFRESHED_KEY = "_shebao_refreshed"


class SlidingSessionMiddleware:
    """Keeps a signed-in session alive while it is used, saving it at most once a minute.

    Sessions expire ``SESSION_COOKIE_AGE`` after the last activity. Django's
    ``SESSION_SAVE_EVERY_REQUEST`` does that by writing the session row on every request
    (three statements a page); here the session is marked modified, so saved with a new
    expiry, only when its last refresh is older than ``SHEBAO_SESSION_REFRESH_SECONDS``: an
    idle session ends within that many seconds of its full age. A visitor without a session
    gets none.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.modified or session.is_empty():
            return response
        now = int(time.time())
        if now - int(session.get(_REFRESHED_KEY, 0)) >= settings.SHEBAO_SESSION_REFRESH_SECONDS:
            session[_REFRESHED_KEY] = now
        return response
