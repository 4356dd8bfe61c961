"""A URL configuration whose hall has only its home page (portals not installed)."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def _home(request: HttpRequest) -> HttpResponse:
    return HttpResponse("home")


urlpatterns = [
    path("accounts/", include("shebao.accounts.urls")),
    path("", include(([path("", _home, name="home")], "hall"))),
]
