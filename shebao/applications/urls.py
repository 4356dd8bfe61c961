from django.urls import path

from shebao.applications import views

app_name = "applications"

urlpatterns = [
    path("", views.application_list, name="list"),
    path("queue/", views.queue, name="queue"),
    # The catalogue's guide links here with the matter code as the only argument.
    path("new/<str:code>/", views.application_new, name="new"),
    path("<str:number>/", views.application_detail, name="detail"),
    path("<str:number>/edit/", views.application_edit, name="edit"),
    path("<str:number>/submit/", views.application_submit, name="submit"),
    path("<str:number>/recall/", views.application_recall, name="recall"),
    path("<str:number>/withdraw/", views.application_withdraw, name="withdraw"),
    path("<str:number>/materials/", views.material_upload, name="upload"),
    path("<str:number>/materials/<int:material_id>/", views.material_download, name="download"),
    path(
        "<str:number>/materials/<int:material_id>/remove/",
        views.material_remove,
        name="remove_material",
    ),
    path("<str:number>/decide/", views.application_decide, name="decide"),
    path("<str:number>/mail/", views.mail_declare, name="mail"),
    path("<str:number>/mail/<int:mailing_id>/receive/", views.mail_receive, name="mail_receive"),
]
