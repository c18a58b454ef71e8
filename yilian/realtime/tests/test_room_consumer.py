"""``/ws/rooms/<uuid>/`` through the real ASGI stack (session cookie, origin check, auth)
with channels' WebsocketCommunicator: who gets in, delivery after a reconnect, duplicates,
signalling, moderation and attendance."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from django.utils import timezone

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.accounts.services import grant_role
from yilian.asgi import application
from yilian.realtime import selectors, services
from yilian.realtime.models import Attendance, ChatMessage, RoomSession
from yilian.workflow.services import transition

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ORIGIN = (b"origin", b"http://127.0.0.1")
TIMEOUT = 5


def _cookie(user: User) -> bytes:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


def _socket(
    session: RoomSession, user: User | None, *extra: tuple[bytes, bytes]
) -> WebsocketCommunicator:
    headers = [ORIGIN, *extra]
    if user is not None:
        headers.append((b"cookie", _cookie(user)))
    return WebsocketCommunicator(application, f"/ws/rooms/{session.public_id}/", headers=headers)


async def _until(ws: WebsocketCommunicator, kind: str) -> dict[str, Any]:
    while True:
        message = await ws.receive_json_from(timeout=TIMEOUT)
        if message["type"] == kind:
            return message


async def _presence(ws: WebsocketCommunicator, matches: Any) -> dict[str, Any]:
    """The next presence message ``matches`` accepts (with a Redis channel layer a socket
    may also hear of its own arrival, in any order with the others')."""
    while True:
        message = await _until(ws, "presence")
        if matches(message):
            return message


def _joined(message: dict[str, Any]) -> str | None:
    return (message.get("joined") or {}).get("peer")


async def _enter(ws: WebsocketCommunicator) -> dict[str, Any]:
    connected, code = await ws.connect(timeout=TIMEOUT)
    assert connected, code
    return await _until(ws, "welcome")


async def _drain(ws: WebsocketCommunicator) -> list[dict[str, Any]]:
    """Everything queued on the socket until it stays quiet for a moment."""
    got = []
    while not await ws.receive_nothing(timeout=0.3):
        got.append(await ws.receive_json_from(timeout=TIMEOUT))
    return got


def _connect_once(ws: WebsocketCommunicator) -> tuple[bool, int | None]:
    """What connecting answers (accepted, close code); the socket is closed again."""

    async def body() -> tuple[bool, int | None]:
        result = await ws.connect(timeout=TIMEOUT)
        await ws.disconnect()
        return result

    return async_to_sync(body)()


def _chat(body: str, client_id: str | None = None) -> dict[str, Any]:
    return {"type": "chat", "id": client_id or str(uuid.uuid4()), "body": body}


def test_anonymous_visitor_is_refused_with_4401(session):
    ws = _socket(session, None)

    assert _connect_once(ws) == (False, 4401)


@pytest.mark.parametrize("who", ["staff_b", "hospital_admin_b", "patient"])
def test_outsider_is_refused_on_connect_and_leaves_no_trace(request, session, who):
    ws = _socket(session, request.getfixturevalue(who))

    assert _connect_once(ws) == (False, 4404)
    assert not Attendance.objects.filter(session=session).exists()


def test_an_auditors_account_does_not_enter_even_as_a_participant(session, staff_a):
    assert selectors.may_enter(staff_a, session)
    grant_role(staff_a, Role.AUDITOR)
    auditor = User.objects.get(pk=staff_a.pk)
    ws = _socket(session, auditor)

    assert _connect_once(ws) == (False, 4404)
    assert not Attendance.objects.filter(session=session).exists()


def test_unknown_room_is_refused_like_a_forbidden_one(staff_a, session):
    ws = WebsocketCommunicator(
        application, f"/ws/rooms/{uuid.uuid4()}/", headers=[ORIGIN, (b"cookie", _cookie(staff_a))]
    )

    assert _connect_once(ws) == (False, 4404)


def test_participants_enter_and_see_each_other(session, staff_a, expert):
    applicant, doctor = _socket(session, staff_a), _socket(session, expert)

    async def body():
        first = await _enter(applicant)
        second = await _enter(doctor)
        update = await _presence(applicant, lambda m: _joined(m) == second["peer"])
        await applicant.disconnect()
        after_leave = await _presence(doctor, lambda m: first["peer"] in m.get("left", []))
        await doctor.disconnect()
        return first, second, update, after_leave

    first, second, update, after_leave = async_to_sync(body)()

    assert [p["name"] for p in first["peers"]] == [staff_a.name]
    assert [p["user"] for p in second["peers"]] == [str(staff_a.public_id), str(expert.public_id)]
    assert second["admin"] is True  # the team lead hosts the session
    assert first["admin"] is False
    # Those already in the room are told only what changed, not the whole list again.
    assert "peers" not in update
    assert update["joined"] == {
        "peer": second["peer"],
        "user": str(expert.public_id),
        "name": expert.name,
        "title": str(expert.get_title_display()),
        "muted": False,
    }
    assert update["left"] == []
    assert after_leave == {"type": "presence", "left": [first["peer"]]}
    rows = Attendance.objects.filter(session=session).order_by("joined_at")
    assert [(r.user, r.left_at is not None) for r in rows] == [(staff_a, True), (expert, True)]


def test_a_join_tells_the_room_which_silent_connections_are_gone(session, staff_a, expert):
    """A connection that vanished without a disconnect is closed at the next join and the
    room is told it left."""
    applicant, doctor = _socket(session, staff_a), _socket(session, expert)

    async def body():
        first = await _enter(applicant)
        await database_sync_to_async(Attendance.objects.filter(peer_id=first["peer"]).update)(
            joined_at=timezone.now() - timedelta(minutes=6),
            seen_at=timezone.now() - timedelta(minutes=5),
        )
        second = await _enter(doctor)
        update = await _presence(applicant, lambda m: _joined(m) == second["peer"])
        await applicant.disconnect()
        await doctor.disconnect()
        return first, update

    first, update = async_to_sync(body)()

    assert update["left"] == [first["peer"]]
    assert update["joined"]["user"] == str(expert.public_id)
    gone = Attendance.objects.get(peer_id=first["peer"])
    assert gone.left_at == gone.seen_at


def test_message_sent_while_receiver_is_away_arrives_exactly_once_after_reconnect(
    session, staff_a, expert
):
    sender, receiver = _socket(session, staff_a), _socket(session, expert)
    back = _socket(session, expert)

    async def body():
        await _enter(sender)
        await _enter(receiver)
        await sender.send_json_to(_chat("第一条"))
        await _until(sender, "ack")
        seen = (await _until(receiver, "message"))["message"]
        await receiver.disconnect()

        await sender.send_json_to(_chat("对方离线时发送"))
        ack = await _until(sender, "ack")

        welcome = await _enter(back)
        await back.send_json_to({"type": "sync", "after": seen["seq"]})
        replay = await _until(back, "messages")
        rest = await _drain(back)
        await back.disconnect()
        await sender.disconnect()
        return seen, ack, welcome, replay, rest

    seen, ack, welcome, replay, rest = async_to_sync(body)()

    assert seen["seq"] == 1
    assert ack["seq"] == 2
    assert welcome["last_seq"] == 2
    assert [(m["seq"], m["body"]) for m in replay["items"]] == [(2, "对方离线时发送")]
    assert [m for m in rest if m["type"] in ("message", "messages")] == []
    assert ChatMessage.objects.filter(session=session).count() == 2


def test_resent_message_is_stored_and_broadcast_once(session, staff_a, expert):
    client_id = str(uuid.uuid4())

    sender, receiver = _socket(session, staff_a), _socket(session, expert)
    again = _socket(session, staff_a)

    async def body():
        await _enter(sender)
        await _enter(receiver)
        await sender.send_json_to(_chat("血压 150/95", client_id))
        first_ack = await _until(sender, "ack")
        await sender.disconnect()
        # The page did not see the ack (network drop): it re-sends after reconnecting.
        await _enter(again)
        await again.send_json_to(_chat("血压 150/95", client_id))
        await again.send_json_to(_chat("血压 150/95", client_id))
        acks = [await _until(again, "ack"), await _until(again, "ack")]
        received = [m for m in await _drain(receiver) if m["type"] == "message"]
        await again.disconnect()
        await receiver.disconnect()
        return first_ack, acks, received

    first_ack, acks, received = async_to_sync(body)()

    assert first_ack == {"type": "ack", "id": client_id, "seq": 1}
    assert acks == [first_ack, first_ack]
    assert [m["message"]["id"] for m in received] == [client_id]
    assert ChatMessage.objects.filter(session=session, client_id=client_id).count() == 1


def test_empty_or_badly_identified_message_is_refused(session, staff_a, english):
    ws = _socket(session, staff_a)

    async def body():
        await _enter(ws)
        await ws.send_json_to(_chat("   "))
        empty = await _until(ws, "error")
        await ws.send_json_to({"type": "chat", "id": "not-a-uuid", "body": "hi"})
        bad_id = await _until(ws, "error")
        await ws.disconnect()
        return empty, bad_id

    empty, bad_id = async_to_sync(body)()

    assert empty["message"] == "Write a message first."
    assert bad_id["message"] == "The message has no valid id."
    assert not ChatMessage.objects.exists()


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, "请先输入消息。"),  # the site's default language
        ((b"accept-language", b"en-US,en;q=0.8"), "Write a message first."),
        ((b"accept-language", b"fr, en;q=0.5"), "Write a message first."),
    ],
)
def test_a_room_socket_answers_in_the_language_the_browser_asks_for(
    session, staff_a, header, expected
):
    ws = _socket(session, staff_a, *([header] if header else []))

    async def body():
        await _enter(ws)
        await ws.send_json_to(_chat("   "))
        error = await _until(ws, "error")
        await ws.disconnect()
        return error

    assert async_to_sync(body)()["message"] == expected


def test_signal_reaches_only_the_peer_it_is_addressed_to(
    session, staff_a, expert, hospital_admin_a
):
    a, b, c = (
        _socket(session, staff_a),
        _socket(session, expert),
        _socket(session, hospital_admin_a),
    )

    async def body():
        wa = await _enter(a)
        wb = await _enter(b)
        await _enter(c)
        await a.send_json_to({"type": "signal", "to": wb["peer"], "data": {"sdp": "offer"}})
        got = await _until(b, "signal")
        c_signals = [m for m in await _drain(c) if m["type"] == "signal"]
        for ws in (a, b, c):
            await ws.disconnect()
        return wa, got, c_signals

    wa, got, c_signals = async_to_sync(body)()

    assert got == {"type": "signal", "from": wa["peer"], "data": {"sdp": "offer"}}
    assert c_signals == []


def test_participant_cannot_moderate_and_nothing_changes(session, staff_a, expert):
    ws = _socket(session, staff_a)

    async def body():
        await _enter(ws)
        await ws.send_json_to({"type": "admin", "action": "lock"})
        await ws.send_json_to({"type": "admin", "action": "mute", "user": str(expert.public_id)})
        errors = [await _until(ws, "error"), await _until(ws, "error")]
        await ws.disconnect()
        return errors

    errors = async_to_sync(body)()

    assert len(errors) == 2
    session.refresh_from_db()
    assert session.locked is False
    assert not session.muted.exists()
    assert not ChatMessage.objects.exists()


def test_host_mutes_then_removes_a_participant(session, staff_a, expert, english):
    host, guest = _socket(session, expert), _socket(session, staff_a)
    again = _socket(session, staff_a)

    async def body():
        await _enter(host)
        await _enter(guest)
        target = str(staff_a.public_id)
        await host.send_json_to({"type": "admin", "action": "mute", "user": target})
        await _presence(guest, lambda m: any(p["muted"] for p in m.get("peers", [])))
        await guest.send_json_to(_chat("我还能说话吗"))
        refused = await _until(guest, "error")
        await host.send_json_to({"type": "admin", "action": "remove", "user": target})
        closed = await guest.receive_output(timeout=TIMEOUT)
        while closed["type"] != "websocket.close":
            closed = await guest.receive_output(timeout=TIMEOUT)
        retry = await again.connect(timeout=TIMEOUT)
        await host.disconnect()
        return refused, closed, retry

    refused, closed, retry = async_to_sync(body)()

    assert refused["message"] == "You have been muted in this room."
    assert closed["code"] == 4403
    assert retry == (False, 4404)
    notices = list(ChatMessage.objects.filter(session=session).values_list("kind", "body"))
    assert notices == [
        ("system", f"{staff_a.name} was muted."),
        ("system", f"{staff_a.name} was removed."),
    ]


def test_locked_room_keeps_newcomers_out_but_lets_earlier_participants_back(
    session, staff_a, expert, hospital_admin_a
):
    host, guest = _socket(session, expert), _socket(session, staff_a)
    newcomer, back = _socket(session, hospital_admin_a), _socket(session, staff_a)

    async def body():
        await _enter(host)
        await _enter(guest)
        await guest.disconnect()
        await host.send_json_to({"type": "admin", "action": "lock"})
        await _until(host, "room")
        refused = await newcomer.connect(timeout=TIMEOUT)
        readmitted = await back.connect(timeout=TIMEOUT)
        await back.disconnect()
        await host.disconnect()
        return refused, readmitted

    refused, readmitted = async_to_sync(body)()

    assert refused == (False, 4404)
    assert readmitted[0] is True


def test_ending_the_session_closes_every_socket_and_every_attendance_row(session, staff_a, expert):
    host, guest = _socket(session, expert), _socket(session, staff_a)

    async def body():
        await _enter(host)
        await _enter(guest)
        await host.send_json_to({"type": "admin", "action": "end"})
        codes = []
        for ws in (guest, host):
            out = await ws.receive_output(timeout=TIMEOUT)
            while out["type"] != "websocket.close":
                out = await ws.receive_output(timeout=TIMEOUT)
            codes.append(out["code"])
        return codes

    codes = async_to_sync(body)()

    assert codes == [4403, 4403]
    session.refresh_from_db()
    assert session.ended_at is not None
    assert not Attendance.objects.filter(session=session, left_at__isnull=True).exists()
    assert Attendance.objects.filter(session=session).count() == 2


def test_reconnecting_client_gets_every_missed_message_once_in_batches(
    monkeypatch, session, staff_a, expert
):
    monkeypatch.setattr(selectors, "MISSED_BATCH", 2)
    for n in range(5):
        services.post_message(session, sender=expert, client_id=uuid.uuid4(), body=f"第{n}条")
    ws = _socket(session, staff_a)

    async def body():
        await _enter(ws)
        got, after, more = [], 0, True
        while more:  # what room.js does: ask again after the last one while there is more
            await ws.send_json_to({"type": "sync", "after": after})
            batch = await _until(ws, "messages")
            got += [m["seq"] for m in batch["items"]]
            after, more = (got[-1] if got else after), batch["more"]
        await ws.disconnect()
        return got

    assert async_to_sync(body)() == [1, 2, 3, 4, 5]


def test_cancelling_the_request_closes_open_room_sockets(session, staff_a, manager, loop):
    ws = _socket(session, staff_a)

    async def body():
        await _enter(ws)
        from channels.db import database_sync_to_async

        await database_sync_to_async(transition)(
            session.request, "cancel", actor=manager, **loop.data_for("cancel")
        )
        closed = await ws.receive_output(timeout=TIMEOUT)
        while closed["type"] != "websocket.close":
            closed = await ws.receive_output(timeout=TIMEOUT)
        return closed

    assert async_to_sync(body)()["code"] == 4403


def test_ping_after_losing_access_closes_the_socket(session, staff_a):
    ws = _socket(session, staff_a)

    async def body():
        await _enter(ws)
        from channels.db import database_sync_to_async

        # Removed without a kick reaching the socket (e.g. a lost push).
        await database_sync_to_async(session.removed.add)(staff_a)
        await ws.send_json_to({"type": "ping"})
        closed = await ws.receive_output(timeout=TIMEOUT)
        while closed["type"] != "websocket.close":
            closed = await ws.receive_output(timeout=TIMEOUT)
        return closed

    assert async_to_sync(body)()["code"] == 4403


def test_someone_joining_after_recording_started_is_told(session, staff_a, expert):
    services.join(session, expert, channel_name="host")
    services.request_recording(session, actor=expert)
    assert services.answer_recording(session, user=expert, agreed=True)
    ws = _socket(session, staff_a)

    async def body():
        welcome = await _enter(ws)
        await ws.disconnect()
        return welcome

    welcome = async_to_sync(body)()
    assert welcome["recording"] is True
