"""The evaluation and feedback channel (评价反馈): a complaint or suggestion about a
business, a cloud room or the platform; managers triage, answer and resolve it; the person
who raised it rates the answer. The supervision board itself has no tables: it reads the
closed loop's own data."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yilian.core.models import PublicModel


class Ticket(PublicModel):
    class Category(models.TextChoices):
        COMPLAINT = "complaint", _("complaint")
        SUGGESTION = "suggestion", _("suggestion")

    class About(models.TextChoices):
        BUSINESS = "business", _("a business request")
        ROOM = "room", _("a cloud room")
        PLATFORM = "platform", _("the platform")

    class Priority(models.TextChoices):
        LOW = "low", _("low")
        NORMAL = "normal", _("normal")
        HIGH = "high", _("high")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        TRIAGED = "triaged", _("being handled")
        ANSWERED = "answered", _("answered")
        RESOLVED = "resolved", _("resolved")

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("raised by"),
    )
    hospital = models.ForeignKey(
        "orgs.Hospital",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("hospital"),
    )
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    about = models.CharField(_("about"), max_length=10, choices=About.choices)
    request = models.ForeignKey(
        "workflow.BusinessRequest",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("business request"),
    )
    room = models.ForeignKey(
        "orgs.Room",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="tickets",
        verbose_name=_("cloud room"),
    )
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("description"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="handled_tickets",
        verbose_name=_("handled by"),
    )
    answer = models.TextField(_("answer"), blank=True)
    triaged_at = models.DateTimeField(_("triaged at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(
        _("satisfaction"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    rating_comment = models.TextField(_("comment on the answer"), blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("feedback ticket")
        verbose_name_plural = _("feedback tickets")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "-created_at"], name="supervision_status_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="supervision_rating_1_5",
            )
        ]

    def __str__(self) -> str:
        return self.title
