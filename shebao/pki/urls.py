from django.urls import path

from shebao.pki import views

app_name = "pki"

urlpatterns = [
    path("login/", views.login, name="login"),
    path("ca.pem", views.ca_certificate, name="ca_certificate"),
    path("tool/shebao-ukey", views.tool, name="tool"),
    path("unit/", views.unit, name="unit"),
    path("requests/<int:pk>/withdraw/", views.request_withdraw, name="request_withdraw"),
    path("certificates/<int:pk>/", views.certificate, name="certificate"),
    path(
        "certificates/<int:pk>/download/",
        views.certificate_download,
        name="certificate_download",
    ),
    path("certificates/<int:pk>/revoke/", views.certificate_revoke, name="certificate_revoke"),
    path("staff/", views.staff, name="staff"),
    path("staff/requests/<int:pk>/", views.request_decide, name="request_decide"),
    path("staff/issue/", views.staff_issue, name="staff_issue"),
]
