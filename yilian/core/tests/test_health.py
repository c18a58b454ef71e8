"""Which dependency is down, and which feature that takes away: each probed for real —
Redis, nginx-rtmp and Orthanc started here, and a closed loopback port for "down" (Janus up
is checked by the media tests, in their loopback-only namespace)."""

from __future__ import annotations

import shutil
import socket

import pytest
from django.urls import reverse

from yilian.core import health
from yilian.core.health import State
from yilian.imaging.tests.samples import running_orthanc
from yilian.live.tests.servers import nginx_rtmp_installed, running_nginx_rtmp

from .cache import redis_settings, running_redis

needs_orthanc = pytest.mark.skipif(
    shutil.which("Orthanc") is None, reason="Debian's orthanc is needed"
)
needs_redis = pytest.mark.skipif(
    shutil.which("redis-server") is None, reason="redis-server is needed"
)


def closed_port() -> int:
    """A loopback port nothing listens on: what a stopped server looks like."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_without_servers_configured_nothing_is_used_and_nothing_unavailable(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    settings.YILIAN_VIDEO_BACKEND = "p2p"
    settings.YILIAN_ORTHANC_URL = ""
    settings.YILIAN_LIVE_RTMP_URL = ""
    assert {s.dependency.key: s.state for s in health.statuses()} == {
        "cache": State.NOT_USED,
        "channel_layer": State.NOT_USED,
        "janus": State.NOT_USED,
        "rtmp": State.NOT_USED,
        "orthanc": State.NOT_USED,
    }
    assert health.unavailable(*health.FEATURES) == []


@needs_redis
def test_redis_is_up_while_it_runs_and_down_once_stopped(settings, tmp_path):
    with running_redis(tmp_path) as url:
        settings.CACHES, settings.CHANNEL_LAYERS = redis_settings(url)
        assert health.status("cache").state == State.UP
        assert health.status("channel_layer").state == State.UP
        assert health.unavailable("live_updates") == []
    health.forget()
    down = health.status("channel_layer")
    assert down.state == State.DOWN
    assert down.reason  # why, for the operators
    assert health.status("cache").state == State.DOWN
    assert [n.feature for n in health.unavailable("live_updates", "video_relay")] == [
        "live_updates"
    ]


def test_janus_is_probed_only_when_it_is_the_video_backend(settings):
    settings.YILIAN_JANUS_URL = f"http://127.0.0.1:{closed_port()}/janus"
    settings.YILIAN_VIDEO_BACKEND = "p2p"
    assert health.status("janus").state == State.NOT_USED
    assert health.available("video_relay")
    settings.YILIAN_VIDEO_BACKEND = "janus"
    assert health.status("janus").state == State.DOWN
    assert not health.available("video_relay")


@pytest.mark.skipif(not nginx_rtmp_installed(), reason="needs nginx with libnginx-mod-rtmp")
def test_rtmp_ingest_is_up_while_nginx_rtmp_runs(settings, tmp_path):
    with running_nginx_rtmp(tmp_path) as url:
        settings.YILIAN_LIVE_RTMP_URL = url
        assert health.status("rtmp").state == State.UP
        assert health.available("live_stream")
    assert health.status("rtmp", fresh=True).state == State.DOWN


def test_rtmp_ingest_on_a_closed_port_is_down(settings):
    settings.YILIAN_LIVE_RTMP_URL = f"rtmp://127.0.0.1:{closed_port()}/live"
    assert health.status("rtmp").state == State.DOWN
    assert [n.feature for n in health.unavailable("live_stream", "live_ingest")] == [
        "live_stream",
        "live_ingest",
    ]


@needs_orthanc
def test_orthanc_is_up_while_it_runs_and_its_answer_is_remembered(settings, monkeypatch):
    monkeypatch.setattr(health, "PROBE_TTL", 3600.0)
    with running_orthanc() as url:
        settings.YILIAN_ORTHANC_URL = url
        assert health.status("orthanc").state == State.UP
    # Stopped: the remembered answer stands until it is asked afresh.
    assert health.status("orthanc").state == State.UP
    assert health.status("orthanc", fresh=True).state == State.DOWN
    assert health.status("orthanc").state == State.DOWN


@needs_orthanc
def test_orthanc_is_probed_with_the_configured_credentials(settings):
    users = {"yilian": "s3cret-pass"}
    with running_orthanc(AuthenticationEnabled=True, RegisteredUsers=users) as url:
        settings.YILIAN_ORTHANC_URL = url.replace("http://", "http://yilian:wrong@")
        assert health.status("orthanc").state == State.DOWN  # 401
        settings.YILIAN_ORTHANC_URL = url.replace("http://", "http://yilian:s3cret-pass@")
        status = health.status("orthanc")
        assert status.state == State.UP
    assert status.addresses == (url,)  # for operators: no credentials


def test_a_probe_never_raises_whatever_is_configured(settings):
    settings.YILIAN_VIDEO_BACKEND = "janus"
    settings.YILIAN_JANUS_URL = "ftp://127.0.0.1/janus"
    settings.YILIAN_ORTHANC_URL = "not a url"
    settings.YILIAN_LIVE_RTMP_URL = "http://127.0.0.1:1/live"
    states = {s.dependency.key: s.state for s in health.statuses()}
    assert states["janus"] == states["orthanc"] == states["rtmp"] == State.DOWN


def test_public_address_keeps_scheme_host_and_port_only():
    assert health.public_address("http://u:p%40ss@orthanc.internal:8042/x?y=1") == (
        "http://orthanc.internal:8042"
    )
    assert health.public_address("redis://:secret@[::1]:6379/5") == "redis://[::1]:6379"


# --- the operators' status page ---------------------------------------------------------


def test_status_page_lists_each_dependency_for_platform_admins(login, platform_admin, settings):
    port = closed_port()
    settings.YILIAN_VIDEO_BACKEND = "janus"
    settings.YILIAN_JANUS_URL = f"http://127.0.0.1:{port}/janus"
    settings.YILIAN_ORTHANC_URL = ""
    response = login(platform_admin).get(reverse("web:dependencies"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-dependency="janus" data-state="down"' in html
    assert 'data-dependency="orthanc" data-state="not_used"' in html
    assert f"http://127.0.0.1:{port}" in html  # operators see where it should be
    assert reverse("web:dependencies") in html  # in the platform menu


@pytest.mark.parametrize("who", ["manager", "staff_a", "hospital_admin_a", "expert"])
def test_status_page_is_for_platform_admins_only(login, request, who, settings):
    settings.YILIAN_VIDEO_BACKEND = "janus"
    settings.YILIAN_JANUS_URL = f"http://127.0.0.1:{closed_port()}/janus"
    client = login(request.getfixturevalue(who))
    assert client.get(reverse("web:dependencies")).status_code == 403
    assert client.post(reverse("web:dependencies")).status_code == 403
    assert reverse("web:dependencies") not in client.get(reverse("web:home")).content.decode()


def test_status_page_answers_anonymous_visitors_with_the_sign_in_page(client):
    response = client.get(reverse("web:dependencies"))
    assert response.status_code == 302
    assert "/accounts/login" in response["Location"]
