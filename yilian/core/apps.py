from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "yilian.core"
    label = "core"

    def ready(self) -> None:
        from django.conf import settings

        from .ratelimit import parse_rate

        parse_rate(settings.YILIAN_JOIN_RATE)  # a mistyped rate stops the start, not a request
