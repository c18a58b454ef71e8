from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupsConfig(AppConfig):
    name = "yilian.followups"
    label = "followups"
    verbose_name = _("Patient follow-up")

    def ready(self) -> None:
        from yilian.agenda import sources
        from yilian.workflow.registry import register

        from .agenda import doctor_visits
        from .kinds import KINDS

        for kind in KINDS:
            register(kind)
        sources.register(doctor_visits)
