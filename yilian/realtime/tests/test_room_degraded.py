"""The room page without its servers: Janus down (its address a closed loopback port) —
video falls back to the direct mesh and the page says so; Redis stopped — live updates are
said to be unavailable; neither leaks the server's address. With both fine, nothing is said."""

from __future__ import annotations

import json
import shutil
import socket

import pytest
from django.urls import reverse

from yilian.core import health
from yilian.core.tests.cache import redis_settings, running_redis

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _room(client, session) -> tuple[str, dict]:
    response = client.get(reverse("realtime:room", args=[session.public_id]))
    assert response.status_code == 200
    html = response.content.decode()
    config = json.loads(html.split('id="room-config" type="application/json">')[1].split("<")[0])
    return html, config


def test_without_janus_the_room_uses_direct_video_and_says_so(
    login, session, staff_a, settings, english
):
    port = closed_port()
    settings.YILIAN_VIDEO_BACKEND = "janus"
    settings.YILIAN_JANUS_URL = settings.YILIAN_JANUS_PUBLIC_URL = f"http://127.0.0.1:{port}/janus"
    html, config = _room(login(staff_a), session)
    assert config["backend"] == "p2p" and config["janus"] is None
    assert 'data-unavailable="video_relay"' in html
    assert "connects directly between participants" in html
    assert str(port) not in html
    assert "data-record>" not in html  # no recording without the video server
    assert "data-chat-form" in html  # the chat is there


def test_with_redis_stopped_the_room_says_live_updates_are_unavailable(
    login, session, staff_a, settings, tmp_path
):
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is needed")
    with running_redis(tmp_path) as url:
        settings.CACHES, settings.CHANNEL_LAYERS = redis_settings(url)
        html, _config = _room(login(staff_a), session)
        assert "data-unavailable" not in html  # while it runs, nothing to say
    health.forget()  # as once the remembered answer has aged
    html, config = _room(login(staff_a), session)
    assert 'data-unavailable="live_updates"' in html
    assert url.split("//")[1].split("/")[0] not in html
    assert config["backend"] == "p2p"  # video is not the server's concern here


def test_with_the_embedded_defaults_nothing_is_said(login, session, staff_a, settings):
    settings.YILIAN_VIDEO_BACKEND = "p2p"
    html, _config = _room(login(staff_a), session)
    assert "data-unavailable" not in html
    assert "data-socket-down" in html  # the script's own notice, hidden until the socket fails
