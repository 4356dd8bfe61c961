from django.urls import path

from shebao.audit import views

app_name = "audit"

urlpatterns = [
    path("reports/", views.reports, name="reports"),
    path("reports/<str:number>/", views.report, name="report"),
    path("cases/", views.cases, name="cases"),
    path("cases/<str:number>/", views.case, name="case"),
]
