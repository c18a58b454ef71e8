from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "yilian.realtime"
    label = "realtime"

    def ready(self) -> None:
        from yilian.agenda import sources
        from yilian.files import access

        from .agenda import business_sessions
        from .models import RoomSession
        from .selectors import may_attach_to_chat, may_read_history

        # Files shared in a room's chat: readable with its history, added by those inside.
        access.register(RoomSession, access.Policy(may_read_history, may_attach_to_chat))
        sources.register(business_sessions)
