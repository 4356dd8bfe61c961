from django.urls import path

from shebao.retention import views

app_name = "retention"

urlpatterns = [
    path("", views.mine, name="mine"),
]
