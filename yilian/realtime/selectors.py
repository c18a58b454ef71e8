"""Every scoped read of cloud rooms: who may enter a session, its chat history by cursor,
who is present, and attendance totals (the selector the teaching module reads for CME)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.core.dates import start_of
from yilian.security.policy import read_only
from yilian.workflow.models import SCHEDULED_STATUSES, BusinessRequest

from .models import Attendance, ChatMessage, RoomSession
from .owners import owner_of

if TYPE_CHECKING:
    from yilian.orgs.models import Room

HISTORY_PAGE = 50
# At most this many missed messages go in one answer; ``more`` tells the client to ask again.
MISSED_BATCH = 500


def participants(session: RoomSession) -> QuerySet[User]:
    """The people of a session (room administrators aside). A business session: the
    applicant, the assigned experts, the execution team (lead and members) and the staff
    of the applicant's hospital. A standing-room session: its host and invited people."""
    if session.request_id is None:
        return User.objects.filter(Q(pk=session.host_id) | Q(room_sessions=session)).distinct()
    request = BusinessRequest.objects.get(pk=session.request_id)
    who = (
        Q(pk=request.applicant_id)
        | Q(assigned_requests=request)
        | Q(
            hospital_id=request.applicant_hospital_id,
            role_assignments__role__in=[Role.STAFF, Role.HOSPITAL_ADMIN],
        )
    )
    if request.team_id is not None:
        who |= Q(teams__pk=request.team_id) | Q(led_teams__pk=request.team_id)
    return User.objects.filter(who).distinct()


def is_participant_of_request(user: User, request: BusinessRequest) -> bool:
    """``is_participant`` before the request's session exists (to offer the way in)."""
    if not user.is_authenticated or not user.can_use_business:
        return False
    if request.room_id and administers_room(user, request.room_id):
        return True
    return participants(RoomSession(request=request)).filter(pk=user.pk).exists()


def administers_room(user: User, room_id: int | None) -> bool:
    """``user`` administers the room (``Room.objects.administered_by``: the role and a
    place among its administrators)."""
    from yilian.orgs.models import Room

    if room_id is None:
        return False
    return Room.objects.administered_by(user).filter(pk=room_id).exists()


def is_room_admin(user: User, session: RoomSession) -> bool:
    """The session's host and the room's administrators moderate the session (the owner's
    rule for an owned session)."""
    if not user.is_authenticated:
        return False
    owner = owner_of(session)
    if owner is not None:
        return owner.is_admin(user, session)
    if session.host_id == user.pk:
        return True
    return administers_room(user, session.room_id)


def is_participant(user: User, session: RoomSession) -> bool:
    if not user.is_authenticated or not user.can_use_business:
        return False
    owner = owner_of(session)
    if owner is not None:
        return owner.is_admin(user, session) or owner.is_participant(user, session)
    return is_room_admin(user, session) or participants(session).filter(pk=user.pk).exists()


def _session_open(session: RoomSession) -> bool:
    if session.is_ended:
        return False
    owner = owner_of(session)
    if owner is not None:
        return owner.is_open(session)
    request = session.request
    if request is not None:
        return any(request.status == status for status in SCHEDULED_STATUSES)
    return session.room is not None and session.room.is_active


def may_enter(user: User, session: RoomSession) -> bool:
    """The one rule for entering a room (page, websocket, every message): a participant or
    administrator, of a session that is open, not removed from it, and — when the room is
    locked — an administrator or someone who was already in. Never an auditor's account,
    which changes nothing (entering records attendance; the room takes chat and signals)."""
    if read_only(user) or not is_participant(user, session) or not _session_open(session):
        return False
    admin = is_room_admin(user, session)
    if not admin and session.removed.filter(pk=user.pk).exists():
        return False
    if session.locked and not admin:
        return session.attendance.filter(user=user).exists()
    return True


def may_read_history(user: User, session: RoomSession) -> bool:
    """The chat stays part of the record: whoever may read the request (or took part in a
    standing-room session) reads it, during and after the session."""
    if not user.is_authenticated or not user.can_use_business:
        return False
    if session.request_id is not None:
        visible = BusinessRequest.objects.visible_to(user).filter(pk=session.request_id).exists()
        return visible or is_participant(user, session)
    return is_participant(user, session)


def may_attach_to_chat(user: User, session: RoomSession) -> bool:
    owner = owner_of(session)
    if owner is not None and not owner.allows_files:
        return False
    return may_enter(user, session) and not session.muted.filter(pk=user.pk).exists()


def _sessions() -> QuerySet[RoomSession]:
    return RoomSession.objects.select_related("request", "room", "host")


def get_session(public_id: UUID | str) -> RoomSession:
    try:
        return _sessions().get(public_id=public_id)
    except (RoomSession.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


def get_session_to_enter(user: User, public_id: UUID | str) -> RoomSession:
    """The session if ``user`` may enter it now; 404 otherwise (never 403)."""
    session = get_session(public_id)
    if not may_enter(user, session):
        raise Http404
    return session


def get_session_history_for_user(user: User, public_id: UUID | str) -> RoomSession:
    session = get_session(public_id)
    if not may_read_history(user, session):
        raise Http404
    return session


def session_of_request(request: BusinessRequest) -> RoomSession | None:
    return _sessions().filter(request=request).first()


def request_has_room(request: BusinessRequest) -> bool:
    """A scheduled video session gets a cloud room."""
    return request.status in SCHEDULED_STATUSES and request.form in ("", BusinessRequest.Form.VIDEO)


def business_sessions_for(user: User) -> QuerySet[BusinessRequest]:
    """Scheduled video sessions ``user`` takes part in (the same people as ``participants``),
    soonest first."""
    if not user.is_authenticated or not user.can_use_business:
        return BusinessRequest.objects.none()
    who = (
        Q(applicant=user)
        | Q(experts=user)
        | Q(team__members=user)
        | Q(team__lead=user)
        | Q(room__in=_administered(user))
    )
    if user.hospital_id and user.has_role(Role.STAFF, Role.HOSPITAL_ADMIN):
        who |= Q(applicant_hospital_id=user.hospital_id)
    ids = BusinessRequest.objects.filter(who).values("pk")
    return (
        BusinessRequest.objects.filter(
            pk__in=ids,
            status__in=SCHEDULED_STATUSES,
            form__in=["", BusinessRequest.Form.VIDEO],
        )
        .select_related("applicant_hospital", "room")
        .order_by("scheduled_start", "pk")
    )


def standing_sessions_for(user: User) -> QuerySet[RoomSession]:
    """Open sessions of standing rooms that ``user`` hosts, is invited to or administers."""
    if not user.is_authenticated or not user.can_use_business:
        return RoomSession.objects.none()
    ids = RoomSession.objects.filter(
        Q(host=user) | Q(participants=user) | Q(room__in=_administered(user)),
        request__isnull=True,
        ended_at__isnull=True,
    ).values("pk")
    return RoomSession.objects.filter(pk__in=ids).select_related("room").order_by("-created_at")


def _administered(user: User) -> Any:
    from yilian.orgs.models import Room

    return Room.objects.administered_by(user).values("pk")


def rooms_administered_by(user: User) -> Any:
    from yilian.orgs.models import Room

    return Room.objects.administered_by(user).filter(is_active=True).order_by("name", "pk")


def invitable_people(room: Any) -> QuerySet[User]:
    """Whom a standing-room session may invite: active members of the alliance's
    business side (not patients)."""
    return (
        User.objects.active()
        .exclude(role_assignments__role=Role.PATIENT)
        .filter(role_assignments__isnull=False)
        .distinct()
        .order_by("name", "pk")
    )


# --- chat ------------------------------------------------------------------------------


def _messages(session: RoomSession) -> QuerySet[ChatMessage]:
    return session.messages.select_related("sender", "attachment")


def messages_after(
    session: RoomSession, after: int = 0, limit: int | None = None
) -> tuple[list[ChatMessage], bool]:
    """What a client that has seen up to ``after`` missed, oldest first, at most ``limit``
    (``MISSED_BATCH``) of them, and whether more follow (ask again after the last one)."""
    limit = limit or MISSED_BATCH
    rows = list(_messages(session).filter(seq__gt=after).order_by("seq")[: limit + 1])
    return rows[:limit], len(rows) > limit


def messages_before(
    session: RoomSession, before: int | None = None, limit: int = HISTORY_PAGE
) -> list[ChatMessage]:
    """One page of history older than ``before`` (the newest page without it), oldest first."""
    qs = _messages(session)
    if before is not None:
        qs = qs.filter(seq__lt=before)
    return list(reversed(qs.order_by("-seq")[:limit]))


def message_json(message: ChatMessage) -> dict[str, Any]:
    attachment = message.attachment
    return {
        "seq": message.seq,
        "id": str(message.client_id),
        "kind": message.kind,
        "body": message.body,
        "sender": str(message.sender.public_id),
        "sender_name": message.sender.name,
        "at": message.created_at.isoformat(),
        "file": (
            {
                "name": attachment.original_name,
                "url": f"/files/{attachment.public_id}/",
                "type": attachment.mime_type,
            }
            if attachment is not None
            else None
        ),
    }


# --- presence and attendance -----------------------------------------------------------


# A connection silent for longer than this (no ping) is gone.
STALE_AFTER = timedelta(seconds=60)


def live_connections(session: RoomSession) -> QuerySet[Attendance]:
    """The open connections that are still alive (what "present" means everywhere)."""
    return session.attendance.filter(
        left_at__isnull=True, seen_at__gte=timezone.now() - STALE_AFTER
    )


def present_user_ids(session: RoomSession) -> set[int]:
    return set(live_connections(session).values_list("user_id", flat=True))


def presence(session: RoomSession) -> list[dict[str, Any]]:
    """Who is in the room now: one entry per open, live connection."""
    muted = set(session.muted.values_list("pk", flat=True))
    rows = live_connections(session).select_related("user").order_by("joined_at", "id")
    return [peer_entry(row, muted=row.user_id in muted) for row in rows]


def peer_entry(row: Attendance, *, muted: bool) -> dict[str, Any]:
    """One connection as the room page lists it."""
    return {
        "peer": row.peer_id,
        "user": str(row.user.public_id),
        "name": row.user.name,
        "title": str(row.user.get_title_display()),
        "muted": muted,
    }


def channels_of(session: RoomSession, user: User) -> list[str]:
    return list(
        session.attendance.filter(user=user, left_at__isnull=True).values_list(
            "channel_name", flat=True
        )
    )


@dataclass(frozen=True)
class AttendanceTotal:
    user_id: int
    first_joined: datetime
    last_left: datetime | None
    seconds: int


def _merged_seconds(spans: list[tuple[datetime, datetime]]) -> int:
    """Seconds covered by ``spans`` (two open tabs at once count once)."""
    total = 0.0
    current: tuple[datetime, datetime] | None = None
    for start, end in sorted(spans):
        if current is None or start > current[1]:
            if current is not None:
                total += (current[1] - current[0]).total_seconds()
            current = (start, end)
        else:
            current = (current[0], max(current[1], end))
    if current is not None:
        total += (current[1] - current[0]).total_seconds()
    return int(total)


def _clipped(
    spans: list[tuple[datetime, datetime]], window: tuple[datetime, datetime] | None
) -> list[tuple[datetime, datetime]]:
    if window is None:
        return spans
    low, high = window
    return [(max(s, low), min(e, high)) for s, e in spans if min(e, high) > max(s, low)]


def attendance_totals(
    session: RoomSession,
    now: datetime | None = None,
    *,
    window: tuple[datetime, datetime] | None = None,
) -> dict[int, AttendanceTotal]:
    """Per participant (user pk) of ``session``: first join, last leave (None while still
    in) and the seconds attended. Overlapping connections count once. With ``window``
    (start, end) only the seconds inside it count (a scheduled class session)."""
    now = now or timezone.now()
    spans: dict[int, list[tuple[datetime, datetime]]] = {}
    still_in: set[int] = set()
    last_left: dict[int, datetime] = {}
    for row in session.attendance.order_by("joined_at", "id"):
        end = row.left_at
        if end is None and row.seen_at >= now - STALE_AFTER:
            still_in.add(row.user_id)
            end = now
        elif end is None:
            end = max(row.seen_at, row.joined_at)  # vanished: counts until last seen
        spans.setdefault(row.user_id, []).append((row.joined_at, end))
        last_left[row.user_id] = max(last_left.get(row.user_id, end), end)
    return {
        user_id: AttendanceTotal(
            user_id=user_id,
            first_joined=min(s for s, _ in user_spans),
            last_left=None if user_id in still_in else last_left.get(user_id),
            seconds=_merged_seconds(_clipped(user_spans, window)),
        )
        for user_id, user_spans in spans.items()
    }


def attended_seconds(session: RoomSession, user: User, now: datetime | None = None) -> int:
    total = attendance_totals(session, now).get(user.pk)
    return total.seconds if total else 0


@dataclass(frozen=True)
class AttendanceLine:
    name: str
    minutes: int


def attendance_summary(
    session: RoomSession, totals: dict[int, AttendanceTotal]
) -> list[AttendanceLine]:
    names = dict(User.objects.filter(pk__in=totals).values_list("pk", "name"))
    return [
        AttendanceLine(names.get(t.user_id, ""), round(t.seconds / 60))
        for t in sorted(totals.values(), key=lambda t: t.first_joined)
    ]


def attendance_rows(session: RoomSession) -> QuerySet[Attendance]:
    return session.attendance.select_related("user").order_by("joined_at", "id")


@dataclass(frozen=True)
class RoomSchedule:
    room: Room
    sessions: list[BusinessRequest]


def rooms_of_admin(user: User, *, days: int = 14) -> list[RoomSchedule]:
    """The rooms ``user`` administers, each with its booked sessions from today on (two
    queries whatever the number of rooms)."""
    if not user.is_authenticated or not user.can_use_business:
        return []
    rooms = list(rooms_administered_by(user).select_related("hospital"))
    if not rooms:
        return []
    today = timezone.localdate()
    sessions = (
        BusinessRequest.objects.filter(
            room__in=rooms,
            status__in=SCHEDULED_STATUSES,
            scheduled_start__gte=start_of(today),
            scheduled_start__lt=start_of(today + timedelta(days=days)),
        )
        .select_related("applicant_hospital", "team")
        .order_by("scheduled_start", "id")
    )
    by_room: dict[int, list[BusinessRequest]] = {}
    for s in sessions:
        by_room.setdefault(s.room_id, []).append(s)  # type: ignore[arg-type]
    return [RoomSchedule(r, by_room.get(r.pk, [])) for r in rooms]
