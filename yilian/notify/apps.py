from django.apps import AppConfig


class NotifyConfig(AppConfig):
    name = "yilian.notify"
    label = "notify"
