from django.urls import path

from shebao.policy import views

app_name = "policy"

urlpatterns = [
    path("", views.index, name="index"),
    path("records/<int:pk>/", views.record_detail, name="record"),
    path("records/<int:pk>/finalize/", views.record_finalize, name="record_finalize"),
    path("records/<int:pk>/settle/", views.record_settle, name="record_settle"),
    path("<str:code>/", views.region, name="region"),
    path("<str:code>/<str:key>/", views.history, name="history"),
    path("<str:code>/<str:key>/new/", views.record_new, name="record_new"),
]
