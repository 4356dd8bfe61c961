from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from shebao.common.errors import DomainError


class DomainErrorMiddleware:
    """A refused action that a page view did not handle itself becomes a Chinese error page
    with the right status (403, 404, 409 …). The API has its own handlers."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not isinstance(exc, DomainError) or request.path.startswith("/api/"):
            return None
        response = TemplateResponse(
            request, "hall/error.html", {"error": exc, "status": exc.status}, status=exc.status
        )
        for name, value in exc.headers.items():  # e.g. Retry-After with a 429
            response[name] = value
        return response.render()
