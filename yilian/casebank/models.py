"""The difficult-case database (疑难病例库): de-identified records of closed consultations
that an expert or the quality review marked as difficult cases, searchable in Chinese, and
the research exports a manager must approve.

A record keeps no name, national ID, phone, record number or date of the patient: only an
age band, the sex, the specialty, the ICD-10 diagnosis and texts scrubbed of identifiers.
``source`` links the record to its request so that it is made once; it is never shown.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yilian.core.models import PublicModel
from yilian.orgs.models import Specialty
from yilian.patients.models import Sex


class DifficultCase(PublicModel):
    source = models.OneToOneField(
        "workflow.BusinessRequest",
        on_delete=models.PROTECT,
        related_name="difficult_case",
        verbose_name=_("consultation"),
    )
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("marked by"),
    )
    age_band = models.CharField(_("age band"), max_length=10, blank=True)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices)
    specialty = models.CharField(_("specialty"), max_length=30, choices=Specialty.choices)
    icd10 = models.CharField(_("ICD-10 code"), max_length=8, db_index=True)
    diagnosis = models.CharField(_("diagnosis"), max_length=200)
    summary = models.TextField(_("case summary"))
    question = models.TextField(_("clinical question"), blank=True)
    opinion = models.TextField(_("expert opinion"))
    outcome = models.TextField(_("outcome"), blank=True)
    tags = models.JSONField(_("tags"), default=list, blank=True)
    # The texts cut into words and into characters, for the full-text index (search.py).
    search_text = models.TextField(editable=False, default="")
    search_chars = models.TextField(editable=False, default="")

    class Meta:
        verbose_name = _("difficult case")
        verbose_name_plural = _("difficult cases")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.icd10} {self.diagnosis}"


EXPORT_VALID_FOR = timedelta(days=30)  # downloads of an approved export


class ResearchExport(PublicModel):
    """A request to take cases out of the platform for research; a manager decides."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for approval")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    purpose = models.TextField(_("research purpose"))
    query = models.CharField(_("search words"), max_length=100, blank=True)
    specialty = models.CharField(
        _("specialty"), max_length=30, choices=Specialty.choices, blank=True
    )
    icd10 = models.CharField(_("ICD-10 code starts with"), max_length=8, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    # The cases matching at approval: what was approved is what is downloaded.
    case_ids = models.JSONField(_("cases"), default=list, blank=True, editable=False)
    downloads = models.PositiveIntegerField(_("downloads"), default=0)

    class Meta:
        verbose_name = _("research export")
        verbose_name_plural = _("research exports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.purpose[:40]

    @property
    def expires_at(self) -> datetime | None:
        return self.decided_at + EXPORT_VALID_FOR if self.decided_at else None

    @property
    def is_downloadable(self) -> bool:
        return (
            self.status == self.Status.APPROVED
            and self.expires_at is not None
            and timezone.now() < self.expires_at
        )
