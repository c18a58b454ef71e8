from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    name = "yilian.referrals"
    label = "referrals"
    verbose_name = _("Two-way referral")

    def ready(self) -> None:
        from yilian.workflow.registry import register

        from .kinds import KINDS

        for kind in KINDS:
            register(kind)
