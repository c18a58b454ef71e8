from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "yilian.web"
    label = "web"
