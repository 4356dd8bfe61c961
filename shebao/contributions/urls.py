from django.urls import path

from shebao.contributions import history_views, views

app_name = "contributions"

urlpatterns = [
    path("unit/bases/", views.base_declaration, name="bases"),
    path("unit/bases.xlsx", views.base_sheet, name="base_sheet"),
    path("unit/institution-wages/", views.institution_wages, name="institution_wages"),
    path(
        "unit/institution-wages.xlsx", views.institution_wage_sheet, name="institution_wage_sheet"
    ),
    path("unit/base-difference/", views.base_difference, name="base_difference"),
    path("unit/base-difference.xlsx", views.base_difference_sheet, name="base_difference_sheet"),
    path("unit/assess/", views.assess, name="assess"),
    path("bills/", views.bills, name="bills"),
    path("bills/<str:number>.pdf", views.bill_file, name="bill_pdf"),
    path("bills/<str:number>.xlsx", views.bill_sheet, name="bill_sheet"),
    path("bills/<str:number>/", views.bill_detail, name="bill"),
    path("bills/<str:number>/lines/<int:line_id>/", views.line_trace, name="line"),
    path(
        "bills/<str:number>/adjustments/<int:adjustment_id>/",
        views.adjustment_trace,
        name="adjustment",
    ),
    path("staff/runs/", views.runs, name="runs"),
    path("me/", history_views.mine, name="mine"),
    path("me/arrears/", views.arrears, name="arrears"),
    path("unit/history/", history_views.unit_history, name="unit_history"),
    path("unit/history/<int:person_id>/", history_views.unit_employee, name="unit_employee"),
    path("staff/history/", history_views.staff_history, name="staff_history"),
]
