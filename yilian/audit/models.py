"""The audit trail of patient data: who read or changed what, when, from where, and with
what outcome. Rows are appended, never edited; the only rows ever removed are those older
than the retention that a recorded archive (``AuditArchive``) holds, and the database
itself enforces both (triggers, migrations 0002 and 0003)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from yilian.core.models import PublicModel

# The shortest retention anyone may configure, and the age below which the database refuses
# to delete an entry whatever the settings say (the triggers of migration 0003 repeat it).
MINIMUM_RETENTION_DAYS = 183


class AuditAction(models.TextChoices):
    VIEW = "view", _("viewed")
    LIST = "list", _("listed")
    SEARCH = "search", _("searched")
    CREATE = "create", _("created")
    UPDATE = "update", _("changed")
    DOWNLOAD = "download", _("downloaded")
    UPLOAD = "upload", _("uploaded")
    EXPORT = "export", _("exported")
    SIGN = "sign", _("signed")
    ARCHIVE = "archive", _("archived")


class Outcome(models.TextChoices):
    OK = "ok", _("allowed")
    DENIED = "denied", _("denied")
    FAILED = "failed", pgettext_lazy("audit outcome", "failed")


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    """Bulk changes are refused like single ones; the database refuses them too (triggers
    installed by migration 0002), whatever path a statement takes."""

    def update(self, **kwargs: Any) -> int:
        raise ValueError("Audit entries are append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ValueError("Audit entries cannot be deleted.")

    delete.queryset_only = True  # type: ignore[attr-defined]  # as Django's own


class AuditEntry(models.Model):
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("who"),
        help_text=_("Empty for someone not signed in (a patient's one-time link)."),
    )
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    # What was touched: "patients.patient", "workflow.businessrequest", "files.fileasset" …
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_entries",
        verbose_name=_("patient"),
    )
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    path = models.CharField(_("page"), max_length=200, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now, editable=False, db_index=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["patient", "-at"], name="audit_patient_idx"),
            models.Index(fields=["actor", "-at"], name="audit_actor_idx"),
            models.Index(fields=["object_type", "object_id"], name="audit_object_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_id} {self.action} {self.object_type}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("Audit entries cannot be deleted.")


class AuditArchiveQuerySet(models.QuerySet["AuditArchive"]):
    """The ledger is append-only like the trail it vouches for."""

    def update(self, **kwargs: Any) -> int:
        raise ValueError("Audit archives are append-only.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ValueError("Audit archives cannot be deleted.")

    delete.queryset_only = True  # type: ignore[attr-defined]


class AuditArchive(PublicModel):
    """One archive file of old audit entries: the entries with ids from ``first_id`` to
    ``last_id`` made before ``period_end``. Only entries a row here covers may be removed from
    the trail, and only once they are older than the minimum retention."""

    first_id = models.BigIntegerField(_("first entry"))
    last_id = models.BigIntegerField(_("last entry"))
    period_start = models.DateTimeField(_("oldest entry"))
    period_end = models.DateTimeField(_("entries before"))
    entries = models.PositiveIntegerField(_("entries"))
    file_name = models.CharField(_("file"), max_length=200, unique=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    # The system account that ran the command (archiving is an operator's job).
    operator = models.CharField(_("operator"), max_length=100, blank=True)

    objects = AuditArchiveQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit archive")
        verbose_name_plural = _("audit archives")
        ordering = ["-period_end", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(first_id__lte=models.F("last_id")),
                name="audit_archive_id_range",
            )
        ]

    def __str__(self) -> str:
        return self.file_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ValueError("Audit archives are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("Audit archives cannot be deleted.")
