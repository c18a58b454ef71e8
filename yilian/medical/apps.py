from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MedicalConfig(AppConfig):
    name = "yilian.medical"
    label = "medical"
    verbose_name = _("Remote medical")

    def ready(self) -> None:
        from yilian.workflow.registry import register

        from .kinds import KINDS

        for kind in KINDS:
            register(kind)
