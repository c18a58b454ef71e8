from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessionConfig(AppConfig):
    name = "yilian.accession"
    label = "accession"
    verbose_name = _("Hospital accession")

    def ready(self) -> None:
        from yilian.files import access

        from .models import Application
        from .selectors import may_read_licence

        access.register(Application, access.Policy(may_read_licence, lambda user, app: False))
