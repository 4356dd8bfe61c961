"""A URL configuration whose hall has the three portals (for the sign-in redirect tests)."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def _portal(request: HttpRequest) -> HttpResponse:
    return HttpResponse("portal")


hall = (
    [
        path("", _portal, name="home"),
        path("me/", _portal, name="individual_center"),
        path("unit/", _portal, name="unit_center"),
        path("work/", _portal, name="staff_center"),
    ],
    "hall",
)

urlpatterns = [path("accounts/", include("shebao.accounts.urls")), path("", include(hall))]
