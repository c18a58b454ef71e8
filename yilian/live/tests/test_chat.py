"""The event's Q&A is realtime's chat (``/ws/rooms/<uuid>/``) under the event's rules: its
audience takes part, its organisers moderate, patients never get in, it closes when the
event ends."""

from __future__ import annotations

import uuid

import pytest
from asgiref.sync import async_to_sync
from django.urls import reverse

from yilian.realtime import selectors
from yilian.realtime.models import ChatMessage
from yilian.realtime.services import moderate
from yilian.realtime.tests.test_room_consumer import _enter, _socket, _until

from .conftest import callback, go_live

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_the_audience_asks_and_organisers_moderate(surgery, manager, staff_a, patient, expert):
    session = surgery.chat
    assert selectors.may_enter(staff_a, session)
    assert selectors.is_room_admin(manager, session) and not selectors.is_room_admin(
        staff_a, session
    )
    assert not selectors.may_enter(patient, session)

    ws = _socket(session, staff_a)
    refused = _socket(session, patient)

    async def run() -> None:
        welcome = await _enter(ws)
        assert welcome["admin"] is False
        message_id = str(uuid.uuid4())
        await ws.send_json_to({"type": "chat", "id": message_id, "body": "出血如何控制？"})
        ack = await _until(ws, "ack")
        assert ack["id"] == message_id
        await ws.disconnect()

        connected, code = await refused.connect(timeout=5)
        assert not connected and code == 4404

    async_to_sync(run)()
    assert ChatMessage.objects.filter(session=session, body="出血如何控制？").exists()
    moderate(session, "mute", actor=manager, target=staff_a)
    assert session.muted.filter(pk=staff_a.pk).exists()


def test_the_chat_closes_when_the_event_ends(client, consented_surgery, staff_a, login):
    event = go_live(consented_surgery)
    assert selectors.may_enter(staff_a, event.chat)
    page = login(staff_a).get(reverse("live:event", args=[event.public_id])).content.decode()
    assert f"/ws/rooms/{event.chat.public_id}/" in page
    callback(client, "publish_done", event.stream_key)
    event.refresh_from_db()
    assert not selectors.may_enter(staff_a, event.chat)
    assert selectors.may_read_history(staff_a, event.chat)
