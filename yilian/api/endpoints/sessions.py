"""Cloud rooms and sessions: the scheduled business sessions the caller takes part in,
the open standing-room sessions, one session, and the rooms the caller administers."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Router

from yilian.audit import services as audit
from yilian.audit.models import AuditAction
from yilian.realtime import selectors
from yilian.realtime.models import RoomSession
from yilian.workflow import selectors as workflow_selectors

from ..errors import errors
from ..pagination import DEFAULT_LIMIT, page
from ..schemas import (
    RoomPage,
    RoomSessionDetailOut,
    RoomSessionPage,
    ScheduledSessionPage,
    ref,
)

router = Router(tags=["rooms and sessions"])


def _session_out(s: RoomSession) -> dict[str, Any]:
    return {
        "id": s.public_id,
        "title": s.title,
        "business_id": s.request.public_id if s.request_id else None,
        "room": ref(s.room),
        "host": ref(s.host),
        "locked": s.locked,
        "created_at": s.created_at,
        "ended_at": s.ended_at,
    }


@router.get(
    "/sessions",
    response={200: ScheduledSessionPage, **errors()},
    summary="Your scheduled business sessions",
    description="Video sessions of businesses you take part in, soonest first.",
)
def scheduled_sessions(
    request: HttpRequest, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Any:
    # Every scheduled business has its start (the confirm step requires it).
    qs = selectors.business_sessions_for(request.user).filter(scheduled_start__isnull=False)
    rows, next_cursor = page(
        qs, cursor=cursor, limit=limit, time_field="scheduled_start", newest_first=False
    )
    sessions = {s.request_id: s.public_id for s in RoomSession.objects.filter(request__in=rows)}
    return {
        "items": [
            {
                "business_id": r.public_id,
                "title": r.title,
                "kind": r.kind,
                "status": r.status,
                "scheduled_start": r.scheduled_start,
                "scheduled_end": r.scheduled_end,
                "hospital": ref(r.applicant_hospital),
                "room": ref(r.room),
                "session_id": sessions.get(r.pk),
            }
            for r in rows
        ],
        "next_cursor": next_cursor,
    }


@router.get(
    "/sessions/standing",
    response={200: RoomSessionPage, **errors()},
    summary="Open standing-room sessions",
    description="Sessions of standing rooms you host, are invited to or administer.",
)
def standing_sessions(
    request: HttpRequest, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> Any:
    qs = selectors.standing_sessions_for(request.user).select_related("request", "room", "host")
    rows, next_cursor = page(qs, cursor=cursor, limit=limit)
    return {"items": [_session_out(s) for s in rows], "next_cursor": next_cursor}


@router.get(
    "/sessions/{session_id}",
    response={200: RoomSessionDetailOut, **errors()},
    summary="One session",
    description="Whoever may read the business (or took part) sees its session.",
)
def get_session(request: HttpRequest, session_id: UUID) -> Any:
    session = selectors.get_session_history_for_user(request.user, session_id)
    if session.request_id is not None:
        # A business session is about its patients, as the room page records.
        for patient in workflow_selectors.patients_of(session.request):
            audit.record(request, action=AuditAction.VIEW, target=session.request, patient=patient)
    return {
        **_session_out(session),
        "participants": [ref(u) for u in selectors.participants(session).order_by("name")],
        "may_enter": selectors.may_enter(request.user, session),
    }


@router.get(
    "/rooms",
    response={200: RoomPage, **errors()},
    summary="Rooms you administer",
)
def rooms(request: HttpRequest, cursor: str | None = None, limit: int = DEFAULT_LIMIT) -> Any:
    qs = selectors.rooms_administered_by(request.user).select_related("hospital")
    rows, next_cursor = page(qs, cursor=cursor, limit=limit, newest_first=False)
    return {
        "items": [{"id": r.public_id, "name": r.name, "hospital": ref(r.hospital)} for r in rows],
        "next_cursor": next_cursor,
    }
