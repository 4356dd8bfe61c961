from django.urls import path

from shebao.hall import views

app_name = "hall"

urlpatterns = [
    path("", views.home, name="home"),
]
