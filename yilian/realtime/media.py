"""Media plumbing: TURN credentials (coturn ``use-auth-secret``) and the Janus VideoRoom
API called from the server (HTTP transport). Rooms are made with the plugin's
``admin_key``, guarded by a per-room secret, and joined only with a per-participant token
(the room's ``allowed`` list)."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import secrets
import time
import urllib.request
from typing import Any

from django.conf import settings

from yilian.accounts.models import User

from .models import RoomSession


def turn_credentials(user_ref: str, *, now: float | None = None) -> tuple[str, str]:
    """coturn's REST-API scheme: username ``"<expiry unix time>:<user>"``, password
    ``base64(HMAC-SHA1(secret, username))``."""
    expiry = int(now if now is not None else time.time()) + settings.YILIAN_TURN_TTL
    username = f"{expiry}:{user_ref}"
    digest = hmac.new(
        settings.YILIAN_TURN_SECRET.encode(), username.encode(), hashlib.sha1
    ).digest()
    return username, base64.b64encode(digest).decode()


def ice_servers(user: User) -> list[dict[str, Any]]:
    """The ICE server list for one browser: STUN as configured, TURN with a fresh
    short-lived credential (no TURN without a shared secret)."""
    servers: list[dict[str, Any]] = []
    if settings.YILIAN_STUN_URLS:
        servers.append({"urls": list(settings.YILIAN_STUN_URLS)})
    if settings.YILIAN_TURN_URLS and settings.YILIAN_TURN_SECRET:
        username, credential = turn_credentials(str(user.public_id))
        servers.append(
            {
                "urls": list(settings.YILIAN_TURN_URLS),
                "username": username,
                "credential": credential,
            }
        )
    return servers


# --- Janus ------------------------------------------------------------------------------


class JanusError(RuntimeError):
    pass


def _derived(purpose: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), purpose.encode(), hashlib.sha256).hexdigest()[:32]


def room_secret(session: RoomSession) -> str:
    return _derived(f"janus-room:{session.public_id}")


def participant_token(session: RoomSession, user: User) -> str:
    return _derived(f"janus-token:{session.public_id}:{user.public_id}")


class JanusClient:
    """One Janus API session with one VideoRoom handle, for a few synchronous requests."""

    def __init__(self, url: str | None = None, timeout: float = 5) -> None:
        self.url = (url or settings.YILIAN_JANUS_URL).rstrip("/")
        if not self.url.startswith(("http://", "https://")):
            raise JanusError("the Janus URL must be http(s)")
        self.timeout = timeout
        self.session_id: int | None = None
        self.handle_id: int | None = None

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        body = {**body, "transaction": secrets.token_hex(8)}
        req = urllib.request.Request(  # noqa: S310  (an http(s) URL, checked in __init__)
            self.url + path,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:  # noqa: S310
                answer: dict[str, Any] = json.loads(resp.read())
        except OSError as exc:
            raise JanusError(f"Janus is not reachable: {exc}") from exc
        if answer.get("janus") == "error":
            raise JanusError(str(answer.get("error")))
        return answer

    def __enter__(self) -> JanusClient:
        self.session_id = self._post("", {"janus": "create"})["data"]["id"]
        self.handle_id = self._post(
            f"/{self.session_id}", {"janus": "attach", "plugin": "janus.plugin.videoroom"}
        )["data"]["id"]
        return self

    def __exit__(self, *exc: object) -> None:
        if self.session_id is not None:
            with contextlib.suppress(JanusError):
                self._post(f"/{self.session_id}", {"janus": "destroy"})

    def videoroom(self, request: str, **fields: Any) -> dict[str, Any]:
        answer = self._post(
            f"/{self.session_id}/{self.handle_id}",
            {"janus": "message", "body": {"request": request, **fields}},
        )
        data: dict[str, Any] = answer.get("plugindata", {}).get("data", {})
        if data.get("error_code"):
            raise JanusError(f"{data['error_code']}: {data.get('error')}")
        return data


def janus_ping(url: str, timeout: float) -> None:
    """Janus answers its ``info`` request (the health probe: yilian.core.health)."""
    if not url.startswith(("http://", "https://")):
        raise JanusError("the Janus URL must be http(s)")
    req = urllib.request.Request(url.rstrip("/") + "/info")  # noqa: S310  (http(s), checked)
    with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310
        answer = json.loads(resp.read())
    if answer.get("janus") != "server_info":
        raise JanusError("not a Janus info answer")


def ensure_janus_room(session: RoomSession, users: list[User], capacity: int) -> None:
    """Create the session's VideoRoom if Janus has none, and allow ``users``' tokens."""
    room = session.janus_room
    tokens = [participant_token(session, u) for u in users]
    with JanusClient() as janus:
        if not janus.videoroom("exists", room=room).get("exists"):
            fields: dict[str, Any] = {
                "room": room,
                "description": f"session {session.public_id}",
                "secret": room_secret(session),
                "publishers": max(capacity, 2),
                "allowed": tokens,
                "is_private": True,
                "permanent": False,
            }
            if settings.YILIAN_JANUS_ADMIN_KEY:
                fields["admin_key"] = settings.YILIAN_JANUS_ADMIN_KEY
            if settings.YILIAN_JANUS_RECORD_DIR:
                fields["rec_dir"] = settings.YILIAN_JANUS_RECORD_DIR
            janus.videoroom("create", **fields)
        elif tokens:
            janus.videoroom(
                "allowed", room=room, secret=room_secret(session), action="add", allowed=tokens
            )


def revoke_janus_token(session: RoomSession, user: User) -> None:
    with JanusClient() as janus:
        janus.videoroom(
            "allowed",
            room=session.janus_room,
            secret=room_secret(session),
            action="remove",
            allowed=[participant_token(session, user)],
        )


def set_janus_recording(session: RoomSession, on: bool) -> None:
    with JanusClient() as janus:
        janus.videoroom(
            "enable_recording", room=session.janus_room, secret=room_secret(session), record=on
        )


def destroy_janus_room(session: RoomSession) -> None:
    with JanusClient() as janus:
        if janus.videoroom("exists", room=session.janus_room).get("exists"):
            janus.videoroom("destroy", room=session.janus_room, secret=room_secret(session))
