from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImagingConfig(AppConfig):
    name = "yilian.imaging"
    label = "imaging"
    verbose_name = _("Imaging and pathology")

    def ready(self) -> None:
        from yilian.files import access

        from . import selectors
        from .models import Study

        # A study's images are read by whoever sees its request; nobody attaches files to a
        # study by hand (its images come from an upload).
        access.register(
            Study,
            access.Policy(
                can_read=lambda user, study: selectors.may_read_study(user, study),
                can_attach=lambda user, study: False,
            ),
        )
