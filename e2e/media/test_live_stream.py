"""A live event end to end with the real components: Debian's nginx with libnginx-mod-rtmp
runs the configuration from deploy/nginx-rtmp (ports, folders and the callback secret
rewritten for the test) in front of the application; ffmpeg pushes a test pattern with the
event's stream key; Chromium plays the HLS page through nginx (the application authorises
every playlist and segment and hands the file back to nginx's internal location) with the
video's clock moving, posts heartbeats that grow the viewer's watch time, and a wrong key
is refused by the on_publish callback. When the encoder stops, the event ends and the
nginx recording becomes a replay lesson."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from e2e.front import free_port
from e2e.media.conftest import DEPLOY, wait_for
from yilian.core.tests.processes import stop_process
from yilian.live import services
from yilian.live.models import EventStatus, LiveEvent, ReplayStatus, WatchTime
from yilian.live.services import EventData, create_event

SECRET = "e2e-live-callback-secret"

# The video plays: a decoded frame, and its clock moves on.
PLAYING = """async () => {
  const v = document.getElementById("live-video");
  const deadline = Date.now() + 40000;
  while (Date.now() < deadline) {
    if (v && v.videoWidth > 0 && v.readyState >= 2 && v.currentTime > 0) {
      const before = v.currentTime;
      await new Promise((r) => setTimeout(r, 2500));
      if (v.currentTime > before) {
        return { width: v.videoWidth, before: before, after: v.currentTime };
      }
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { width: v && v.videoWidth, state: v && v.readyState, time: v && v.currentTime };
}"""


@dataclass
class Rtmp:
    rtmp_url: str
    http_url: str
    hls: Path
    recordings: Path


@pytest.fixture
def nginx_rtmp(live_url, settings) -> Iterator[Rtmp]:
    if shutil.which("nginx") is None or shutil.which("ffmpeg") is None:
        pytest.skip("needs Debian nginx-light, libnginx-mod-rtmp and ffmpeg")
    # nginx's workers run as nobody: the HLS and recording folders must be theirs to write.
    base = Path(tempfile.mkdtemp(prefix="yilian-rtmp-"))
    base.chmod(0o755)
    hls, recordings, prefix = base / "hls", base / "recordings", base / "nginx"
    for folder in (hls, recordings):
        folder.mkdir()
        folder.chmod(0o777)
    (prefix / "tmp").mkdir(parents=True)
    rtmp_port, http_port = free_port(), free_port()
    conf = (DEPLOY / "nginx-rtmp" / "nginx.conf").read_text()
    for old, new in (
        ("127.0.0.1:1935", f"127.0.0.1:{rtmp_port}"),
        ("127.0.0.1:8080", f"127.0.0.1:{http_port}"),
        ("http://127.0.0.1:8000", live_url),
        ("change-me-live-callback-secret", SECRET),
        ("/var/lib/yilian/live/hls", str(hls)),
        ("/var/lib/yilian/live/recordings", str(recordings)),
    ):
        assert old in conf, old
        conf = conf.replace(old, new)
    (prefix / "nginx.conf").write_text(conf)
    settings.YILIAN_LIVE_CALLBACK_SECRET = SECRET
    settings.YILIAN_LIVE_CALLBACK_ADDRESSES = ["127.0.0.1"]
    settings.YILIAN_LIVE_HLS_DIR = str(hls)
    settings.YILIAN_LIVE_RECORD_DIR = str(recordings)
    settings.YILIAN_LIVE_HLS_ACCEL_PREFIX = "/internal-hls/"
    process = subprocess.Popen(
        ["nginx", "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e", "error.log"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    http_url = f"http://127.0.0.1:{http_port}"
    try:
        wait_for(lambda: _listening(http_port) and _listening(rtmp_port), 15, "nginx to listen")
        yield Rtmp(f"rtmp://127.0.0.1:{rtmp_port}/live", http_url, hls, recordings)
    finally:
        stop_process(process)
        shutil.rmtree(base, ignore_errors=True)


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _push(rtmp: Rtmp, key: str, seconds: int) -> subprocess.Popen:
    """An encoder: a test pattern with sound, keyframes every 2 s (the HLS fragment)."""
    return subprocess.Popen(
        [
            "ffmpeg", "-hide_banner", "-loglevel", "error", "-re",
            "-f", "lavfi", "-i", f"testsrc=size=640x360:rate=25:duration={seconds}",
            "-f", "lavfi", "-i", f"sine=duration={seconds}",
            "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency",
            "-pix_fmt", "yuv420p", "-g", "50", "-c:a", "aac",
            "-f", "flv", f"{rtmp.rtmp_url}/{key}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "HOME": tempfile.gettempdir()},
    )  # fmt: skip


def _status(event: LiveEvent) -> str:
    event.refresh_from_db()
    return event.status


def _watched(event: LiveEvent, user) -> int:
    row = WatchTime.objects.filter(event=event, user=user).first()
    return row.seconds if row else 0


def test_a_conference_streams_over_nginx_rtmp_to_hls_in_chromium(
    nginx_rtmp, signed_in, manager, staff_a, lead_hospital, monkeypatch
):
    monkeypatch.setattr(services, "HEARTBEAT_SECONDS", 2)  # the player's beat, for speed
    start = timezone.now() + timedelta(minutes=5)  # a few minutes early is allowed
    event = create_event(
        EventData(
            title="胸痛中心年会直播",
            kind="conference",
            description="",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            host_hospital=lead_hospital,
            audience="members",
            organisers=[],
        ),
        actor=manager,
    )

    # A wrong key: on_publish answers 403, nginx drops the encoder, ffmpeg fails.
    wrong = _push(nginx_rtmp, "not-the-key-" + event.stream_key[:8], 5)
    assert wrong.wait(timeout=30) != 0
    assert _status(event) == EventStatus.SCHEDULED
    assert not any(nginx_rtmp.hls.iterdir())

    encoder = _push(nginx_rtmp, event.stream_key, 60)
    try:
        wait_for(lambda: _status(event) == EventStatus.LIVE, 20, "the event to go live")
        playlist = nginx_rtmp.hls / event.stream_key / "index.m3u8"
        wait_for(playlist.exists, 30, "nginx-rtmp to write the HLS playlist")

        page = signed_in(staff_a)
        page.goto(f"{nginx_rtmp.http_url}/live/{event.public_id}/")
        played = page.evaluate(PLAYING)
        assert played.get("after", 0) > played.get("before", 0) > 0, played
        assert played["width"] == 640
        # The page loads HLS by the playback id, never by the stream key.
        assert event.stream_key not in page.content()

        wait_for(lambda: _watched(event, staff_a) >= 2, 20, "watch time to be credited")
        first = _watched(event, staff_a)
        wait_for(lambda: _watched(event, staff_a) > first, 20, "watch time to grow")
        page.close()
    finally:
        encoder.terminate()
        encoder.wait(timeout=20)

    # The encoder stopped: publish_done ended the event, record_done queued the replay,
    # and the task remuxed nginx-rtmp's recording into a published lesson.
    wait_for(lambda: _status(event) == EventStatus.ENDED, 20, "the event to end")
    wait_for(
        lambda: (
            LiveEvent.objects.get(pk=event.pk).replay_status
            in (ReplayStatus.READY, ReplayStatus.FAILED)
        ),
        60,
        "the replay to be made from the recording",
    )
    event.refresh_from_db()
    assert event.replay_status == ReplayStatus.READY
    assert event.replay is not None and event.replay.duration_seconds >= 2
    # The recording is removed once its replay is published.
    assert not any(nginx_rtmp.recordings.glob("*.flv"))
