"""Uploaded files (ARCHITECTURE §6): stored outside the web root under a random key, typed
by their content (never by their name), and read only through an authorising view."""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from yilian.core.models import PublicModel


class FileAsset(PublicModel):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="uploaded_files",
        verbose_name=_("uploaded by"),
    )
    hospital = models.ForeignKey(
        "orgs.Hospital",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="files",
        verbose_name=_("hospital"),
    )
    # What the file belongs to (a business request, later a patient's record …).
    target_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("attached to")
    )
    target_id = models.PositiveBigIntegerField(_("attached to id"))
    target = GenericForeignKey("target_type", "target_id")
    purpose = models.CharField(
        _("purpose"),
        max_length=60,
        blank=True,
        help_text=_("What the file is for on its object, e.g. “licence”."),
    )
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    mime_type = models.CharField(_("type"), max_length=100)
    storage_key = models.CharField(_("storage key"), max_length=200, unique=True, editable=False)

    class Meta:
        verbose_name = _("file")
        verbose_name_plural = _("files")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["target_type", "target_id", "purpose"], name="files_target_idx")
        ]

    def __str__(self) -> str:
        return self.original_name
