from django.urls import path

from shebao.disputes import views

app_name = "disputes"

urlpatterns = [
    path("", views.index, name="index"),
    path("apply/mediation/", views.apply, {"kind": "mediation"}, name="apply_mediation"),
    path("apply/arbitration/", views.apply, {"kind": "arbitration"}, name="apply_arbitration"),
    path("staff/hotline/", views.hotline, name="hotline"),
    path("forms/arbitration-application.docx", views.form_blank, name="form_blank"),
    path("<str:number>/", views.case, name="case"),
    path("<str:number>/arbitration-application.docx", views.case_form, name="case_form"),
]
