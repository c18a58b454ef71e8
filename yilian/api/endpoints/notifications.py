"""The caller's notifications: list (newest first, optionally unread only) and mark read."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Router

from yilian.notify import selectors, services
from yilian.notify.models import Notification

from ..errors import errors
from ..pagination import DEFAULT_LIMIT, page
from ..schemas import MarkedOut, NotificationOut, NotificationPage

router = Router(tags=["notifications"])


def notification_out(n: Notification) -> dict[str, Any]:
    return {
        "id": n.public_id,
        "verb": n.verb,
        "title": n.title,
        "body": n.body,
        "url": n.url,
        "urgent": n.urgent,
        "read_at": n.read_at,
        "created_at": n.created_at,
    }


@router.get("/", response={200: NotificationPage, **errors()}, summary="Your notifications")
def list_notifications(
    request: HttpRequest,
    unread: bool = False,
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Any:
    qs = selectors.notifications_for(request.user, unread_only=unread)
    rows, next_cursor = page(qs, cursor=cursor, limit=limit)
    return {"items": [notification_out(n) for n in rows], "next_cursor": next_cursor}


@router.post("/read-all", response={200: MarkedOut, **errors()}, summary="Mark all as read")
def read_all(request: HttpRequest) -> Any:
    return {"marked": services.mark_all_read(request.user)}


@router.post(
    "/{notification_id}/read",
    response={200: NotificationOut, **errors()},
    summary="Mark one as read",
)
def read_one(request: HttpRequest, notification_id: UUID) -> Any:
    notification = selectors.get_notification_for_user(request.user, notification_id)
    services.mark_read(request.user, notification)
    notification.refresh_from_db()
    return notification_out(notification)
