"""Days in the alliance's time zone."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def start_of(day: date) -> datetime:
    """Midnight at the start of ``day``, in the current (alliance) time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """``day`` from its midnight to the next one."""
    start = start_of(day)
    return start, start_of(day + timedelta(days=1))


def validate_time_zone(name: str) -> None:
    """An IANA zone name this machine knows (a hospital's zone for its calendar entries)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            _("“%(name)s” is not a known time zone."), code="time_zone", params={"name": name}
        ) from None
