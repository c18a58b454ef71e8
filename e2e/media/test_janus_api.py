"""The server side of Janus rooms against Debian's Janus (deploy/janus): a session's
VideoRoom is made with the plugin's admin_key and a secret, and only the tokens Yilian
allowed may join it."""

from __future__ import annotations

import json
import urllib.request

import pytest

from yilian.realtime import media
from yilian.realtime.services import open_request_session


def _join(url: str, room: int, token: str | None) -> dict:
    with media.JanusClient(url) as janus:
        body = {"room": room, "ptype": "publisher", "display": "test"}
        if token is not None:
            body["token"] = token
        # ``join`` is asynchronous: the answer comes as an event on the handle.
        janus._post(
            f"/{janus.session_id}/{janus.handle_id}",
            {"janus": "message", "body": {"request": "join", **body}},
        )
        poll = f"{url}/{janus.session_id}?maxev=1"
        with urllib.request.urlopen(poll, timeout=10) as resp:  # noqa: S310
            return json.loads(resp.read())["plugindata"]["data"]


def test_room_needs_the_admin_key_and_joins_need_an_allowed_token(
    settings, janus_server, scheduled, staff_a, expert, staff_b
):
    settings.YILIAN_JANUS_URL = janus_server.url
    session = open_request_session(scheduled, actor=staff_a)

    settings.YILIAN_JANUS_ADMIN_KEY = "wrong-key"
    with pytest.raises(media.JanusError):
        media.ensure_janus_room(session, [staff_a], capacity=30)

    settings.YILIAN_JANUS_ADMIN_KEY = janus_server.admin_key
    media.ensure_janus_room(session, [staff_a], capacity=30)
    media.ensure_janus_room(session, [expert], capacity=30)  # exists: adds a token

    room = session.janus_room
    allowed = _join(janus_server.url, room, media.participant_token(session, expert))
    outsider = _join(janus_server.url, room, media.participant_token(session, staff_b))
    anonymous = _join(janus_server.url, room, None)

    assert allowed["videoroom"] == "joined"
    assert outsider.get("error_code") and anonymous.get("error_code")

    media.revoke_janus_token(session, expert)
    revoked = _join(janus_server.url, room, media.participant_token(session, expert))
    assert revoked.get("error_code")


def test_with_janus_up_the_room_page_uses_it_and_says_nothing(
    settings, janus_server, scheduled, staff_a, client
):
    from django.urls import reverse

    from yilian.core import health

    settings.YILIAN_VIDEO_BACKEND = "janus"
    settings.YILIAN_JANUS_URL = settings.YILIAN_JANUS_PUBLIC_URL = janus_server.url
    settings.YILIAN_JANUS_ADMIN_KEY = janus_server.admin_key
    assert health.status("janus").state == health.State.UP
    session = open_request_session(scheduled, actor=staff_a)
    client.force_login(staff_a)
    html = client.get(reverse("realtime:room", args=[session.public_id])).content.decode()
    assert '"backend": "janus"' in html
    assert "data-unavailable" not in html
