"""Live events (ARCHITECTURE §5): conference streams (大会直播) and surgery demonstrations
(手术示教) pushed by an encoder to nginx-rtmp with a per-event stream key, watched as HLS,
with a Q&A chat, watch time by heartbeat and a replay in the cloud classroom afterwards."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from yilian.core.models import PublicModel


def new_stream_key() -> str:
    """The encoder's secret: 32 URL-safe characters (192 bits), safe in paths and names."""
    return secrets.token_urlsafe(24)


def new_playback_id() -> str:
    """The viewers' HLS address part: random, unrelated to the stream key and the event id."""
    return secrets.token_urlsafe(16)


class EventKind(models.TextChoices):
    CONFERENCE = "conference", _("conference live stream")
    SURGERY = "surgery", _("surgery demonstration")


class Audience(models.TextChoices):
    MEMBERS = "members", _("members of the alliance")
    PUBLIC = "public", _("everyone (public)")
    MEDICAL_STAFF = "medical_staff", _("registered medical staff only")


class EventStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("scheduled")
    LIVE = "live", _("live")
    ENDED = "ended", _("ended")


class ReplayStatus(models.TextChoices):
    NONE = "", _("no recording")
    PENDING = "pending", _("being prepared")
    READY = "ready", _("ready")
    FAILED = "failed", _("failed")


class LiveEvent(PublicModel):
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=EventKind.choices)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    host_hospital = models.ForeignKey(
        "orgs.Hospital",
        on_delete=models.PROTECT,
        related_name="live_events",
        verbose_name=_("host hospital"),
    )
    # A surgery demonstration is always for registered medical staff (the services enforce
    # it); a conference is for members or public.
    audience = models.CharField(
        _("audience"), max_length=16, choices=Audience.choices, default=Audience.MEMBERS
    )
    patient_consent = models.BooleanField(
        _("patient consent on file"),
        default=False,
        help_text=_("The patient agreed to the demonstration being streamed (surgery only)."),
    )
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("consent recorded by"),
    )
    consent_recorded_at = models.DateTimeField(_("consent recorded at"), null=True, blank=True)
    stream_key = models.CharField(
        _("stream key"), max_length=64, unique=True, default=new_stream_key, editable=False
    )
    playback_id = models.CharField(
        _("playback id"), max_length=64, unique=True, default=new_playback_id, editable=False
    )
    # The key the current (or last) stream was published with: nginx-rtmp names the HLS
    # folder and the recording after it, so a key regenerated mid-stream breaks nothing.
    published_key = models.CharField(_("published key"), max_length=64, blank=True, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=EventStatus.choices, default=EventStatus.SCHEDULED
    )
    live_at = models.DateTimeField(_("went live at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    organisers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="organised_live_events",
        blank=True,
        verbose_name=_("organisers"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    chat = models.OneToOneField(
        "realtime.RoomSession",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="live_event",
        verbose_name=_("Q&A chat"),
    )
    replay_status = models.CharField(
        _("replay"), max_length=10, choices=ReplayStatus.choices, default="", blank=True
    )
    replay = models.ForeignKey(
        "teaching.Lesson",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("replay lesson"),
    )

    class Meta:
        verbose_name = _("live event")
        verbose_name_plural = _("live events")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="live_ends_after"),
            models.CheckConstraint(
                condition=~Q(kind="surgery") | Q(audience="medical_staff"),
                name="live_surgery_for_staff",
            ),
        ]
        indexes = [models.Index(fields=["status", "starts_at"], name="live_status_start_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_surgery(self) -> bool:
        return self.kind == EventKind.SURGERY

    @property
    def is_live(self) -> bool:
        return self.status == EventStatus.LIVE

    @property
    def is_ended(self) -> bool:
        return self.status == EventStatus.ENDED


class WatchTime(models.Model):
    """One viewer's credited seconds of one event (all their tabs and devices together)."""

    event = models.ForeignKey(
        LiveEvent, on_delete=models.CASCADE, related_name="watch_times", verbose_name=_("event")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="live_watch_times",
        verbose_name=_("viewer"),
    )
    seconds = models.PositiveIntegerField(_("seconds watched"), default=0)
    first_seen_at = models.DateTimeField(_("first seen"))
    last_heartbeat_at = models.DateTimeField(_("last heartbeat"))

    class Meta:
        verbose_name = _("watch time")
        verbose_name_plural = _("watch time")
        ordering = ["event", "-seconds", "id"]
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="live_watch_once_per_viewer")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.event_id}: {self.seconds} s"

    @property
    def minutes(self) -> int:
        return round(self.seconds / 60)
