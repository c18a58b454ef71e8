"""The per-user event stream ``/ws/me/`` through the real ASGI application (session cookie,
origin check, auth middleware) with channels' WebsocketCommunicator.

pytest-asyncio is not a dependency: each test is sync and runs its async body with
``async_to_sync``; the ORM is used outside the async body or through ``sync_to_async``."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client

from yilian.accounts import services as account_services
from yilian.accounts.models import User
from yilian.asgi import application
from yilian.realtime.services import push_to_user

# Real commits: the pushes are registered with on_commit. serialized_rollback restores the
# migrated data (divisions, content types) for whichever transactional test comes next.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

ORIGIN = (b"origin", b"http://127.0.0.1")
TIMEOUT = 5


def _session_cookie(user: User) -> bytes:
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


def _communicator(user: User | None) -> WebsocketCommunicator:
    headers = [ORIGIN]
    if user is not None:
        headers.append((b"cookie", _session_cookie(user)))
    return WebsocketCommunicator(application, "/ws/me/", headers=headers)


async def _receive_until(communicator: WebsocketCommunicator, event: str) -> dict[str, Any]:
    while True:
        message = await communicator.receive_json_from(timeout=TIMEOUT)
        if message["type"] == event:
            return message


def test_anonymous_visitor_is_refused_with_4401():
    async def body() -> tuple[bool, Any]:
        communicator = _communicator(None)
        result = await communicator.connect(timeout=TIMEOUT)
        await communicator.disconnect()
        return result

    connected, code = async_to_sync(body)()

    assert connected is False
    assert code == 4401


def test_foreign_origin_is_refused(staff_a):
    cookie = _session_cookie(staff_a)

    async def body() -> bool:
        communicator = WebsocketCommunicator(
            application,
            "/ws/me/",
            headers=[(b"origin", b"https://evil.example"), (b"cookie", cookie)],
        )
        connected, _ = await communicator.connect(timeout=TIMEOUT)
        await communicator.disconnect()
        return connected

    assert async_to_sync(body)() is False


def test_member_connects_and_receives_a_push_as_json(staff_a):
    communicator = _communicator(staff_a)
    public_id = staff_a.public_id

    async def body() -> tuple[bool, dict[str, Any], dict[str, Any]]:
        connected, _ = await communicator.connect(timeout=TIMEOUT)
        await sync_to_async(push_to_user)(
            public_id, "notification", {"title": "新会诊申请", "url": "/services/", "unread": 3}
        )
        pushed = await communicator.receive_json_from(timeout=TIMEOUT)
        await communicator.send_json_to({"type": "ping"})
        pong = await communicator.receive_json_from(timeout=TIMEOUT)
        await communicator.disconnect()
        return connected, pushed, pong

    connected, pushed, pong = async_to_sync(body)()

    assert connected is True
    assert pushed == {
        "type": "notification",
        "title": "新会诊申请",
        "url": "/services/",
        "unread": 3,
    }
    assert pong == {"type": "pong"}


def test_user_does_not_receive_another_users_events(staff_a, staff_b):
    alice, bob = _communicator(staff_a), _communicator(staff_b)
    alice_id, bob_id = staff_a.public_id, staff_b.public_id

    async def body() -> tuple[dict[str, Any], bool, dict[str, Any], bool]:
        assert (await alice.connect(timeout=TIMEOUT))[0]
        assert (await bob.connect(timeout=TIMEOUT))[0]
        await sync_to_async(push_to_user)(alice_id, "notification", {"title": "给甲"})
        alice_got = await alice.receive_json_from(timeout=TIMEOUT)
        bob_quiet = await bob.receive_nothing(timeout=0.5)
        await sync_to_async(push_to_user)(bob_id, "notification", {"title": "给乙"})
        bob_got = await bob.receive_json_from(timeout=TIMEOUT)
        alice_quiet = await alice.receive_nothing(timeout=0.5)
        await alice.disconnect()
        await bob.disconnect()
        return alice_got, bob_quiet, bob_got, alice_quiet

    alice_got, bob_quiet, bob_got, alice_quiet = async_to_sync(body)()

    assert alice_got == {"type": "notification", "title": "给甲"}
    assert bob_got == {"type": "notification", "title": "给乙"}
    assert bob_quiet is True
    assert alice_quiet is True


def test_pending_user_learns_of_the_approval_live(pending_staff_a, hospital_admin_a):
    communicator = _communicator(pending_staff_a)

    async def body() -> tuple[dict[str, Any], dict[str, Any]]:
        assert (await communicator.connect(timeout=TIMEOUT))[0]
        await sync_to_async(account_services.approve_registration)(
            pending_staff_a, actor=hospital_admin_a
        )
        reviewed = await _receive_until(communicator, "account.reviewed")
        await communicator.disconnect()
        return reviewed

    reviewed = async_to_sync(body)()

    assert reviewed == {"type": "account.reviewed", "status": User.Status.ACTIVE}


def test_new_notification_arrives_with_the_unread_count(staff_a):
    from yilian.notify.services import notify

    communicator = _communicator(staff_a)

    async def body() -> dict[str, Any]:
        assert (await communicator.connect(timeout=TIMEOUT))[0]
        await sync_to_async(notify)([staff_a], verb="test", title="请查看", url="/services/")
        message = await _receive_until(communicator, "notification")
        await communicator.disconnect()
        return message

    message = async_to_sync(body)()

    # staff_a already holds the unread notice of their own approval
    assert message == {"type": "notification", "title": "请查看", "url": "/services/", "unread": 2}
