"""Websocket consumers: the per-user event stream and one cloud room's socket.

Both are thin: they authenticate, authorise through the selectors and call services."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _

from yilian.core.locale import scope_language

from . import media, selectors, services
from .models import RoomSession
from .services import room_group, user_group


class UserStreamConsumer(AsyncJsonWebsocketConsumer):
    """``/ws/me/`` — joins the user's own group; carries nothing the user may not see."""

    group: str | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=4401)
            return
        self.group = user_group(user.public_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def user_event(self, message: dict[str, Any]) -> None:
        await self.send_json({"type": message["event"], **message["payload"]})


def _error(text: Any) -> dict[str, Any]:
    return {"type": "error", "message": str(text)}


class RoomConsumer(AsyncJsonWebsocketConsumer):
    """``/ws/rooms/<uuid>/`` — chat, presence and WebRTC signalling of one room session.

    Client → server: ``sync`` (last seen sequence: the server replays what was missed),
    ``chat`` (client UUID + text; answered by ``ack`` with the sequence number),
    ``signal`` (to one peer), ``admin`` (moderation), ``record`` / ``consent``, ``ping``.
    Server → client: ``welcome``, ``messages``, ``message``, ``ack``, ``presence``,
    ``signal``, ``room``, ``consent``, ``error``, ``pong``. ``presence`` carries either the
    whole list (``peers``, after moderation) or what changed (``joined``: one entry,
    ``left``: peer ids); the socket closes with 4401
    (not signed in), 4404 (not a participant / no such room) or 4403 (removed, ended)."""

    session: RoomSession | None = None
    peer_id: str | None = None
    group: str | None = None
    language: str = ""

    async def websocket_connect(self, message: dict[str, Any]) -> None:
        self.language = scope_language(self.scope)
        with translation.override(self.language):
            await super().websocket_connect(message)

    async def websocket_receive(self, message: dict[str, Any]) -> None:
        # Errors and notices answer in the connection's language, like the page's.
        with translation.override(self.language or None):
            await super().websocket_receive(message)

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        session_id = self.scope["url_route"]["kwargs"]["session_id"]
        try:
            self.session = await database_sync_to_async(selectors.get_session_to_enter)(
                user, session_id
            )
        except Http404:
            await self.close(code=4404)
            return
        try:
            # Access is checked again here, before the socket joins the group.
            attendance = await database_sync_to_async(services.join)(
                self.session, user, channel_name=self.channel_name
            )
        except PermissionDenied:
            await self.close(code=4404)
            return
        self.peer_id = attendance.peer_id
        self.group = room_group(self.session)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json(await database_sync_to_async(self._welcome)(user))

    def _welcome(self, user: Any) -> dict[str, Any]:
        from django.conf import settings

        assert self.session is not None
        return {
            "type": "welcome",
            "peer": self.peer_id,
            "user": str(user.public_id),
            "admin": selectors.is_room_admin(user, self.session),
            "backend": settings.YILIAN_VIDEO_BACKEND,
            "ice_servers": media.ice_servers(user),
            "peers": selectors.presence(self.session),
            "last_seq": self.session.last_seq,
            # Someone who comes in after recording started is told; while consent is
            # being gathered they are asked like everyone present.
            "recording": self.session.recording_started_at is not None,
            "consent_asked": (
                self.session.recording_requested_at is not None
                and self.session.recording_started_at is None
                and not self.session.recording_consents.filter(user=user).exists()
            ),
        }

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)
        if self.peer_id:
            await database_sync_to_async(services.leave)(self.peer_id)
            self.peer_id = None

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict) or self.session is None:
            return
        kind = content.get("type")
        user = self.scope["user"]
        allowed = await database_sync_to_async(self._still_allowed)(user)
        if not allowed:
            await self.close(code=4403)
            return
        if kind == "ping":
            if self.peer_id:
                await database_sync_to_async(services.still_here)(self.peer_id)
            await self.send_json({"type": "pong"})
            return
        handler = {
            "sync": self._replay,
            "chat": self._chat,
            "signal": self._signal,
            "admin": self._admin,
            "record": self._record,
            "consent": self._consent,
        }.get(str(kind))
        if handler is None:
            return
        try:
            await handler(user, content)
        except (PermissionDenied, ValidationError) as exc:
            text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            await self.send_json(
                {**_error(text or _("You may not do that in this room.")), "id": content.get("id")}
            )

    def _still_allowed(self, user: Any) -> bool:
        assert self.session is not None
        self.session.refresh_from_db()
        return selectors.may_enter(user, self.session)

    async def _replay(self, user: Any, content: dict[str, Any]) -> None:
        try:
            after = max(int(content.get("after") or 0), 0)
        except (TypeError, ValueError):
            after = 0
        items, more = await database_sync_to_async(self._missed)(after)
        await self.send_json({"type": "messages", "items": items, "more": more})

    def _missed(self, after: int) -> tuple[list[dict[str, Any]], bool]:
        assert self.session is not None
        rows, more = selectors.messages_after(self.session, after)
        return [selectors.message_json(m) for m in rows], more

    async def _chat(self, user: Any, content: dict[str, Any]) -> None:
        message, _created = await database_sync_to_async(services.post_message)(
            self.session,
            sender=user,
            client_id=content.get("id"),
            body=str(content.get("body", "")),
        )
        await self.send_json({"type": "ack", "id": str(message.client_id), "seq": message.seq})

    async def _signal(self, user: Any, content: dict[str, Any]) -> None:
        to = content.get("to")
        if not isinstance(to, str) or not self.group:
            return
        await self.channel_layer.group_send(
            self.group,
            {"type": "room.signal", "to": to, "from": self.peer_id, "data": content.get("data")},
        )

    async def _admin(self, user: Any, content: dict[str, Any]) -> None:
        await database_sync_to_async(self._moderate)(
            user, str(content.get("action")), content.get("user")
        )

    def _moderate(self, user: Any, action: str, target_id: Any) -> None:
        from yilian.accounts.models import User

        assert self.session is not None
        target = None
        if target_id:
            try:
                target = User.objects.get(public_id=target_id)
            except (User.DoesNotExist, ValueError, ValidationError) as exc:
                raise ValidationError(_("Choose a participant.")) from exc
        services.moderate(self.session, action, actor=user, target=target)

    async def _record(self, user: Any, content: dict[str, Any]) -> None:
        await database_sync_to_async(services.request_recording)(self.session, actor=user)

    async def _consent(self, user: Any, content: dict[str, Any]) -> None:
        await database_sync_to_async(services.answer_recording)(
            self.session, user=user, agreed=bool(content.get("agreed"))
        )

    # --- events from the group --------------------------------------------------------

    async def room_event(self, message: dict[str, Any]) -> None:
        await self.send_json(message["payload"])

    async def room_signal(self, message: dict[str, Any]) -> None:
        if message["to"] == self.peer_id:
            await self.send_json(
                {"type": "signal", "from": message["from"], "data": message["data"]}
            )

    async def room_kick(self, message: dict[str, Any]) -> None:
        user = self.scope["user"]
        if message["user"] == "*" or message["user"] == str(user.public_id):
            await self.send_json({"type": "room", "closed": True})
            await self.close(code=4403)
