"""Cloud-room sessions (ARCHITECTURE §5): who meets where, what they wrote, who was there.

A ``RoomSession`` is one meeting: the live session of a scheduled business request, a
session held in a standing room (meeting/teaching), or a session owned by another app (the
Q&A chat of a live event: ``owner`` names the app, whose rules are registered in
:mod:`yilian.realtime.owners`). Its chat is a gap-free sequence of
``ChatMessage`` rows (``seq`` 1, 2, 3 …) with the client's message UUID unique per session,
so a re-sent message is stored once. ``Attendance`` keeps one row per connection (join and
leave times) for statistics and CME credits.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from yilian.core.models import PublicModel


class RoomSession(PublicModel):
    request = models.OneToOneField(
        "workflow.BusinessRequest",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="room_session",
        verbose_name=_("business request"),
    )
    room = models.ForeignKey(
        "orgs.Room",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
        verbose_name=_("cloud room"),
    )
    # The app that owns a session belonging to neither a request nor a standing room; who
    # takes part, who moderates and whether it is open are that app's rules (``owners``).
    owner = models.CharField(_("owner"), max_length=40, blank=True, default="")
    title = models.CharField(_("title"), max_length=200)
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hosted_room_sessions",
        verbose_name=_("host"),
    )
    # Invited people of a standing-room session (a business session's people come from
    # its request).
    participants = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="room_sessions",
        blank=True,
        verbose_name=_("participants"),
    )
    muted = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", blank=True, verbose_name=_("muted")
    )
    removed = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="+", blank=True, verbose_name=_("removed")
    )
    locked = models.BooleanField(_("locked"), default=False)
    last_seq = models.PositiveIntegerField(_("last message number"), default=0)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    recording_requested_at = models.DateTimeField(_("recording requested"), null=True, blank=True)
    recording_started_at = models.DateTimeField(_("recording started"), null=True, blank=True)

    class Meta:
        verbose_name = _("room session")
        verbose_name_plural = _("room sessions")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(request__isnull=False) | Q(room__isnull=False) | ~Q(owner=""),
                name="realtime_session_has_request_or_room",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_ended(self) -> bool:
        return self.ended_at is not None

    @property
    def janus_room(self) -> int:
        """The VideoRoom number of this session (Janus rooms are numbered)."""
        return 100_000 + self.pk


class ChatMessage(models.Model):
    class Kind(models.TextChoices):
        TEXT = "text", _("text")
        IMAGE = "image", _("image")
        FILE = "file", _("file")
        SYSTEM = "system", _("notice")

    session = models.ForeignKey(
        RoomSession, on_delete=models.CASCADE, related_name="messages", verbose_name=_("session")
    )
    seq = models.PositiveIntegerField(_("number"))
    client_id = models.UUIDField(_("client message id"))
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("sender"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.TEXT)
    body = models.TextField(_("message"), blank=True)
    attachment = models.ForeignKey(
        "files.FileAsset",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("attachment"),
    )
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)

    class Meta:
        verbose_name = _("chat message")
        verbose_name_plural = _("chat messages")
        ordering = ["session", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["session", "seq"], name="realtime_message_seq"),
            models.UniqueConstraint(
                fields=["session", "client_id"], name="realtime_message_client_id"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_id}#{self.seq}"


class Attendance(models.Model):
    """One connection of one person to one session: when they joined and left."""

    session = models.ForeignKey(
        RoomSession,
        on_delete=models.CASCADE,
        related_name="attendance",
        verbose_name=_("session"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="room_attendance",
        verbose_name=_("participant"),
    )
    peer_id = models.CharField(_("connection"), max_length=40, unique=True)
    channel_name = models.CharField(max_length=200, editable=False)
    joined_at = models.DateTimeField(_("joined at"), default=timezone.now)
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)
    # The page pings every few seconds: a row whose socket vanished without a disconnect
    # (a server restart) stops counting at its last sign of life.
    seen_at = models.DateTimeField(_("last seen"), default=timezone.now)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        ordering = ["joined_at", "id"]
        indexes = [
            models.Index(fields=["session", "user"], name="realtime_attendance_user_idx"),
            models.Index(
                fields=["session"],
                condition=Q(left_at__isnull=True),
                name="realtime_attendance_open_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.session_id}"


class RecordingConsent(models.Model):
    """A participant's answer when a recording was asked for (kept as the consent record)."""

    session = models.ForeignKey(
        RoomSession,
        on_delete=models.CASCADE,
        related_name="recording_consents",
        verbose_name=_("session"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("participant"),
    )
    agreed = models.BooleanField(_("agreed"))
    answered_at = models.DateTimeField(_("answered at"), default=timezone.now)

    class Meta:
        verbose_name = _("recording consent")
        verbose_name_plural = _("recording consents")
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="realtime_one_consent")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.agreed}"
