from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StandardsConfig(AppConfig):
    name = "yilian.standards"
    label = "standards"
    verbose_name = _("Standards promotion")

    def ready(self) -> None:
        from yilian.files import access

        from . import policies
        from .models import StandardVersion

        access.register(
            StandardVersion,
            access.Policy(
                can_read=lambda user, version: policies.may_read(user, version.standard),
                can_attach=policies.may_manage,
            ),
        )
