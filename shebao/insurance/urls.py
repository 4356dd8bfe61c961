from django.urls import path

from shebao.insurance import views

app_name = "insurance"

urlpatterns = [
    path("me/", views.my_insurance, name="mine"),
    path("unit/staff/", views.unit_roster, name="roster"),
    path("unit/staff.xlsx", views.unit_roster_export, name="roster_export"),
    path("staff/lookup/", views.staff_lookup, name="staff_lookup"),
    path(
        "staff/units/<str:credit_code>/staff.xlsx",
        views.staff_roster_export,
        name="staff_roster_export",
    ),
]
