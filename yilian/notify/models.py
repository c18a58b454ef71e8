"""Notifications: the in-app row, its deliveries by e-mail and SMS, and each user's
preferences for those channels."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from yilian.core.models import PublicModel


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self) -> NotificationQuerySet:
        return self.filter(read_at__isnull=True)


class Notification(PublicModel):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    verb = models.CharField(_("event"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    url = models.CharField(_("link"), max_length=300, blank=True)
    # What leaves the platform (e-mail, SMS): the kind of business and what happened,
    # never a patient's data — titles and bodies may hold both, so they stay in the app.
    summary = models.CharField(
        _("summary for e-mail and SMS"),
        max_length=200,
        blank=True,
        help_text=_("The business and what happened, without any patient data."),
    )
    urgent = models.BooleanField(_("urgent"), default=False)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at", "-created_at"])]

    def __str__(self) -> str:
        return self.title


class Channel(models.TextChoices):
    EMAIL = "email", _("e-mail")
    SMS = "sms", _("SMS")


class Delivery(models.Model):
    """One notification sent (or not) by one outside channel. The row is what makes the
    delivery task idempotent: only a task that claims the row sends (``channels.deliver``).
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        SKIPPED = "skipped", _("skipped")

    notification = models.ForeignKey(
        Notification,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("notification"),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    # Why it was skipped ("off", "not_urgent", "no_address") or the error's class name.
    detail = models.CharField(_("detail"), max_length=100, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When the last attempt claimed the row; a claim older than ``channels.CLAIM_EXPIRES``
    # is abandoned (its worker died mid-send) and may be claimed again.
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="notify_one_delivery_per_channel"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel}: {self.status}"


class NotificationPreference(models.Model):
    """How a user wants to hear of things besides the app. Created on first save; until
    then the defaults apply (``selectors.preferences_for``)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
        verbose_name=_("user"),
    )
    email = models.BooleanField(_("By e-mail"), default=True)
    sms = models.BooleanField(_("By SMS"), default=True)
    sms_urgent_only = models.BooleanField(
        _("SMS only for urgent matters"),
        default=True,
        help_text=_("Reminders of sessions and deadlines, urgent and emergency requests."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user)
