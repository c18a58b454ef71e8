from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    name = "yilian.security"
    label = "security"
    verbose_name = _("Account security")

    def ready(self) -> None:
        from . import signals  # noqa: F401 — session bookkeeping on login and logout

        _keep_security_out_of_the_django_admin()


def _keep_security_out_of_the_django_admin() -> None:
    """Separation of duties: second factors are reset by the security administrator, on the
    lockouts page, and nowhere else. django-otp registers its devices in the Django admin,
    where the system administrator (the superuser) would delete them; they are taken out
    again here (their admin modules are imported first, so the admin's own discovery later
    finds them loaded and does not register them twice). Lockouts stay out the same way
    (``AXES_ENABLE_ADMIN = False`` in the settings)."""
    from django.contrib import admin
    from django_otp.plugins.otp_static import admin as static_admin  # noqa: F401
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp import admin as totp_admin  # noqa: F401
    from django_otp.plugins.otp_totp.models import TOTPDevice

    for model in (TOTPDevice, StaticDevice):
        if admin.site.is_registered(model):
            admin.site.unregister(model)
