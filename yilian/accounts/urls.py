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
    path("people/", views.people, name="people"),
    path("people/<uuid:public_id>/", views.person, name="person"),
    path("people/<uuid:public_id>/role/", views.person_role, name="person_role"),
    path("people/<uuid:public_id>/enabled/", views.person_enabled, name="person_enabled"),
    path("people/<uuid:public_id>/reset/", views.person_reset, name="person_reset"),
    path("people/<uuid:public_id>/team/", views.person_team, name="person_team"),
    path("role-changes/", views.role_changes, name="role_changes"),
    path("set-password/<str:token>/", views.set_password, name="set_password"),
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
