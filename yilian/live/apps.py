from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiveConfig(AppConfig):
    name = "yilian.live"
    label = "live"
    verbose_name = _("Live events")

    def ready(self) -> None:
        from yilian.realtime import owners

        from . import chat
        from .services import CHAT_OWNER

        # The Q&A chat of an event: its audience takes part, its organisers moderate, it
        # is open until the event ends; text only.
        owners.register(
            CHAT_OWNER,
            owners.SessionOwner(
                is_participant=chat.is_participant,
                is_admin=chat.is_admin,
                is_open=chat.is_open,
                allows_files=False,
            ),
        )
