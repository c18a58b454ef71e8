"""``{% room_panel req %}`` on the request page: the way into the session's cloud room and,
afterwards, the chat as part of the request's record."""

from __future__ import annotations

from typing import Any

from django import template

from yilian.realtime import selectors

register = template.Library()

TRANSCRIPT = 200


@register.inclusion_tag("realtime/_request_room.html", takes_context=True)
def room_panel(context: dict[str, Any], request_obj: Any) -> dict[str, Any]:
    user = context["request"].user
    session = selectors.session_of_request(request_obj)
    may_enter = (
        selectors.may_enter(user, session)
        if session is not None
        else selectors.request_has_room(request_obj)
        and selectors.is_participant_of_request(user, request_obj)
    )
    messages = selectors.messages_before(session, limit=TRANSCRIPT) if session else []
    totals = selectors.attendance_totals(session) if session else {}
    return {
        "req": request_obj,
        "session": session,
        "may_enter": may_enter,
        "messages": messages,
        "older": bool(messages) and messages[0].seq > 1,
        "attended": selectors.attendance_summary(session, totals) if session else [],
    }
