"""Writing notifications. Recipients learn of them live (websocket), in the list, and by
e-mail and SMS as their preferences say (``channels``), each delivery a task after commit."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from django.db import transaction
from django.utils import timezone

from yilian.accounts.models import User
from yilian.realtime.services import push_to_user

from . import channels
from .models import Delivery, Notification, NotificationPreference


def notify(
    recipients: Iterable[User],
    *,
    verb: str,
    title: str,
    body: str = "",
    url: str = "",
    summary: str = "",
    urgent: bool = False,
) -> list[Notification]:
    """Create one notification per recipient; after commit, push the new unread count and
    enqueue the e-mail and SMS deliveries their preferences ask for.

    ``title`` and ``body`` stay in the app. ``summary`` is what e-mail and SMS say: the kind
    of business and what happened, never patient data (without it they only say there is a
    new message). ``urgent`` marks reminders and urgent or emergency requests — the only
    ones sent by SMS to users who chose "SMS only for urgent matters" (the default)."""
    rows = [
        Notification(
            recipient=user,
            verb=verb,
            title=title,
            body=body,
            url=url,
            summary=summary[:200],
            urgent=urgent,
        )
        for user in {u.pk: u for u in recipients}.values()
    ]
    if not rows:
        return rows
    Notification.objects.bulk_create(rows)
    deliveries = Delivery.objects.bulk_create(channels.plan(rows))
    for row in rows:
        transaction.on_commit(partial(_push_new, row))
    pending = [d.pk for d in deliveries if d.status == Delivery.Status.PENDING]
    if pending:
        transaction.on_commit(partial(channels.enqueue, pending), robust=True)
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


def update_preferences(
    user: User, *, email: bool, sms: bool, sms_urgent_only: bool
) -> NotificationPreference:
    """Save how ``user`` wants to be notified besides the app (the row is made on first save)."""
    preference, _ = NotificationPreference.objects.update_or_create(
        user=user, defaults={"email": email, "sms": sms, "sms_urgent_only": sms_urgent_only}
    )
    return preference
