from django.urls import path

from shebao.hall import views

app_name = "hall"

urlpatterns = [
    path("", views.home, name="home"),
    path("me/", views.individual_center, name="individual_center"),
    path("me/benefits/", views.benefits, name="benefits"),
    path("me/benefits/payouts/", views.benefit_payouts, name="benefit_payouts"),
    path("unit/", views.unit_center, name="unit_center"),
    path("staff/", views.staff_center, name="staff_center"),
]
