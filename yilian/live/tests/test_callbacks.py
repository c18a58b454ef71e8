"""nginx-rtmp's on_publish / on_publish_done / on_record_done callback: who may stream,
when, and how the endpoint is protected."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from ..models import EventStatus, LiveEvent
from ..services import EventData, create_event, regenerate_key, set_consent
from .conftest import SECRET, callback, event_data


def _status(event: LiveEvent) -> str:
    event.refresh_from_db()
    return event.status


def test_the_right_key_in_the_window_goes_live(client, conference):
    response = callback(client, "publish", conference.stream_key)
    assert response.status_code == 200
    conference.refresh_from_db()
    assert conference.status == EventStatus.LIVE
    assert conference.live_at is not None
    assert conference.published_key == conference.stream_key


@pytest.mark.parametrize("name", ["", "not-a-key", "x" * 32])
def test_an_unknown_key_is_refused(client, conference, name):
    assert callback(client, "publish", name).status_code == 403
    assert _status(conference) == EventStatus.SCHEDULED


def test_another_events_key_does_not_start_this_one(client, conference, surgery):
    assert callback(client, "publish", surgery.stream_key).status_code == 403  # no consent
    assert _status(conference) == EventStatus.SCHEDULED
    assert _status(surgery) == EventStatus.SCHEDULED


def test_a_regenerated_key_replaces_the_old_one(client, conference, manager):
    old = conference.stream_key
    regenerate_key(conference, actor=manager)
    conference.refresh_from_db()
    assert conference.stream_key != old
    assert callback(client, "publish", old).status_code == 403
    assert callback(client, "publish", conference.stream_key).status_code == 200


def test_a_few_minutes_early_is_allowed_but_not_hours(client, manager, lead_hospital, settings):
    soon = create_event(
        event_data(lead_hospital, start=timezone.now() + timedelta(minutes=20)), actor=manager
    )
    later = create_event(
        event_data(lead_hospital, start=timezone.now() + timedelta(hours=3)), actor=manager
    )
    assert callback(client, "publish", later.stream_key).status_code == 403
    assert callback(client, "publish", soon.stream_key).status_code == 200
    assert _status(later) == EventStatus.SCHEDULED


def test_an_event_whose_time_is_over_is_refused(client, manager, lead_hospital):
    past = create_event(
        event_data(lead_hospital, start=timezone.now() - timedelta(hours=5), hours=2),
        actor=manager,
    )
    assert callback(client, "publish", past.stream_key).status_code == 403
    assert _status(past) == EventStatus.SCHEDULED


def test_an_ended_event_is_refused(client, conference):
    assert callback(client, "publish", conference.stream_key).status_code == 200
    assert callback(client, "publish_done", conference.stream_key).status_code == 200
    assert _status(conference) == EventStatus.ENDED
    assert callback(client, "publish", conference.stream_key).status_code == 403
    assert _status(conference) == EventStatus.ENDED


def test_a_surgery_demonstration_needs_the_patients_consent(client, surgery, manager):
    assert callback(client, "publish", surgery.stream_key).status_code == 403
    assert _status(surgery) == EventStatus.SCHEDULED
    set_consent(surgery, actor=manager, given=True)
    assert callback(client, "publish", surgery.stream_key).status_code == 200
    assert _status(surgery) == EventStatus.LIVE


def test_withdrawn_consent_refuses_the_stream_again(client, surgery, manager):
    set_consent(surgery, actor=manager, given=True)
    set_consent(surgery, actor=manager, given=False)
    assert callback(client, "publish", surgery.stream_key).status_code == 403


def test_publish_done_ends_the_event(client, conference):
    callback(client, "publish", conference.stream_key)
    assert callback(client, "publish_done", conference.stream_key).status_code == 200
    conference.refresh_from_db()
    assert conference.status == EventStatus.ENDED and conference.ended_at is not None


def test_publish_done_finds_the_event_by_the_key_it_went_live_with(client, conference, manager):
    callback(client, "publish", conference.stream_key)
    published = conference.stream_key
    regenerate_key(conference, actor=manager)  # mid-stream
    assert callback(client, "publish_done", published).status_code == 200
    assert _status(conference) == EventStatus.ENDED


def test_a_wrong_secret_is_refused_and_changes_nothing(client, conference):
    assert callback(client, "publish", conference.stream_key, secret="guess").status_code == 403
    assert _status(conference) == EventStatus.SCHEDULED


def test_calls_from_other_addresses_are_refused(client, conference):
    response = client.post(
        f"/live/rtmp/{SECRET}/",
        {"call": "publish", "name": conference.stream_key},
        REMOTE_ADDR="10.0.0.9",
    )
    assert response.status_code == 403
    assert _status(conference) == EventStatus.SCHEDULED


def test_without_a_configured_secret_every_stream_is_refused(client, conference, settings):
    settings.YILIAN_LIVE_CALLBACK_SECRET = ""
    assert callback(client, "publish", conference.stream_key, secret="x").status_code == 403
    assert _status(conference) == EventStatus.SCHEDULED


def test_the_callback_needs_no_csrf_token_but_only_takes_post(conference):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    assert callback(strict, "publish", conference.stream_key).status_code == 200
    assert strict.get(f"/live/rtmp/{SECRET}/", REMOTE_ADDR="127.0.0.1").status_code == 405


def test_an_unknown_call_is_a_bad_request(client, conference):
    assert callback(client, "play", conference.stream_key).status_code == 400


def test_a_recording_outside_the_recording_folder_is_ignored(client, conference, tmp_path):
    callback(client, "publish", conference.stream_key)
    elsewhere = tmp_path / "elsewhere.flv"
    elsewhere.write_bytes(b"FLV")
    callback(client, "record_done", conference.stream_key, path=str(elsewhere))
    conference.refresh_from_db()
    assert conference.replay_status == ""


def test_the_secret_never_reaches_the_log():
    from yilian.core.logging import redact

    line = f'"POST /live/rtmp/{SECRET}/ HTTP/1.0" 200'
    assert SECRET not in redact(line)


def test_surgery_events_are_always_for_medical_staff(manager, lead_hospital):
    from ..models import Audience, EventKind

    event = create_event(
        EventData(
            **{
                **event_data(lead_hospital).__dict__,
                "kind": EventKind.SURGERY,
                "audience": Audience.PUBLIC,
            }
        ),
        actor=manager,
    )
    assert event.audience == Audience.MEDICAL_STAFF
