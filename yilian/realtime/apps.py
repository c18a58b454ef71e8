from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "yilian.realtime"
    label = "realtime"
