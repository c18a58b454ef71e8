from django.urls import path

from . import views

app_name = "security"

urlpatterns = [
    path("two-factor/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("two-factor/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("account/", views.account_security, name="account"),
    path("lockouts/", views.lockouts, name="lockouts"),
    path("lockouts/reset-two-factor/", views.reset_two_factor, name="reset_two_factor"),
]
