"""Pushing events to a user's open pages over their websocket."""

from __future__ import annotations

import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)


def user_group(user_public_id: Any) -> str:
    return f"user.{user_public_id}"


def push_to_user(user_public_id: Any, event: str, payload: dict[str, Any]) -> None:
    """Send ``event`` to every open page of one user. Best effort: a page that is not open
    reloads the state over HTTP, so a failed push never fails the business action."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(
            user_group(user_public_id),
            {"type": "user.event", "event": event, "payload": payload},
        )
    except Exception:  # the channel layer being down must not break a write
        logger.warning("push to user stream failed", exc_info=True)
