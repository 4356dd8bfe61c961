from django.urls import path

from shebao.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("register/", views.register, name="register"),
    path("register/unit/", views.register_unit, name="register_unit"),
    path("code/", views.code_send, name="code_send"),
    path("password/", views.password_change, name="password_change"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path("unit/users/", views.unit_users, name="unit_users"),
    path(
        "unit/users/<int:membership_id>/revoke/",
        views.unit_user_revoke,
        name="unit_user_revoke",
    ),
    path(
        "unit/users/<int:membership_id>/grants/",
        views.unit_user_grants,
        name="unit_user_grants",
    ),
    path("counter/unit/", views.counter_register, name="counter_register"),
]
