from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "yilian.analytics"
    label = "analytics"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (logins are recorded through Django's signal)
