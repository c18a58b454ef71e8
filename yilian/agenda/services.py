from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from yilian.accounts.models import User
from yilian.core.links import new_token, token_hash

from .models import CalendarFeed


@transaction.atomic
def issue_feed(user: User) -> str:
    """A new feed address token for ``user``; any earlier address stops working."""
    token = new_token()
    CalendarFeed.objects.filter(user=user).delete()
    CalendarFeed.objects.create(user=user, token_hash=token_hash(token))
    return token


@transaction.atomic
def revoke_feed(user: User) -> bool:
    deleted, _ = CalendarFeed.objects.filter(user=user).delete()
    return bool(deleted)


def mark_fetched(feed: CalendarFeed) -> None:
    CalendarFeed.objects.filter(pk=feed.pk).update(last_fetched_at=timezone.now())
