from django.urls import path

from shebao.insurance import views

app_name = "insurance"

urlpatterns = [
    path("me/", views.my_insurance, name="mine"),
    path("unit/staff/", views.unit_roster, name="roster"),
    path("unit/staff.xlsx", views.unit_roster_export, name="roster_export"),
    path("staff/lookup/", views.staff_lookup, name="staff_lookup"),
    path("staff/dispatch-licences/", views.dispatch_licences, name="dispatch_licences"),
    path(
        "staff/units/<str:credit_code>/staff.xlsx",
        views.staff_roster_export,
        name="staff_roster_export",
    ),
    path("unit/staff/changes/", views.staff_changes_upload, name="staff_changes_upload"),
    path(
        "unit/staff/changes/report/<str:token>/",
        views.staff_changes_report,
        name="staff_changes_report",
    ),
    path("changes/<str:number>/", views.staff_changes_lines, name="staff_changes_lines"),
    path("staff-changes/template.xlsx", views.template_download, name="template"),
]
