from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FhirConfig(AppConfig):
    name = "yilian.fhir"
    label = "fhir"
    verbose_name = _("FHIR interface")

    def ready(self) -> None:
        # The resource handlers register themselves; the CapabilityStatement, the routes
        # and the search all read that one registry.
        from . import handlers  # noqa: F401
