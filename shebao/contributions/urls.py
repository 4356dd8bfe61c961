from django.urls import path

from shebao.contributions import views

app_name = "contributions"

urlpatterns = [
    path("unit/bases/", views.base_declaration, name="bases"),
    path("unit/bases.xlsx", views.base_sheet, name="base_sheet"),
]
