from django.urls import path

from shebao.payments import views

app_name = "payments"

urlpatterns = [
    path("counter/", views.counter, name="counter"),
    path("receipts/", views.mine, name="mine"),
    path("receipts/<str:number>/", views.receipt, name="receipt"),
    path("bills/<str:number>/pay/", views.pay, name="pay"),
    path("localbank/<str:number>/", views.cashier, name="cashier"),
    path("staff/bank/", views.bank, name="bank"),
    path("staff/bank/<str:number>/", views.bank_batch, name="bank_batch"),
    path("staff/bank/<str:number>/file.csv", views.bank_file, name="bank_file"),
    path("staff/refunds/", views.refunds, name="refunds"),
    path("staff/refunds/<str:number>/", views.refund, name="refund"),
    path("staff/refund-cases/<str:number>/calls/", views.refund_call, name="refund_call"),
]
