from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import timezone

from yilian.accounts.models import User
from yilian.accounts.selectors import is_active_member
from yilian.core.links import token_hash

from .models import CalendarFeed
from .sources import Entry, Window, registered

# Behind for a week (what was just held), ahead for half a year.
PAST = timedelta(days=7)
AHEAD = timedelta(days=183)


def may_subscribe(user: User) -> bool:
    """Alliance members have sessions, classes and visits to subscribe to; patients don't."""
    return is_active_member(user)


def feed_of(user: User) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(user=user).first()


def feed_for_token(token: str) -> CalendarFeed | None:
    """The live feed the token opens, if its person may still use the platform."""
    feed = CalendarFeed.objects.select_related("user").filter(token_hash=token_hash(token)).first()
    if feed is None or not may_subscribe(feed.user):
        return None
    return feed


def _sort_key(entry: Entry) -> tuple[date, str]:
    start = entry.start
    day = timezone.localdate(start) if isinstance(start, datetime) else start
    return day, entry.uid


def entries_for(user: User, now: datetime | None = None) -> list[Entry]:
    """Everything every source has for ``user`` from a week ago to half a year ahead."""
    now = now or timezone.now()
    window = Window(now - PAST, now + AHEAD)
    entries = [entry for source in registered() for entry in source(user, window)]
    return sorted(entries, key=_sort_key)
