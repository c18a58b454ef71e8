from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("register/", views.register, name="register"),
    path("register/choices/", views.registration_choices, name="registration_choices"),
    path("status/", views.account_status, name="status"),
    path("profile/", views.profile, name="profile"),
    path("registrations/", views.registrations, name="registrations"),
    path("registrations/<uuid:public_id>/", views.registration_detail, name="registration_detail"),
    path(
        "registrations/<uuid:public_id>/approve/",
        views.approve_registration,
        name="approve_registration",
    ),
    path(
        "registrations/<uuid:public_id>/reject/",
        views.reject_registration,
        name="reject_registration",
    ),
    path("password/change/", views.password_change, name="password_change"),
    path("password/change/done/", views.password_change_done, name="password_change_done"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path("password/reset/sent/", views.password_reset_done, name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("password/reset/complete/", views.password_reset_complete, name="password_reset_complete"),
]
