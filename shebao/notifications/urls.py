from django.urls import path

from shebao.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("outbox/", views.outbox, name="outbox"),
    path("unit/", views.unit_preference, name="unit_preference"),
]
