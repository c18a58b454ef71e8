from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TeachingConfig(AppConfig):
    name = "yilian.teaching"
    label = "teaching"
    verbose_name = _("Teaching and training")

    def ready(self) -> None:
        from yilian.files import access

        from . import policies
        from .models import Lesson

        access.register(
            Lesson, access.Policy(can_read=policies.may_read_lesson, can_attach=policies.may_manage)
        )

        from yilian.workflow.registry import register

        from .kinds import KINDS

        for kind in KINDS:
            register(kind)

        from yilian.agenda import sources

        from .agenda import cme_sessions

        sources.register(cme_sessions)
