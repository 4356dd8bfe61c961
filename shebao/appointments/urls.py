from django.urls import path

from shebao.appointments import views

app_name = "appointments"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("book/", views.book, name="book"),
    path("<int:pk>/cancel/", views.cancel, name="cancel"),
    path("directory/", views.directory, name="directory"),
    path("staff/", views.desk, name="desk"),
    path("staff/phone/", views.phone, name="phone"),
    path("staff/<int:pk>/mark/", views.mark, name="mark"),
]
