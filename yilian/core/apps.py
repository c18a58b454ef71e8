from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "yilian.core"
    label = "core"
