"""The live event pages say when nginx-rtmp cannot be reached (its RTMP address a closed
loopback port) — the viewers' page that the stream starts when it is back, the organisers'
page that the encoder cannot connect — and say nothing while a real nginx-rtmp runs or
once the event has ended."""

from __future__ import annotations

import socket
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ..models import EventStatus, LiveEvent
from .servers import nginx_rtmp_installed, running_nginx_rtmp

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def rtmp_down(settings) -> str:
    settings.YILIAN_LIVE_RTMP_URL = f"rtmp://127.0.0.1:{closed_port()}/live"
    return settings.YILIAN_LIVE_RTMP_URL


def test_viewers_and_organisers_are_told_the_stream_server_is_unreachable(
    login, conference, manager, staff_a, rtmp_down
):
    viewer = login(staff_a).get(reverse("live:event", args=[conference.public_id]))
    assert viewer.status_code == 200
    html = viewer.content.decode()
    assert 'data-unavailable="live_stream"' in html
    assert "the stream will start when it is back" in html
    assert 'data-unavailable="live_ingest"' not in html
    assert "event-countdown" in html  # the rest of the page is there
    port = rtmp_down.rsplit(":", 1)[1].split("/")[0]
    assert port not in html  # viewers are not shown the server's address

    organiser = login(manager).get(reverse("live:manage", args=[conference.public_id]))
    assert organiser.status_code == 200
    assert 'data-unavailable="live_ingest"' in organiser.content.decode()
    assert "encoder cannot connect" in organiser.content.decode()


def test_an_ended_event_says_nothing_of_the_stream_server(login, conference, staff_a, rtmp_down):
    LiveEvent.objects.filter(pk=conference.pk).update(
        status=EventStatus.ENDED,
        starts_at=timezone.now() - timedelta(hours=3),
        ends_at=timezone.now() - timedelta(hours=1),
    )
    page = login(staff_a).get(reverse("live:event", args=[conference.public_id]))
    assert page.status_code == 200
    assert 'data-unavailable="live_stream"' not in page.content.decode()


@pytest.mark.skipif(not nginx_rtmp_installed(), reason="needs nginx with libnginx-mod-rtmp")
def test_nothing_is_said_while_nginx_rtmp_runs(login, conference, manager, settings, tmp_path):
    with running_nginx_rtmp(tmp_path / "rtmp") as url:
        settings.YILIAN_LIVE_RTMP_URL = url
        viewer = login(manager).get(reverse("live:event", args=[conference.public_id]))
        organiser = login(manager).get(reverse("live:manage", args=[conference.public_id]))
    assert "data-unavailable" not in viewer.content.decode()
    assert "data-unavailable" not in organiser.content.decode()
