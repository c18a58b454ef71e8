"""Every realtime write: pushes to a user's pages, room sessions, chat (stored once, then
broadcast), attendance, moderation and recording consent."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yilian.accounts.models import User
from yilian.workflow.models import BusinessRequest

from . import selectors
from .models import Attendance, ChatMessage, RecordingConsent, RoomSession

logger = logging.getLogger(__name__)

MAX_MESSAGE = 4000


def user_group(user_public_id: Any) -> str:
    return f"user.{user_public_id}"


def room_group(session: RoomSession) -> str:
    return f"room.{session.public_id}"


def _send(group: str, message: dict[str, Any]) -> None:
    """Best effort: a page that misses a push reloads the state (chat: by sequence)."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:  # the channel layer being down must not break a write
        logger.warning("push to %s failed", group.split(".")[0], exc_info=True)


def push_to_user(user_public_id: Any, event: str, payload: dict[str, Any]) -> None:
    """Send ``event`` to every open page of one user. Best effort: a page that is not open
    reloads the state over HTTP, so a failed push never fails the business action."""
    _send(user_group(user_public_id), {"type": "user.event", "event": event, "payload": payload})


def broadcast(session: RoomSession, payload: dict[str, Any]) -> None:
    """Send ``payload`` to every open page of the session, once the transaction commits."""
    group = room_group(session)
    transaction.on_commit(lambda: _send(group, {"type": "room.event", "payload": payload}))


def close_rooms_of_request(request_pk: int) -> None:
    """The request left its scheduled statuses: every open socket of its session closes
    (call once the transaction has committed)."""
    for public_id in RoomSession.objects.filter(request_id=request_pk).values_list(
        "public_id", flat=True
    ):
        _send(f"room.{public_id}", {"type": "room.kick", "user": "*"})


# --- sessions --------------------------------------------------------------------------


def _host_of(request: BusinessRequest) -> int | None:
    if request.team_id is not None and request.team.lead_id:  # type: ignore[union-attr]
        return request.team.lead_id  # type: ignore[union-attr]
    first = request.experts.order_by("pk").values_list("pk", flat=True).first()
    return first or request.applicant_id


@transaction.atomic
def open_request_session(request: BusinessRequest, *, actor: User) -> RoomSession:
    """The room session of a scheduled business request, made on first entry."""
    request = BusinessRequest.objects.select_for_update().get(pk=request.pk)
    existing = RoomSession.objects.filter(request=request).first()
    if existing is not None:
        return existing
    if not selectors.request_has_room(request):
        raise PermissionDenied(_("This request has no live session now."))
    session = RoomSession.objects.create(
        request=request, room=request.room, title=request.title, host_id=_host_of(request)
    )
    if not selectors.is_participant(actor, session):
        raise PermissionDenied(_("Only the participants of this session may enter."))
    _tell_room_open(request, session, actor)
    return session


def _tell_room_open(request: BusinessRequest, session: RoomSession, actor: User) -> None:
    """The first one in tells the applicant, the assigned experts and the team lead."""
    from django.urls import reverse

    from yilian.notify.services import notify

    people = {request.applicant_id, *request.experts.values_list("pk", flat=True)}
    if request.team_id is not None and request.team.lead_id:  # type: ignore[union-attr]
        people.add(request.team.lead_id)  # type: ignore[union-attr]
    people.discard(actor.pk)
    recipients = list(User.objects.filter(pk__in=people, is_active=True))
    if not recipients:
        return
    notify(
        recipients,
        verb="realtime.room_open",
        title=_("The cloud room of “%(title)s” is open") % {"title": request.title},
        body=_("%(name)s is in the room.") % {"name": actor.name},
        url=reverse("realtime:enter_request", args=[request.public_id]),
        summary=_("A cloud room you take part in is open."),
    )


@transaction.atomic
def open_room_session(room: Any, *, actor: User, title: str, people: list[User]) -> RoomSession:
    """A session in a standing meeting/teaching room, started by one of its administrators."""
    if not room.is_active or not selectors.administers_room(actor, room.pk):
        raise PermissionDenied(_("Only the room's administrators may start a session here."))
    title = title.strip()
    if not title:
        raise ValidationError({"title": _("Give the session a title.")})
    session = RoomSession.objects.create(room=room, title=title[:200], host=actor)
    session.participants.set([p for p in people if p.pk != actor.pk])
    return session


def open_owned_session(owner: str, *, title: str) -> RoomSession:
    """A session owned by another app (``owners``): its rules decide who takes part."""
    if not owner:
        raise ValueError("an owned session needs its owner's code")
    return RoomSession.objects.create(owner=owner, title=title.strip()[:200])


def open_hosted_session(room: Any, *, host: User, title: str) -> RoomSession:
    """A session in a standing room that another module has scheduled (a CME class
    session): that module decided who hosts it and admits its people (``admit``); the room
    must be in use. The host moderates the session as a room administrator would."""
    if not room.is_active:
        raise ValidationError({"room": _("This room is not in use.")})
    return RoomSession.objects.create(room=room, title=title.strip()[:200], host=host)


def admit(session: RoomSession, *people: User) -> None:
    """Let ``people`` into a standing-room session (idempotent)."""
    session.participants.add(*people)


# --- attendance and presence -----------------------------------------------------------


def join(session: RoomSession, user: User, *, channel_name: str) -> Attendance:
    """Record that ``user`` entered (one row per connection) and tell the room.

    The room is told only what changed (the newcomer, and connections found gone), so a
    join costs one small message per socket however many are present; the newcomer gets
    the whole list in its welcome."""
    with transaction.atomic():
        if not selectors.may_enter(user, session):
            raise PermissionDenied
        vanished = close_vanished(session)
        row = Attendance.objects.create(
            session=session, user=user, peer_id=uuid.uuid4().hex, channel_name=channel_name
        )
        joined = selectors.peer_entry(row, muted=session.muted.filter(pk=user.pk).exists())
        broadcast(session, {"type": "presence", "joined": joined, "left": vanished})
    return row


def still_here(peer_id: str) -> None:
    """A ping from the page: the connection is alive."""
    Attendance.objects.filter(peer_id=peer_id, left_at__isnull=True).update(seen_at=timezone.now())


def close_vanished(session: RoomSession) -> list[str]:
    """Close the rows of connections that went without a disconnect, at their last sign
    of life; their peer ids."""
    stale = session.attendance.filter(
        left_at__isnull=True, seen_at__lt=timezone.now() - selectors.STALE_AFTER
    )
    closed = []
    for row in stale:
        if Attendance.objects.filter(pk=row.pk, left_at__isnull=True).update(
            left_at=max(row.seen_at, row.joined_at)
        ):
            closed.append(row.peer_id)
    return closed


def leave(peer_id: str) -> None:
    """Close the connection's attendance row (a dropped socket too) and tell the room."""
    with transaction.atomic():
        row = Attendance.objects.select_related("session").filter(peer_id=peer_id).first()
        if row is None or row.left_at is not None:
            return
        Attendance.objects.filter(pk=row.pk, left_at__isnull=True).update(left_at=timezone.now())
        broadcast(row.session, {"type": "presence", "left": [row.peer_id]})


# --- chat ------------------------------------------------------------------------------


def post_message(
    session: RoomSession,
    *,
    sender: User,
    client_id: uuid.UUID | str,
    body: str = "",
    kind: str = ChatMessage.Kind.TEXT,
    attachment: Any = None,
) -> tuple[ChatMessage, bool]:
    """Store the message once (the client's UUID is unique in the session), then broadcast
    it. A re-sent message returns the stored one and ``False``; nothing is sent twice."""
    try:
        client_id = uuid.UUID(str(client_id))
    except ValueError as exc:
        raise ValidationError(_("The message has no valid id.")) from exc
    body = (body or "").strip()
    if kind == ChatMessage.Kind.TEXT and not body:
        raise ValidationError(_("Write a message first."))
    if len(body) > MAX_MESSAGE:
        raise ValidationError(_("A message holds at most %(n)d characters.") % {"n": MAX_MESSAGE})
    try:
        with transaction.atomic():
            locked = RoomSession.objects.select_for_update().get(pk=session.pk)
            stored = _stored(locked, sender, client_id)
            if stored is not None:
                return stored, False
            _may_post(locked, sender)
            locked.last_seq += 1
            locked.save(update_fields=["last_seq", "updated_at"])
            message = ChatMessage.objects.create(
                session=locked,
                seq=locked.last_seq,
                client_id=client_id,
                sender=sender,
                kind=kind,
                body=body,
                attachment=attachment,
            )
            broadcast(locked, {"type": "message", "message": selectors.message_json(message)})
            return message, True
    except IntegrityError as exc:
        # Two copies raced on databases without row locks: the first one won. Any other
        # clash (a sequence number, or another sender's id) is refused plainly.
        stored = _stored(session, sender, client_id)
        if stored is None:
            raise ValidationError(_("The message could not be stored; send it again.")) from exc
        return stored, False


def _stored(session: RoomSession, sender: User, client_id: uuid.UUID) -> ChatMessage | None:
    """The message this sender already stored under ``client_id`` (a re-send)."""
    return (
        ChatMessage.objects.select_related("sender", "attachment")
        .filter(session=session, sender=sender, client_id=client_id)
        .first()
    )


def _may_post(session: RoomSession, sender: User) -> None:
    if not selectors.may_enter(sender, session):
        raise PermissionDenied
    if session.muted.filter(pk=sender.pk).exists():
        raise PermissionDenied(_("You have been muted in this room."))


def post_file(
    session: RoomSession, *, sender: User, client_id: str, upload: UploadedFile
) -> tuple[ChatMessage, bool]:
    """An image or document shared in the chat: stored through the files app (its type
    and size rules, its access policy), then posted as a message."""
    from yilian.files.services import store_upload
    from yilian.files.validators import DOCUMENTS

    try:
        key = uuid.UUID(str(client_id))
    except ValueError as exc:
        raise ValidationError(_("The message has no valid id.")) from exc
    with transaction.atomic():
        # Decided under the session's lock, before anything is stored: a muted or removed
        # sender leaves no file behind.
        locked = RoomSession.objects.select_for_update().get(pk=session.pk)
        stored = _stored(locked, sender, key)
        if stored is not None:
            return stored, False
        _may_post(locked, sender)
        asset = store_upload(
            upload, owner=sender, target=locked, purpose="chat", allowed_types=DOCUMENTS
        )
        image = asset.mime_type.startswith("image/")
        kind = ChatMessage.Kind.IMAGE if image else ChatMessage.Kind.FILE
        return post_message(
            locked,
            sender=sender,
            client_id=key,
            body=asset.original_name,
            kind=kind,
            attachment=asset,
        )


# --- moderation ------------------------------------------------------------------------

MODERATION = ("mute", "unmute", "remove", "lock", "unlock", "end")


def _notice(session: RoomSession, actor: User, text: str) -> None:
    post_message(
        session,
        sender=actor,
        client_id=uuid.uuid4(),
        body=text,
        kind=ChatMessage.Kind.SYSTEM,
    )


def moderate(
    session: RoomSession, action: str, *, actor: User, target: User | None = None
) -> RoomSession:
    """A room administrator or the host mutes/unmutes or removes a person, locks or unlocks
    the room, or ends the session. Each action leaves a notice in the chat."""
    if action not in MODERATION:
        raise ValidationError(_("Unknown room action."))
    with transaction.atomic():
        session = RoomSession.objects.select_for_update().get(pk=session.pk)
        if not selectors.is_room_admin(actor, session) or session.is_ended:
            raise PermissionDenied
        if action in ("mute", "unmute", "remove"):
            _moderate_person(session, action, actor=actor, target=target)
        elif action in ("lock", "unlock"):
            session.locked = action == "lock"
            session.save(update_fields=["locked", "updated_at"])
            _notice(
                session,
                actor,
                _("The room is locked.") if session.locked else _("The room is open again."),
            )
        else:
            _notice(session, actor, _("The session has ended."))
            session.ended_at = timezone.now()
            session.save(update_fields=["ended_at", "updated_at"])
            Attendance.objects.filter(session=session, left_at__isnull=True).update(
                left_at=session.ended_at
            )
            group = room_group(session)
            transaction.on_commit(lambda: _send(group, {"type": "room.kick", "user": "*"}))
        if action in ("mute", "unmute", "lock", "unlock"):
            broadcast(session, {"type": "presence", "peers": selectors.presence(session)})
            broadcast(session, {"type": "room", "locked": session.locked})
    if action == "remove" and target is not None:
        _janus_best_effort("revoke", session, target)
    if action == "end":
        _janus_best_effort("destroy", session)
    return session


def _moderate_person(
    session: RoomSession, action: str, *, actor: User, target: User | None
) -> None:
    if target is None or not selectors.is_participant(target, session):
        raise ValidationError(_("Choose a participant."))
    if selectors.is_room_admin(target, session):
        raise ValidationError(_("Room administrators cannot be muted or removed."))
    if action == "mute":
        session.muted.add(target)
        _notice(session, actor, _("%(name)s was muted.") % {"name": target.name})
    elif action == "unmute":
        session.muted.remove(target)
        _notice(session, actor, _("%(name)s may speak again.") % {"name": target.name})
    else:
        session.removed.add(target)
        _notice(session, actor, _("%(name)s was removed.") % {"name": target.name})
        group, who = room_group(session), str(target.public_id)
        transaction.on_commit(lambda: _send(group, {"type": "room.kick", "user": who}))


def _janus_best_effort(what: str, session: RoomSession, user: User | None = None) -> None:
    from django.conf import settings

    from . import media

    if settings.YILIAN_VIDEO_BACKEND != "janus":
        return
    try:
        if what == "revoke" and user is not None:
            media.revoke_janus_token(session, user)
        elif what == "destroy":
            media.destroy_janus_room(session)
        elif what == "record":
            media.set_janus_recording(session, True)
    except media.JanusError:
        logger.warning("Janus %s failed", what, exc_info=True)


# --- recording -------------------------------------------------------------------------


def request_recording(session: RoomSession, *, actor: User) -> None:
    """The host asks everyone present for consent; nothing is recorded until all agree."""
    with transaction.atomic():
        session = RoomSession.objects.select_for_update().get(pk=session.pk)
        if not selectors.is_room_admin(actor, session) or session.is_ended:
            raise PermissionDenied
        if session.recording_started_at is not None:
            return
        session.recording_requested_at = timezone.now()
        session.save(update_fields=["recording_requested_at", "updated_at"])
        session.recording_consents.all().delete()
        RecordingConsent.objects.create(session=session, user=actor, agreed=True)
        broadcast(session, {"type": "consent", "asked_by": actor.name})


def answer_recording(session: RoomSession, *, user: User, agreed: bool) -> bool:
    """Log one participant's answer; start recording once everyone present agreed.
    Returns whether recording is on."""
    with transaction.atomic():
        session = RoomSession.objects.select_for_update().get(pk=session.pk)
        if session.recording_requested_at is None or not selectors.may_enter(user, session):
            raise PermissionDenied
        RecordingConsent.objects.update_or_create(
            session=session, user=user, defaults={"agreed": agreed, "answered_at": timezone.now()}
        )
        if not agreed:
            session.recording_requested_at = None
            session.save(update_fields=["recording_requested_at", "updated_at"])
            _notice(session, user, _("Recording was declined; nothing is recorded."))
            return False
        present = selectors.present_user_ids(session)  # the people the room shows
        agreed_by = set(
            session.recording_consents.filter(agreed=True).values_list("user_id", flat=True)
        )
        if not present <= agreed_by:
            return False
        session.recording_started_at = timezone.now()
        session.save(update_fields=["recording_started_at", "updated_at"])
        _notice(session, user, _("Everyone agreed: recording has started."))
        broadcast(session, {"type": "room", "recording": True})
    _janus_best_effort("record", session)
    return True
