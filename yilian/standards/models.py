"""Standards promotion (技术规范和标准推广): specifications and guidelines published as
versioned documents to targeted hospitals and roles; each targeted member confirms
reading the current version ("I have read it and will apply it"), after an optional short
quiz. Adoption is measured against the current version, so a new version asks again."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from yilian.core.models import PublicModel


class Category(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("standard category")
        verbose_name_plural = _("standard categories")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Standard(PublicModel):
    title = models.CharField(_("title"), max_length=160)
    code = models.CharField(
        _("number"), max_length=40, blank=True, help_text=_("e.g. WS/T 511-2016")
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="standards",
        verbose_name=_("category"),
    )
    summary = models.TextField(_("summary"), blank=True)
    # Targeting: hospitals of these tiers and categories (an empty list: any), plus the
    # hospitals listed; nothing chosen at all means every member hospital.
    target_tiers = models.JSONField(_("hospital tiers"), default=list, blank=True)
    target_categories = models.JSONField(_("hospital categories"), default=list, blank=True)
    target_hospitals = models.ManyToManyField(
        "orgs.Hospital", blank=True, related_name="+", verbose_name=_("hospitals")
    )
    target_roles = models.JSONField(_("roles"), default=list)
    pass_mark = models.PositiveSmallIntegerField(
        _("quiz pass mark (%)"), default=80, validators=[MaxValueValidator(100)]
    )
    current_version = models.ForeignKey(
        "StandardVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("current version"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("standard")
        verbose_name_plural = _("standards")
        ordering = ["-updated_at", "-id"]

    def __str__(self) -> str:
        return self.title


class StandardVersion(PublicModel):
    standard = models.ForeignKey(
        Standard, on_delete=models.CASCADE, related_name="versions", verbose_name=_("standard")
    )
    number = models.PositiveIntegerField(_("version number"))
    label = models.CharField(_("version"), max_length=40, help_text=_("e.g. 2024 edition"))
    notes = models.TextField(_("what changed"), blank=True)
    file = models.ForeignKey(
        "files.FileAsset",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("document"),
    )
    published_at = models.DateTimeField(_("published at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("published by"),
    )

    class Meta:
        verbose_name = _("standard version")
        verbose_name_plural = _("standard versions")
        ordering = ["standard", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["standard", "number"], name="standards_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.standard} · {self.label}"


class Question(models.Model):
    """A single-choice question of the standard's short quiz."""

    standard = models.ForeignKey(
        Standard, on_delete=models.CASCADE, related_name="questions", verbose_name=_("standard")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.CharField(_("question"), max_length=300)
    choices = models.JSONField(_("choices"), default=list)
    answer = models.PositiveSmallIntegerField(_("correct choice (index)"))

    class Meta:
        verbose_name = _("quiz question")
        verbose_name_plural = _("quiz questions")
        ordering = ["standard", "position", "id"]

    def __str__(self) -> str:
        return self.text


class QuizAttempt(models.Model):
    version = models.ForeignKey(
        StandardVersion,
        on_delete=models.CASCADE,
        related_name="attempts",
        verbose_name=_("version"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    score = models.PositiveSmallIntegerField(_("score (%)"))
    passed = models.BooleanField(_("passed"))
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.version} · {self.score}%"


class Acknowledgement(models.Model):
    """``user`` has read ``version`` and will apply it (after passing the quiz, if any)."""

    version = models.ForeignKey(
        StandardVersion,
        on_delete=models.CASCADE,
        related_name="acknowledgements",
        verbose_name=_("version"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    hospital = models.ForeignKey(
        "orgs.Hospital",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("hospital"),
    )
    score = models.PositiveSmallIntegerField(_("quiz score (%)"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), auto_now_add=True)

    class Meta:
        verbose_name = _("acknowledgement")
        verbose_name_plural = _("acknowledgements")
        ordering = ["-acknowledged_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "user"], name="standards_ack_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.version}"
