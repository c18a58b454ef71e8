"""Two-way referral (ARCHITECTURE §4): the detail row of a referral.

``Referral`` — one patient sent up (to a higher-tier hospital or the lead hospital) or down
(to any member hospital): the reason, the diagnosis (an ICD-10 code and its text) and the
receiving hospital and department. The patient and the urgency are the engine's
``BusinessRequest`` fields; the booked bed or appointment is its confirm step, the
patient's arrival its start step, and the discharge summary or continuing-care plan the
team's concluding ``workflow.Opinion``.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Direction(models.TextChoices):
    UP = "up", _("upward referral")
    DOWN = "down", _("downward referral")


class Referral(models.Model):
    Direction = Direction

    request = models.OneToOneField(
        "workflow.BusinessRequest",
        on_delete=models.CASCADE,
        related_name="referral",
        verbose_name=_("request"),
    )
    direction = models.CharField(_("direction"), max_length=4, choices=Direction.choices)
    reason = models.TextField(_("reason for referral"))
    diagnosis_code = models.CharField(_("ICD-10 code"), max_length=10)
    diagnosis_text = models.CharField(_("diagnosis"), max_length=200)
    target_hospital = models.ForeignKey(
        "orgs.Hospital",
        on_delete=models.PROTECT,
        related_name="referrals_received",
        verbose_name=_("receiving hospital"),
    )
    target_department = models.ForeignKey(
        "orgs.Department",
        on_delete=models.PROTECT,
        related_name="referrals_received",
        verbose_name=_("receiving department"),
    )

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")

    def __str__(self) -> str:
        return str(self.request)

    @property
    def diagnosis(self) -> str:
        return f"{self.diagnosis_code} {self.diagnosis_text}".strip()
