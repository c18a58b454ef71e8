from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SentinelConfig(AppConfig):
    name = "yilian.sentinel"
    label = "sentinel"
    verbose_name = _("Sentinel monitoring")
