from django.urls import path

from shebao.training import views

app_name = "training"

urlpatterns = [
    path("", views.institutions, name="institutions"),
    path("institutions/<int:pk>/register/", views.register, name="register"),
    path("registrations/", views.registrations, name="registrations"),
    path("registrations/<str:number>/", views.registration, name="registration"),
    path("assessment/", views.assessment, name="assessment"),
    path("assessment/filing/", views.filing, name="filing"),
    path("assessment/filings/<int:pk>/", views.filing_review, name="filing_review"),
    path("assessment/plans/new/", views.plan_new, name="plan_new"),
    path("assessment/plans/<str:number>/", views.plan, name="plan"),
    path("assessment/plans/<str:number>/tickets.xlsx", views.tickets, name="tickets"),
    path("certificates/", views.certificates, name="certificates"),
    path("certificates/<str:number>/", views.certificate, name="certificate"),
    path("professional-exam/", views.professional_exam, name="professional_exam"),
]
