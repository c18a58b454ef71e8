"""The health-education library (科普宣教库): articles and videos for patients and the
public, reviewed before they are published, shared by a short unguessable link, and handed
to patients through their follow-up plans.

``Item`` — one article (sanitised rich text) or video (an MP4 through ``yilian.files``) of a
hospital, with its review state. ``ItemEvent`` — the item's timeline (submitted, published,
returned with a comment, unpublished), never edited. ``PlanItem`` — an item attached to a
follow-up plan, so the plan's patient receives it.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yilian.core.models import PublicModel

# Bytes of randomness in a share slug: 9 bytes → 12 URL-safe characters (72 bits).
SLUG_BYTES = 9


def new_slug() -> str:
    return secrets.token_urlsafe(SLUG_BYTES)


class Category(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("health-education category")
        verbose_name_plural = _("health-education categories")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=30, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Kind(models.TextChoices):
    ARTICLE = "article", _("article")
    VIDEO = "video", _("video")


class Audience(models.TextChoices):
    PUBLIC = "public", _("everyone")
    PATIENTS = "patients", _("patients and families")
    ELDERLY = "elderly", _("older people")
    PARENTS = "parents", _("parents and children")
    PREGNANCY = "pregnancy", _("pregnant women")
    CHRONIC = "chronic", _("people with a chronic disease")


class Status(models.TextChoices):
    DRAFT = "draft", _("draft")
    SUBMITTED = "submitted", _("awaiting review")
    PUBLISHED = "published", _("published")
    RETURNED = "returned", _("returned")
    UNPUBLISHED = "unpublished", _("unpublished")


class Item(PublicModel):
    Kind = Kind
    Status = Status

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.ARTICLE)
    title = models.CharField(_("title"), max_length=120)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    # Stored already sanitised (``sanitize.clean_html``) and cleaned again when shown.
    body = models.TextField(_("text"), blank=True)
    video = models.ForeignKey(
        "files.FileAsset",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("video"),
    )
    cover = models.ForeignKey(
        "files.FileAsset",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cover image"),
    )
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="items",
        verbose_name=_("category"),
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="items", verbose_name=_("tags"))
    audience = models.CharField(
        _("audience"), max_length=12, choices=Audience.choices, default=Audience.PUBLIC
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="health_items",
        verbose_name=_("author"),
    )
    hospital = models.ForeignKey(
        "orgs.Hospital",
        on_delete=models.PROTECT,
        related_name="health_items",
        verbose_name=_("hospital"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    review_comment = models.TextField(_("review comment"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    slug = models.CharField(
        _("share link"), max_length=20, unique=True, default=new_slug, editable=False
    )
    view_count = models.PositiveIntegerField(_("views"), default=0)

    class Meta:
        verbose_name = _("health-education item")
        verbose_name_plural = _("health-education items")
        ordering = ["-updated_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-published_at"], name="healthedu_status_idx"),
            models.Index(fields=["hospital", "status"], name="healthedu_hospital_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_published(self) -> bool:
        return self.status == Status.PUBLISHED

    @property
    def is_video(self) -> bool:
        return self.kind == Kind.VIDEO


class ItemEvent(models.Model):
    class Action(models.TextChoices):
        CREATED = "created", _("created")
        EDITED = "edited", _("edited")
        SUBMITTED = "submitted", _("submitted for review")
        PUBLISHED = "published", _("published")
        RETURNED = "returned", _("returned")
        UNPUBLISHED = "unpublished", _("unpublished")

    item = models.ForeignKey(
        Item, on_delete=models.CASCADE, related_name="events", verbose_name=_("item")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("by"),
    )
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    from_status = models.CharField(_("from"), max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=Status.choices)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("health-education item event")
        verbose_name_plural = _("health-education item events")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.item} · {self.action}"


class PlanItem(models.Model):
    plan = models.ForeignKey(
        "followups.FollowUpPlan",
        on_delete=models.CASCADE,
        related_name="education_items",
        verbose_name=_("follow-up plan"),
    )
    item = models.ForeignKey(
        Item, on_delete=models.CASCADE, related_name="plan_links", verbose_name=_("item")
    )
    attached_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("attached by"),
    )
    attached_at = models.DateTimeField(_("attached at"), auto_now_add=True)

    class Meta:
        verbose_name = _("health education of a follow-up plan")
        verbose_name_plural = _("health education of follow-up plans")
        ordering = ["attached_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "item"], name="healthedu_item_once_per_plan")
        ]

    def __str__(self) -> str:
        return f"{self.plan} · {self.item}"
