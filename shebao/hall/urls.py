from django.urls import path

from shebao.hall import views

app_name = "hall"

urlpatterns = [
    path("", views.home, name="home"),
    path("me/", views.individual_center, name="individual_center"),
    path("unit/", views.unit_center, name="unit_center"),
    path("staff/", views.staff_center, name="staff_center"),
]
