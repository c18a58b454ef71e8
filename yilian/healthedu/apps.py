from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HealthEduConfig(AppConfig):
    name = "yilian.healthedu"
    label = "healthedu"
    verbose_name = _("Health-education library")

    def ready(self) -> None:
        from yilian.files import access

        from . import policies
        from .models import Item

        # A published item's video and cover are readable by anyone (the share page needs no
        # login); a draft's files only by those who may see the draft.
        access.register(
            Item,
            access.Policy(
                can_read=policies.may_see,
                can_attach=policies.no_loose_files,
                is_public=policies.is_public,
            ),
        )
