"""The recording becomes a replay: a real FLV made by ffmpeg (as nginx-rtmp records it) is
remuxed to MP4 and published as a video lesson in the cloud classroom."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from yilian.teaching.models import LessonKind

from ..models import ReplayStatus
from ..services import REPLAY_CATEGORY, make_replay
from .conftest import callback, go_live

pytestmark = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs Debian ffmpeg")


def _recording(name: str, seconds: int = 3) -> Path:
    """A short H.264/AAC FLV like nginx-rtmp's ``record all`` writes."""
    path = Path(settings.YILIAN_LIVE_RECORD_DIR) / f"{name}-1795680352.flv"
    subprocess.run(
        [
            "ffmpeg",
            "-hide_banner",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            f"testsrc=size=320x180:rate=25:duration={seconds}",
            "-f",
            "lavfi",
            "-i",
            f"sine=duration={seconds}",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-pix_fmt",
            "yuv420p",
            "-g",
            "50",
            "-c:a",
            "aac",
            "-f",
            "flv",
            str(path),
        ],
        check=True,
        timeout=120,
    )
    return path


def test_a_recording_becomes_a_published_replay_lesson(
    client, conference, login, staff_b, django_capture_on_commit_callbacks
):
    event = go_live(conference)
    callback(client, "publish_done", event.stream_key)
    recording = _recording(event.stream_key)
    with django_capture_on_commit_callbacks() as queued:
        response = callback(client, "record_done", event.stream_key, path=str(recording))
    assert response.status_code == 200
    event.refresh_from_db()
    assert event.replay_status == ReplayStatus.PENDING
    assert len(queued) == 1  # the task is enqueued once the callback commits

    assert make_replay(event.pk, str(recording)) == "ready"
    event.refresh_from_db()
    lesson = event.replay
    assert event.replay_status == ReplayStatus.READY
    assert lesson.kind == LessonKind.VIDEO and lesson.course.published
    assert lesson.course.category.name == REPLAY_CATEGORY
    assert lesson.course.title == event.title
    assert 2 <= lesson.duration_seconds <= 4
    assert lesson.file.mime_type == "video/mp4"
    assert not recording.exists()  # the FLV is gone once the MP4 is stored

    # A member finds the replay from the event page and the classroom serves the MP4.
    viewer = login(staff_b)
    page = viewer.get(reverse("live:event", args=[event.public_id])).content.decode()
    assert reverse("teaching:lesson", args=[lesson.public_id]) in page
    download = viewer.get(reverse("files:download", args=[lesson.file.public_id]))
    body = b"".join(download.streaming_content)
    assert body[4:8] == b"ftyp"

    # Run again (a retried task): nothing new.
    assert make_replay(event.pk, str(recording)) == "exists"


def test_a_broken_recording_marks_the_replay_failed(client, conference):
    event = go_live(conference)
    bad = Path(settings.YILIAN_LIVE_RECORD_DIR) / f"{event.stream_key}-1.flv"
    bad.write_bytes(b"FLV not really")
    assert make_replay(event.pk, str(bad)) == "failed"
    event.refresh_from_db()
    assert event.replay_status == ReplayStatus.FAILED and event.replay is None


def test_a_surgery_replay_keeps_the_demonstration_s_audience(
    consented_surgery, login, staff_b, make_user, hospital_b
):
    """The replay of a surgery demonstration is for medical staff, as the live stream was."""
    from yilian.accounts.roles import Role

    event = go_live(consented_surgery)
    recording = _recording(event.stream_key)
    assert make_replay(event.pk, str(recording)) == "ready"
    event.refresh_from_db()
    lesson = event.replay
    assert lesson.course.medical_staff_only and lesson.course.published

    doctor = login(staff_b)
    assert doctor.get(reverse("teaching:lesson", args=[lesson.public_id])).status_code == 200

    room_admin = make_user(Role.ROOM_ADMIN, hospital=hospital_b, name="会议室管理员")
    other = login(room_admin)
    assert other.get(reverse("teaching:lesson", args=[lesson.public_id])).status_code == 404
    courses = other.get(reverse("teaching:courses")).content.decode()
    assert str(lesson.course.public_id) not in courses
    download = other.get(reverse("files:download", args=[lesson.file.public_id]))
    assert download.status_code == 404
