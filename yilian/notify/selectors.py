from __future__ import annotations

from uuid import UUID

from django.http import Http404

from yilian.accounts.models import User

from .models import Notification, NotificationPreference, NotificationQuerySet


def notifications_for(user: User, *, unread_only: bool = False) -> NotificationQuerySet:
    qs = Notification.objects.filter(recipient=user)
    return qs.unread() if unread_only else qs


def unread_count(user: User) -> int:
    return notifications_for(user, unread_only=True).count()


def get_notification_for_user(user: User, public_id: UUID | str) -> Notification:
    try:
        return notifications_for(user).get(public_id=public_id)
    except (Notification.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def preferences_for(user: User) -> NotificationPreference:
    """The user's saved preferences, or the defaults (unsaved) until they save theirs."""
    try:
        return NotificationPreference.objects.get(user=user)
    except NotificationPreference.DoesNotExist:
        return NotificationPreference(user=user)
