"""The cast of live events: a conference and a surgery demonstration in their window, made
by the platform manager through the services; nginx-rtmp's callback secret and folders."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone, translation

from yilian.accounts.models import User

from ..models import Audience, EventKind, LiveEvent
from ..services import EventData, create_event, set_consent

SECRET = "test-live-callback-secret"


@pytest.fixture(autouse=True)
def _english(client) -> Iterator[None]:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def live_settings(settings, tmp_path):
    settings.YILIAN_LIVE_CALLBACK_SECRET = SECRET
    settings.YILIAN_LIVE_CALLBACK_ADDRESSES = ["127.0.0.1"]
    settings.YILIAN_LIVE_HLS_DIR = str(tmp_path / "hls")
    settings.YILIAN_LIVE_RECORD_DIR = str(tmp_path / "recordings")
    settings.YILIAN_LIVE_HLS_ACCEL_PREFIX = ""
    settings.YILIAN_LIVE_EARLY_MINUTES = 30
    settings.YILIAN_LIVE_LATE_MINUTES = 60
    (tmp_path / "hls").mkdir()
    (tmp_path / "recordings").mkdir()
    return settings


def event_data(
    hospital, *, kind=EventKind.CONFERENCE, audience=Audience.MEMBERS, start=None, hours=2, **kw
) -> EventData:
    start = start or timezone.now() + timedelta(minutes=5)
    fields = {
        "title": "胸痛中心年会" if kind == EventKind.CONFERENCE else "腹腔镜胆囊切除术示教",
        "kind": kind,
        "description": "",
        "starts_at": start,
        "ends_at": start + timedelta(hours=hours),
        "host_hospital": hospital,
        "audience": audience,
        "organisers": [],
    }
    fields.update(kw)
    return EventData(**fields)


@pytest.fixture
def conference(manager, lead_hospital) -> LiveEvent:
    return create_event(event_data(lead_hospital), actor=manager)


@pytest.fixture
def public_conference(manager, lead_hospital) -> LiveEvent:
    return create_event(event_data(lead_hospital, audience=Audience.PUBLIC), actor=manager)


@pytest.fixture
def surgery(manager, lead_hospital) -> LiveEvent:
    return create_event(event_data(lead_hospital, kind=EventKind.SURGERY), actor=manager)


@pytest.fixture
def consented_surgery(surgery, manager) -> LiveEvent:
    return set_consent(surgery, actor=manager, given=True)


def callback(client: Client, call: str, name: str, secret: str = SECRET, **extra):
    """What nginx-rtmp posts (a form) from loopback."""
    data = {"call": call, "name": name, "app": "live", "addr": "127.0.0.1", "clientid": "1"}
    data.update(extra)
    return client.post(f"/live/rtmp/{secret}/", data, REMOTE_ADDR="127.0.0.1")


def go_live(event: LiveEvent) -> LiveEvent:
    client = Client()
    response = callback(client, "publish", event.stream_key)
    assert response.status_code == 200, response.status_code
    event.refresh_from_db()
    return event


@pytest.fixture
def auditor(make_user, lead_hospital) -> User:
    from yilian.accounts.roles import Role

    return make_user(Role.AUDITOR, hospital=lead_hospital, name="审计员")
