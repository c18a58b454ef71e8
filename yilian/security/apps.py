from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    name = "yilian.security"
    label = "security"
    verbose_name = _("Account security")

    def ready(self) -> None:
        from . import signals  # noqa: F401 — session bookkeeping on login and logout
