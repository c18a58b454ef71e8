from __future__ import annotations

from uuid import UUID

from django.http import Http404

from yilian.accounts.models import User

from .models import Notification, NotificationQuerySet


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
