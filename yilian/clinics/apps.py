from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClinicsConfig(AppConfig):
    name = "yilian.clinics"
    label = "clinics"
    verbose_name = _("Remote e-clinic and ward round")

    def ready(self) -> None:
        from yilian.workflow.registry import register

        from .kinds import KINDS

        for kind in KINDS:
            register(kind)
