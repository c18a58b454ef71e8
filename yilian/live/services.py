"""Every write of live events: the organisers' edits (schedule, audience, consent, stream
key), nginx-rtmp's callbacks (publish → live, publish_done → ended, record_done → replay),
watch time from the player's heartbeats, and the replay made from the recording."""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.analytics.models import Metric
from yilian.analytics.services import record_activity, record_watch_time
from yilian.orgs.models import Hospital
from yilian.realtime import services as realtime

from .models import (
    Audience,
    EventKind,
    EventStatus,
    LiveEvent,
    ReplayStatus,
    WatchTime,
    new_playback_id,
    new_stream_key,
)
from .policies import is_organiser, may_create, may_manage, may_watch

logger = logging.getLogger(__name__)

# The realtime owner code of an event's Q&A chat (``apps.LiveConfig.ready`` registers it).
CHAT_OWNER = "live"
# The player posts a heartbeat every 30 s while playing; one heartbeat credits at most this
# much (a late heartbeat, a tab that slept) — never the whole gap since the last one.
HEARTBEAT_SECONDS = 30
HEARTBEAT_CAP_SECONDS = 45
# The business codes of the two kinds (web.navigation), for the activity figures.
ACTIVITY_KINDS: dict[str, str] = {
    EventKind.CONFERENCE: "conference_live",
    EventKind.SURGERY: "surgery_demo",
}
# The cloud-classroom category that holds the replays.
REPLAY_CATEGORY = "直播回放"


def _check_organiser(event: LiveEvent, actor: User) -> None:
    if not is_organiser(actor, event):
        raise PermissionDenied(_("Only the event's organisers may do this."))


# --- organisers -----------------------------------------------------------------------


@dataclass(frozen=True)
class EventData:
    title: str
    kind: str
    description: str
    starts_at: datetime
    ends_at: datetime
    host_hospital: Hospital
    audience: str
    organisers: list[User]


def _clean(data: EventData) -> str:
    """The audience the event gets (surgery: medical staff, whatever was asked)."""
    errors: dict[str, str] = {}
    if data.ends_at <= data.starts_at:
        errors["ends_at"] = _("The end must come after the start.")
    audience: str = Audience.MEMBERS
    if data.kind == EventKind.SURGERY:
        audience = Audience.MEDICAL_STAFF
    elif data.kind not in EventKind.values:
        errors["kind"] = _("Choose a kind of event.")
    elif data.audience in (Audience.MEMBERS, Audience.PUBLIC):
        audience = data.audience
    else:
        errors["audience"] = _("A conference is for members of the alliance or public.")
    if errors:
        raise ValidationError(errors)
    return audience


@transaction.atomic
def create_event(data: EventData, *, actor: User) -> LiveEvent:
    """A new event, scheduled, with its stream key, playback id and Q&A chat."""
    if not may_create(actor):
        raise PermissionDenied(_("Only platform managers may create live events."))
    audience = _clean(data)
    chat = realtime.open_owned_session(CHAT_OWNER, title=data.title)
    event = LiveEvent.objects.create(
        title=data.title,
        kind=data.kind,
        description=data.description,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        host_hospital=data.host_hospital,
        audience=audience,
        created_by=actor,
        chat=chat,
    )
    event.organisers.set(data.organisers)
    return event


@transaction.atomic
def update_event(event: LiveEvent, data: EventData, *, actor: User) -> LiveEvent:
    """Edit an event that has not ended. The kind is fixed once the event is live (a
    conference's audience must not widen to a surgery stream, or the reverse)."""
    event = LiveEvent.objects.select_for_update().get(pk=event.pk)
    _check_organiser(event, actor)
    if event.is_ended:
        raise ValidationError(_("An event that has ended cannot be changed."))
    if event.is_live and data.kind != event.kind:
        raise ValidationError({"kind": _("The kind cannot change while the event is live.")})
    audience = _clean(data)
    event.title, event.kind, event.description = data.title, data.kind, data.description
    event.starts_at, event.ends_at = data.starts_at, data.ends_at
    event.host_hospital, event.audience = data.host_hospital, audience
    if event.kind != EventKind.SURGERY:
        event.patient_consent, event.consent_recorded_by, event.consent_recorded_at = (
            False,
            None,
            None,
        )
    event.save()
    event.organisers.set(data.organisers)
    return event


@transaction.atomic
def set_consent(event: LiveEvent, *, actor: User, given: bool) -> LiveEvent:
    """Record (or withdraw) that the patient's consent to the demonstration is on file. A
    surgery demonstration cannot go live without it."""
    event = LiveEvent.objects.select_for_update().get(pk=event.pk)
    _check_organiser(event, actor)
    if not event.is_surgery:
        raise ValidationError(_("Only a surgery demonstration records patient consent."))
    if event.is_ended:
        raise ValidationError(_("An event that has ended cannot be changed."))
    event.patient_consent = given
    event.consent_recorded_by = actor if given else None
    event.consent_recorded_at = timezone.now() if given else None
    event.save(
        update_fields=[
            "patient_consent",
            "consent_recorded_by",
            "consent_recorded_at",
            "updated_at",
        ]
    )
    return event


@transaction.atomic
def regenerate_key(event: LiveEvent, *, actor: User) -> LiveEvent:
    """A new stream key and playback id (a key that leaked stops working; a running stream
    goes on under the key it was published with, but new viewers need the new address)."""
    event = LiveEvent.objects.select_for_update().get(pk=event.pk)
    _check_organiser(event, actor)
    if event.is_ended:
        raise ValidationError(_("An event that has ended cannot be changed."))
    event.stream_key = new_stream_key()
    if not event.is_live:
        event.playback_id = new_playback_id()
    event.save(update_fields=["stream_key", "playback_id", "updated_at"])
    return event


# --- nginx-rtmp callbacks -------------------------------------------------------------


class PublishRefused(Exception):
    """nginx-rtmp is answered 403: the encoder's stream is refused (the reason is logged,
    never sent back)."""


def publish_window(event: LiveEvent) -> tuple[datetime, datetime]:
    early = timedelta(minutes=settings.YILIAN_LIVE_EARLY_MINUTES)
    late = timedelta(minutes=settings.YILIAN_LIVE_LATE_MINUTES)
    return event.starts_at - early, event.ends_at + late


def why_not_publish(event: LiveEvent, now: datetime) -> str:
    """Why a stream for ``event`` would be refused now ("" when it may go live)."""
    start, end = publish_window(event)
    if event.is_ended:
        return _("The event has ended.")
    if now < start:
        return _("The event may start streaming %(minutes)d minutes before its start.") % {
            "minutes": settings.YILIAN_LIVE_EARLY_MINUTES
        }
    if now > end:
        return _("The event's time is over.")
    if event.is_surgery and not event.patient_consent:
        return _("The patient's consent is not on file.")
    return ""


def start_publish(stream_key: str, *, now: datetime | None = None) -> LiveEvent:
    """nginx-rtmp's ``on_publish``: the key must be an event's current key, the event in its
    window (a few minutes early allowed) and, for surgery, the patient's consent on file.
    The event goes live."""
    now = now or timezone.now()
    with transaction.atomic():
        found = LiveEvent.objects.filter(stream_key=stream_key).values_list("pk", flat=True)
        pk = next(iter(found), None) if stream_key else None
        if pk is None:
            raise PublishRefused("unknown stream key")
        event = LiveEvent.objects.select_for_update().get(pk=pk)
        reason = why_not_publish(event, now)
        if reason:
            raise PublishRefused(reason)
        event.status = EventStatus.LIVE
        event.live_at = event.live_at or now
        event.published_key = stream_key
        event.save(update_fields=["status", "live_at", "published_key", "updated_at"])
    return event


def end_publish(stream_name: str, *, now: datetime | None = None) -> LiveEvent | None:
    """nginx-rtmp's ``on_publish_done``: the stream stopped, the event has ended."""
    from .selectors import event_for_stream

    event = event_for_stream(stream_name)
    if event is None:
        return None
    with transaction.atomic():
        event = LiveEvent.objects.select_for_update().get(pk=event.pk)
        if event.status != EventStatus.LIVE:
            return event
        event.status = EventStatus.ENDED
        event.ended_at = now or timezone.now()
        event.save(update_fields=["status", "ended_at", "updated_at"])
    return event


def recording_done(stream_name: str, path: str) -> LiveEvent | None:
    """nginx-rtmp's ``on_record_done``: queue the replay (remux to MP4, a classroom lesson).
    Only a file inside the configured recording folder is taken."""
    from .selectors import event_for_stream

    event = event_for_stream(stream_name)
    if event is None or not path:
        return None
    recording = Path(path).resolve()
    folder = Path(settings.YILIAN_LIVE_RECORD_DIR).resolve()
    if not recording.is_relative_to(folder) or recording.suffix != ".flv":
        logger.warning("live: a recording outside the recording folder was ignored")
        return None
    with transaction.atomic():
        event = LiveEvent.objects.select_for_update().get(pk=event.pk)
        if event.replay_status in (ReplayStatus.PENDING, ReplayStatus.READY):
            return event
        event.replay_status = ReplayStatus.PENDING
        event.save(update_fields=["replay_status", "updated_at"])
        pk = event.pk

        def enqueue() -> None:
            from .tasks import make_replay_task

            make_replay_task.enqueue(pk, str(recording))

        transaction.on_commit(enqueue)
    return event


# --- watch time -----------------------------------------------------------------------


def credit_watch_time(event: LiveEvent, user: User, *, now: datetime | None = None) -> int:
    """One heartbeat of ``user``'s player: credit the time since their last heartbeat, at
    most ``HEARTBEAT_CAP_SECONDS`` — the first heartbeat only starts the clock. Heartbeats
    from several tabs or devices share the one row and its clock, so time watched twice at
    once counts once. Only a live event earns watch time. Returns the seconds credited.

    This is the one place watch time is credited: dashboard figures (watch hours) hang off
    it."""
    if not user.is_authenticated or not may_watch(user, event):
        raise PermissionDenied
    now = now or timezone.now()
    if not LiveEvent.objects.filter(pk=event.pk, status=EventStatus.LIVE).exists():
        return 0
    with transaction.atomic():
        try:
            with transaction.atomic():
                row, created = WatchTime.objects.get_or_create(
                    event=event,
                    user=user,
                    defaults={"first_seen_at": now, "last_heartbeat_at": now},
                )
        except IntegrityError:  # the other tab made the row first
            row, created = WatchTime.objects.get(event=event, user=user), False
        if created:
            transaction.on_commit(
                lambda: record_activity(
                    action=Metric.TRAINING,
                    user=user,
                    hospital=user.hospital_id,
                    kind=ACTIVITY_KINDS.get(event.kind, ""),
                )
            )
            return 0
        row = WatchTime.objects.select_for_update().get(pk=row.pk)
        elapsed = (now - row.last_heartbeat_at).total_seconds()
        if elapsed <= 0:
            return 0  # an older or simultaneous heartbeat (the other tab): nothing new
        credit = int(min(elapsed, HEARTBEAT_CAP_SECONDS))
        row.seconds += credit
        row.last_heartbeat_at = now
        row.save(update_fields=["seconds", "last_heartbeat_at"])
        kind = ACTIVITY_KINDS.get(event.kind, "")
        transaction.on_commit(lambda: record_watch_time(user=user, seconds=credit, kind=kind))
    return credit


# --- replay ---------------------------------------------------------------------------


def _program(name: str) -> str:
    """Debian's ffmpeg / ffprobe (``PATH`` lookup once, so a missing one fails plainly)."""
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} is not installed")
    return found


def _ffmpeg(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(  # noqa: S603 — fixed program, paths we chose
        [_program("ffmpeg"), "-hide_banner", "-loglevel", "error", "-y", *args],
        capture_output=True,
        timeout=3600,
        check=False,
    )


def _duration(path: Path) -> int:
    out = subprocess.run(  # noqa: S603
        [
            _program("ffprobe"),
            "-v",
            "error",
            "-show_entries",
            "format=duration",
            "-of",
            "default=noprint_wrappers=1:nokey=1",
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    try:
        return max(round(float(out.stdout.strip())), 1)
    except ValueError:
        return 0


def _replay_author(event: LiveEvent) -> User | None:
    """Teaching's services add lessons as a platform manager: the event's creator, or any
    active manager if the creator no longer is one."""
    if may_manage(event.created_by):
        return event.created_by
    for user in User.objects.active().filter(role_assignments__role=Role.MANAGER).distinct():
        if may_manage(user):
            return user
    return None


def make_replay(event_pk: int, recording: str) -> str:
    """Remux the recording (FLV from nginx-rtmp) to MP4 without re-encoding and publish it
    as the event's replay. Idempotent: a ready replay is left alone."""
    event = LiveEvent.objects.select_related("created_by").get(pk=event_pk)
    if event.replay_id is not None:
        return "exists"
    source = Path(recording)
    if not source.is_file():
        LiveEvent.objects.filter(pk=event.pk).update(replay_status=ReplayStatus.FAILED)
        return "missing"
    with tempfile.TemporaryDirectory(prefix="yilian-replay-") as folder:
        target = Path(folder) / "replay.mp4"
        result = _ffmpeg("-i", str(source), "-c", "copy", "-movflags", "+faststart", str(target))
        seconds = _duration(target) if result.returncode == 0 and target.is_file() else 0
        if not seconds:
            logger.warning("live: remuxing a recording failed: %s", result.stderr[-500:])
            LiveEvent.objects.filter(pk=event.pk).update(replay_status=ReplayStatus.FAILED)
            return "failed"
        if publish_replay(event, target, seconds) is None:
            return "failed"
    source.unlink(missing_ok=True)
    return "ready"


def publish_replay(event: LiveEvent, mp4: Path, seconds: int) -> Any:
    """Add ``mp4`` to the cloud classroom as ``event``'s replay — a published course in the
    replays category holding one video lesson — through the classroom's own services. A
    surgery demonstration's replay keeps its audience: medical staff only."""
    from yilian.teaching import services as teaching
    from yilian.teaching.models import Category, Course, LessonKind

    author = _replay_author(event)
    if author is None:
        LiveEvent.objects.filter(pk=event.pk).update(replay_status=ReplayStatus.FAILED)
        return None
    category, _new = Category.objects.get_or_create(name=REPLAY_CATEGORY)
    with mp4.open("rb") as handle, transaction.atomic():
        course = teaching.save_course(
            actor=author, title=event.title, description=event.description, category=category
        )
        upload = UploadedFile(
            handle, name="replay.mp4", content_type="video/mp4", size=mp4.stat().st_size
        )
        lesson = teaching.add_lesson(
            course,
            actor=author,
            title=_("Replay"),
            kind=LessonKind.VIDEO,
            upload=upload,
            duration_seconds=seconds,
            max_bytes=settings.YILIAN_LIVE_REPLAY_MAX_MB * 1024 * 1024,
        )
        if event.kind == EventKind.SURGERY:
            Course.objects.filter(pk=course.pk).update(medical_staff_only=True)
        teaching.set_published(course, actor=author, published=True)
        LiveEvent.objects.filter(pk=event.pk).update(
            replay=lesson, replay_status=ReplayStatus.READY
        )
    return lesson


def chat_session_of(event: LiveEvent) -> Any:
    """The event's Q&A session (events made before their chat get one now)."""
    if event.chat_id is not None:
        return event.chat
    with transaction.atomic():
        locked = LiveEvent.objects.select_for_update().get(pk=event.pk)
        if locked.chat_id is None:
            locked.chat = realtime.open_owned_session(CHAT_OWNER, title=locked.title)
            locked.save(update_fields=["chat", "updated_at"])
    event.refresh_from_db(fields=["chat"])
    return event.chat
