from django.urls import path

from shebao.catalogue import views

app_name = "catalogue"

urlpatterns = [
    path("", views.matter_list, name="list"),
    path("<str:code>/", views.matter_detail, name="detail"),
]
