from django.urls import path

from shebao.emergency import views

app_name = "emergency"

urlpatterns = [
    path("", views.measures, name="measures"),
    path("operations/", views.operations, name="operations"),
    path("operations/<str:number>/", views.operation, name="operation"),
]
