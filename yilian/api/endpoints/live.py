"""Live events (conference live streams and surgery demonstrations) as their audience sees
them: the audience rules of ``yilian.live.policies`` decide, through its selectors, and
an event outside the caller's audience is not found. Stream keys never leave the server."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from yilian.live import selectors
from yilian.live.models import LiveEvent
from yilian.live.policies import is_member

from ..errors import errors
from ..pagination import DEFAULT_LIMIT, page
from ..schemas import LiveEventOut, LiveEventPage, ref

router = Router(tags=["teaching"])


def _member(request: HttpRequest) -> None:
    if not is_member(request.user):
        raise PermissionDenied(_("Live events are for members of the alliance."))


def _event_out(e: LiveEvent) -> dict[str, Any]:
    return {
        "id": e.public_id,
        "title": e.title,
        "kind": e.kind,
        "kind_label": e.get_kind_display(),
        "description": e.description,
        "starts_at": e.starts_at,
        "ends_at": e.ends_at,
        "host_hospital": ref(e.host_hospital),
        "audience": e.audience,
        "status": e.status,
        "status_label": e.get_status_display(),
        "live_at": e.live_at,
        "ended_at": e.ended_at,
        "replay_lesson_id": e.replay.public_id if e.replay_id else None,
    }


@router.get(
    "/live-events",
    response={200: LiveEventPage, **errors()},
    summary="Live events",
    description=(
        "The events you may watch: `when` upcoming / live (soonest first) or past (latest "
        "first), `kind` conference / surgery, `search` in title and description."
    ),
)
def list_events(
    request: HttpRequest,
    when: str = "",
    kind: str = "",
    search: str = "",
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Any:
    _member(request)
    qs = selectors.events_for(request.user, query=search.strip()[:100], kind=kind, when=when)
    rows, next_cursor = page(
        qs, cursor=cursor, limit=limit, time_field="starts_at", newest_first=when == "past"
    )
    return {"items": [_event_out(e) for e in rows], "next_cursor": next_cursor}


@router.get(
    "/live-events/{event_id}",
    response={200: LiveEventOut, **errors()},
    summary="One live event",
    description="404 when the event is not for you (surgery demonstrations: medical staff).",
)
def get_event(request: HttpRequest, event_id: UUID) -> Any:
    _member(request)
    return _event_out(selectors.get_event_to_watch(request.user, event_id))
