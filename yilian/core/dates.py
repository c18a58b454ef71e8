"""Days in the alliance's time zone."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone


def start_of(day: date) -> datetime:
    """Midnight at the start of ``day``, in the current (alliance) time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """``day`` from its midnight to the next one."""
    start = start_of(day)
    return start, start_of(day + timedelta(days=1))
