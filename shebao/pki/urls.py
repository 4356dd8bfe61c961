from django.urls import path  # noqa: F401

app_name = "pki"

urlpatterns: list = []
