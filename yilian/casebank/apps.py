from django.apps import AppConfig


class CasebankConfig(AppConfig):
    name = "yilian.casebank"
    label = "casebank"
