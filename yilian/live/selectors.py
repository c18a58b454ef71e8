"""Reads of live events, scoped by the audience rules in ``policies``."""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from yilian.accounts.models import User

from .models import Audience, EventKind, EventStatus, LiveEvent, WatchTime
from .policies import is_medical_staff, is_member, is_organiser, may_manage, may_watch

WHEN = ("upcoming", "live", "past")


def _events() -> QuerySet[LiveEvent]:
    return LiveEvent.objects.select_related("host_hospital", "replay")


def events_for(
    user: User, *, query: str = "", kind: str = "", when: str = ""
) -> QuerySet[LiveEvent]:
    """The events ``user`` may watch (as a queryset, for lists), searched by title or
    description, filtered by kind and by upcoming / live / past. Upcoming and live soonest
    first; past most recent first."""
    events = _events()
    if not may_manage(user):
        visible = Q(kind=EventKind.CONFERENCE, audience=Audience.PUBLIC)
        if is_member(user):
            visible |= Q(kind=EventKind.CONFERENCE)
            visible |= Q(created_by=user) | Q(organisers=user)
        if is_medical_staff(user):
            visible |= Q(kind=EventKind.SURGERY)
        events = events.filter(pk__in=LiveEvent.objects.filter(visible).values("pk"))
    if query:
        events = events.filter(Q(title__icontains=query) | Q(description__icontains=query))
    if kind in EventKind.values:
        events = events.filter(kind=kind)
    if when == "upcoming":
        events = events.filter(status=EventStatus.SCHEDULED, ends_at__gte=timezone.now())
    elif when == "live":
        events = events.filter(status=EventStatus.LIVE)
    elif when == "past":
        events = events.filter(
            Q(status=EventStatus.ENDED)
            | Q(status=EventStatus.SCHEDULED, ends_at__lt=timezone.now())
        ).order_by("-starts_at", "-id")
    return events


def _get(public_id: UUID | str) -> LiveEvent:
    try:
        return _events().get(public_id=public_id)
    except (LiveEvent.DoesNotExist, ValueError, ValidationError):
        raise Http404 from None


def get_event_to_watch(user: User, public_id: UUID | str) -> LiveEvent:
    """The event if ``user`` is in its audience; 404 otherwise (never confirms it exists)."""
    event = _get(public_id)
    if not may_watch(user, event):
        raise Http404
    return event


def get_event_to_organise(user: User, public_id: UUID | str) -> LiveEvent:
    event = _get(public_id)
    if not is_organiser(user, event):
        raise Http404
    return event


def get_event_by_playback(user: User, playback_id: str) -> LiveEvent:
    """The event whose HLS ``user`` may load now (live, in its audience)."""
    event = _events().filter(playback_id=playback_id).first()
    if event is None or not event.is_live or not event.published_key:
        raise Http404
    if not may_watch(user, event):
        raise Http404
    return event


def event_for_stream(name: str) -> LiveEvent | None:
    """The event an nginx-rtmp callback names: by its stream key, or by the key the running
    stream was published with (the key may have been regenerated since)."""
    if not name:
        return None
    return (
        LiveEvent.objects.filter(Q(stream_key=name) | Q(published_key=name))
        .order_by("-live_at")
        .first()
    )


def watch_rows(event: LiveEvent) -> QuerySet[WatchTime]:
    """Per viewer: credited seconds, most first (organisers' table and export)."""
    return event.watch_times.select_related("user", "user__hospital").order_by("-seconds", "id")


def my_watch_seconds(event: LiveEvent, user: User) -> int:
    if not user.is_authenticated:
        return 0
    row = WatchTime.objects.filter(event=event, user=user).values_list("seconds", flat=True)
    return next(iter(row), 0)
