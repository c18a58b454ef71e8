from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LinkageConfig(AppConfig):
    name = "yilian.linkage"
    label = "linkage"
    verbose_name = _("Hospital linkage")

    def ready(self) -> None:
        from yilian.workflow.registry import register

        from .kinds import KINDS

        for kind in KINDS:
            register(kind)
