from django.urls import path

from shebao.cards import views

app_name = "cards"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("loss/", views.loss, name="loss"),
    path("loss/cancel/", views.loss_cancel, name="loss_cancel"),
    path("proof/", views.card_proof, name="proof"),
    path("ecard/", views.ecard, name="ecard"),
    path("ecard/code/", views.ecard_code, name="ecard_code"),
    path("staff/", views.staff, name="staff"),
    path("staff/<int:pk>/mail/", views.staff_mail, name="staff_mail"),
    path("staff/<int:pk>/hand-over/", views.staff_hand_over, name="staff_hand_over"),
    path("staff/check/", views.staff_check, name="staff_check"),
]
