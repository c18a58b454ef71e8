"""The closed loop keeps working with a dependency down — Redis (stopped), Janus, nginx-rtmp
or Orthanc (their configured address a closed loopback port): a request is submitted,
reviewed, dispatched, scheduled, its session's room opened, the opinion written, feedback
given and the QC review done, each step through its page as its owner with every side
effect run; the room page says what is unavailable, and nothing else breaks."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator

import pytest
from django.urls import reverse

from yilian.core import health
from yilian.core.tests.cache import redis_settings, running_redis
from yilian.workflow.models import BusinessRequest, Status

from .conftest import MANUAL, PATH
from .views_support import act_url, detail_url, form_data

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(params=["redis", "janus", "rtmp", "orthanc"])
def down(request, settings, tmp_path) -> Iterator[str]:
    """One dependency configured and unreachable; the name of the one."""
    name = request.param
    if name == "redis":
        if shutil.which("redis-server") is None:
            pytest.skip("redis-server is needed")
        with running_redis(tmp_path) as url:
            pass  # started, then stopped: the site is configured with a Redis that is gone
        settings.CACHES, settings.CHANNEL_LAYERS = redis_settings(url)
    elif name == "janus":
        settings.YILIAN_VIDEO_BACKEND = "janus"
        settings.YILIAN_JANUS_URL = f"http://127.0.0.1:{closed_port()}/janus"
    elif name == "rtmp":
        settings.YILIAN_LIVE_RTMP_URL = f"rtmp://127.0.0.1:{closed_port()}/live"
    else:
        settings.YILIAN_ORTHANC_URL = f"http://127.0.0.1:{closed_port()}"
    yield name


DEPENDENCY = {"redis": "channel_layer", "janus": "janus", "rtmp": "rtmp", "orthanc": "orthanc"}
# What the room page says with each one down (none: not a room feature).
ROOM_NOTICE = {"redis": "live_updates", "janus": "video_relay", "rtmp": None, "orthanc": None}


def test_the_closed_loop_runs_through_its_pages_with_a_dependency_down(
    client, loop, down, django_capture_on_commit_callbacks
):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert health.status(DEPENDENCY[down]).state == health.State.DOWN  # really unreachable
    request = loop.new(MANUAL)
    for status, action, who in PATH:
        assert request.status == status
        client.force_login(getattr(loop, who))
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(act_url(request, action), form_data(loop, request, action))
        assert response.status_code == 302, (action, response.content[:500])
        request = BusinessRequest.objects.get(pk=request.pk)
        assert client.get(detail_url(request)).status_code == 200

        if request.status == Status.CONFIRMED:  # scheduled: both sides open the room
            for person in (loop.expert, loop.applicant):
                client.force_login(person)
                room = client.get(
                    reverse("realtime:enter_request", args=[request.public_id]), follow=True
                )
                assert room.status_code == 200
                html = room.content.decode()
                notice = ROOM_NOTICE[down]
                shown = {n.feature for n in health.unavailable(*health.FEATURES)}
                if notice is not None:
                    assert f'data-unavailable="{notice}"' in html
                    assert notice in shown
                assert 'data-unavailable="live_stream"' not in html  # not this page's concern
    assert request.status == Status.CLOSED
    assert list(request.events.values_list("action", flat=True)) == ["create"] + [
        action for _s, action, _w in PATH
    ]
    assert hasattr(request, "feedback") and request.opinions.exists()
