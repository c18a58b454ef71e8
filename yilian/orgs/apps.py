from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "yilian.orgs"
    label = "orgs"
