"""Writing notifications. Recipients learn of them live (websocket) and in the list."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from django.db import transaction
from django.utils import timezone

from yilian.accounts.models import User
from yilian.realtime.services import push_to_user

from .models import Notification


def notify(
    recipients: Iterable[User], *, verb: str, title: str, body: str = "", url: str = ""
) -> list[Notification]:
    """Create one notification per recipient and push the new unread count after commit."""
    rows = [
        Notification(recipient=user, verb=verb, title=title, body=body, url=url)
        for user in {u.pk: u for u in recipients}.values()
    ]
    Notification.objects.bulk_create(rows)
    for row in rows:
        transaction.on_commit(partial(_push_new, row))
    return rows


def _push_new(notification: Notification) -> None:
    unread = Notification.objects.filter(recipient_id=notification.recipient_id).unread().count()
    push_to_user(
        notification.recipient.public_id,
        "notification",
        {"title": notification.title, "url": notification.url, "unread": unread},
    )


def mark_read(user: User, notification: Notification) -> None:
    if notification.recipient_id != user.pk:
        raise PermissionError("not the recipient")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])


def mark_all_read(user: User) -> int:
    return Notification.objects.filter(recipient=user).unread().update(read_at=timezone.now())
