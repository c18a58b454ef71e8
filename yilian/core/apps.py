from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "yilian.core"
    label = "core"

    def ready(self) -> None:
        from django.conf import settings

        from .crypto import keyring
        from .ratelimit import parse_rate

        # A mistyped rate or field key stops the start, not a request.
        for rate in (
            settings.YILIAN_JOIN_RATE,
            settings.YILIAN_SMS_RATE,
            settings.YILIAN_PASSWORD_RESET_RATE,
        ):
            parse_rate(rate)
        keyring()
