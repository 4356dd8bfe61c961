from django.urls import path

from shebao.certificates import views

app_name = "certificates"

urlpatterns = [
    path("certificates/", views.mine, name="mine"),
    path("certificates/counter/", views.counter, name="counter"),
    path("certificates/<str:number>.pdf", views.file, name="file"),
    path("certificates/<str:number>/", views.detail, name="detail"),
    path("verify/", views.verify_form, name="verify_form"),
    path("verify/<str:code>/", views.verify, name="verify"),
]
