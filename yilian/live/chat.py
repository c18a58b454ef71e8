"""The rules of an event's Q&A chat, as the realtime app asks for them (``owners``)."""

from __future__ import annotations

from typing import Any

from .models import EventStatus, LiveEvent
from .policies import is_organiser, may_chat


def _event(session: Any) -> LiveEvent | None:
    return LiveEvent.objects.filter(chat_id=session.pk).first()


def is_participant(user: Any, session: Any) -> bool:
    event = _event(session)
    return event is not None and may_chat(user, event)


def is_admin(user: Any, session: Any) -> bool:
    event = _event(session)
    return event is not None and is_organiser(user, event)


def is_open(session: Any) -> bool:
    event = _event(session)
    return event is not None and event.status != EventStatus.ENDED
