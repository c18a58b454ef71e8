"""Imaging and pathology on a request (ARCHITECTURE §6).

``Upload`` — a resumable upload in progress: bytes arrive in chunks into a partial file
outside the file store; only a complete, checked upload becomes a ``files.FileAsset``.
``Study`` / ``Series`` / ``Instance`` — a DICOM study sent with a request (its instances are
FileAssets on the study, de-identified when the applicant asked for it; the patient link is
the request's, in the database). ``Slide`` — a whole-slide pathology image; ``Annotation`` —
a region an expert marked on it, with a comment; ``Snapshot`` — a view of a slide the
expert keeps for the opinion.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yilian.core.models import PublicModel


class UploadKind(models.TextChoices):
    DICOM = "dicom", _("DICOM study (files or a zip)")
    SLIDE = "slide", _("pathology slide (SVS, TIFF, NDPI)")


class UploadStatus(models.TextChoices):
    OPEN = "open", _("uploading")
    PROCESSING = "processing", _("checking")
    DONE = "done", _("complete")
    FAILED = "failed", _("refused")


class Upload(PublicModel):
    Kind = UploadKind
    Status = UploadStatus

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("by")
    )
    request = models.ForeignKey(
        "workflow.BusinessRequest",
        on_delete=models.CASCADE,
        related_name="imaging_uploads",
        verbose_name=_("request"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=UploadKind.choices)
    deidentify = models.BooleanField(_("de-identify"), default=True)
    name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size (bytes)"))
    received = models.PositiveBigIntegerField(_("received (bytes)"), default=0)
    status = models.CharField(
        _("status"), max_length=10, choices=UploadStatus.choices, default=UploadStatus.OPEN
    )
    error = models.TextField(_("why it was refused"), blank=True)

    class Meta:
        verbose_name = _("upload")
        verbose_name_plural = _("uploads")

    def __str__(self) -> str:
        return self.name


class OrthancState(models.TextChoices):
    NONE = "none", _("not sent")
    SENT = "sent", _("stored in Orthanc")
    # Orthanc was down: the study is kept here and sent again (send_waiting_studies).
    FAILED = "failed", _("waiting to be sent to the image archive")


class Study(PublicModel):
    request = models.ForeignKey(
        "workflow.BusinessRequest",
        on_delete=models.CASCADE,
        related_name="studies",
        verbose_name=_("request"),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    study_uid = models.CharField(_("study instance UID"), max_length=64)
    # The UIDs as the hospital sent them and what they were replaced with (de-identified
    # studies only): later files of the same study join it with consistent UIDs. Kept in the
    # database, which is where the patient link lives; never written into the files.
    source_uid = models.CharField(_("original study instance UID"), max_length=64)
    uid_map = models.JSONField(_("UID replacements"), default=dict, blank=True, editable=False)
    description = models.CharField(_("description"), max_length=200, blank=True)
    modality = models.CharField(_("modality"), max_length=40, blank=True)
    deidentified = models.BooleanField(_("de-identified"), default=False)
    instance_count = models.PositiveIntegerField(_("images"), default=0)
    orthanc = models.CharField(
        _("Orthanc"), max_length=10, choices=OrthancState.choices, default=OrthancState.NONE
    )

    class Meta:
        verbose_name = _("imaging study")
        verbose_name_plural = _("imaging studies")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.description or self.study_uid


class Series(models.Model):
    study = models.ForeignKey(
        Study, on_delete=models.CASCADE, related_name="series", verbose_name=_("study")
    )
    series_uid = models.CharField(_("series instance UID"), max_length=64)
    number = models.IntegerField(_("number"), null=True, blank=True)
    description = models.CharField(_("description"), max_length=200, blank=True)
    modality = models.CharField(_("modality"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("series")
        verbose_name_plural = _("series")
        ordering = ["number", "id"]
        constraints = [
            models.UniqueConstraint(fields=["study", "series_uid"], name="imaging_series_uid")
        ]

    def __str__(self) -> str:
        return self.description or self.series_uid


class Instance(models.Model):
    series = models.ForeignKey(
        Series, on_delete=models.CASCADE, related_name="instances", verbose_name=_("series")
    )
    file = models.OneToOneField(
        "files.FileAsset", on_delete=models.PROTECT, related_name="+", verbose_name=_("file")
    )
    sop_uid = models.CharField(_("SOP instance UID"), max_length=64)
    number = models.IntegerField(_("instance number"), null=True, blank=True)
    position = models.FloatField(_("slice position"), null=True, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    columns = models.PositiveIntegerField(_("columns"), default=0)

    class Meta:
        verbose_name = _("image")
        verbose_name_plural = _("images")
        ordering = ["position", "number", "id"]

    def __str__(self) -> str:
        return self.sop_uid


class Slide(PublicModel):
    request = models.ForeignKey(
        "workflow.BusinessRequest",
        on_delete=models.CASCADE,
        related_name="slides",
        verbose_name=_("request"),
    )
    file = models.OneToOneField(
        "files.FileAsset", on_delete=models.PROTECT, related_name="+", verbose_name=_("file")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("uploaded by"),
    )
    width = models.PositiveIntegerField(_("width (pixels)"))
    height = models.PositiveIntegerField(_("height (pixels)"))
    levels = models.PositiveSmallIntegerField(_("levels"))
    vendor = models.CharField(_("format"), max_length=40, blank=True)
    mpp = models.FloatField(_("microns per pixel"), null=True, blank=True)

    class Meta:
        verbose_name = _("slide")
        verbose_name_plural = _("slides")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.file.original_name


class Annotation(PublicModel):
    slide = models.ForeignKey(
        Slide, on_delete=models.CASCADE, related_name="annotations", verbose_name=_("slide")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    # The region in full-resolution slide pixels.
    x = models.PositiveIntegerField()
    y = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    comment = models.TextField(_("comment"))

    class Meta:
        verbose_name = _("annotation")
        verbose_name_plural = _("annotations")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.comment[:40]


class Snapshot(PublicModel):
    slide = models.ForeignKey(
        Slide, on_delete=models.CASCADE, related_name="snapshots", verbose_name=_("slide")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )
    file = models.OneToOneField(
        "files.FileAsset", on_delete=models.PROTECT, related_name="+", verbose_name=_("image")
    )
    x = models.PositiveIntegerField()
    y = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    caption = models.CharField(_("caption"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("snapshot")
        verbose_name_plural = _("snapshots")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.caption or str(self.public_id)
