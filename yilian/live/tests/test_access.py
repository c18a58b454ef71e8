"""The audience rules on every way in: the event page, the HLS files, the heartbeat and the
list. Surgery demonstrations: registered medical staff only."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from ..models import WatchTime
from .conftest import go_live


def _hls_url(event, name="index.m3u8") -> str:
    return f"/live/hls/{event.playback_id}/{name}"


def _write_hls(event) -> None:
    folder = Path(settings.YILIAN_LIVE_HLS_DIR) / event.published_key
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.m3u8").write_text("#EXTM3U\n#EXT-X-TARGETDURATION:2\n0.ts\n")
    (folder / "0.ts").write_bytes(b"G" * 188)


@pytest.fixture
def live_surgery(consented_surgery):
    event = go_live(consented_surgery)
    _write_hls(event)
    return event


@pytest.fixture
def live_conference(conference):
    event = go_live(conference)
    _write_hls(event)
    return event


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("who", ["staff_a", "expert", "hospital_admin_a", "manager"])
def test_medical_staff_watch_a_surgery_demonstration(login, request, who, live_surgery):
    client = login(request.getfixturevalue(who))
    page = client.get(reverse("live:event", args=[live_surgery.public_id]))
    assert page.status_code == 200
    assert _hls_url(live_surgery) in page.content.decode()
    playlist = client.get(_hls_url(live_surgery))
    assert playlist.status_code == 200
    assert playlist["Content-Type"] == "application/vnd.apple.mpegurl"
    assert b"0.ts" in _body(playlist)
    segment = client.get(_hls_url(live_surgery, "0.ts"))
    assert segment.status_code == 200 and _body(segment) == b"G" * 188


@pytest.mark.parametrize("who", ["patient", "auditor"])
def test_patients_and_non_clinical_accounts_get_no_surgery_page_hls_or_heartbeat(
    login, request, who, live_surgery
):
    user = request.getfixturevalue(who)
    client = login(user)
    assert client.get(reverse("live:event", args=[live_surgery.public_id])).status_code == 404
    assert client.get(_hls_url(live_surgery)).status_code == 404
    assert client.get(_hls_url(live_surgery, "0.ts")).status_code == 404
    heartbeat = client.post(reverse("live:heartbeat", args=[live_surgery.public_id]))
    # An auditor's account writes nothing anywhere: refused before the view looks.
    assert heartbeat.status_code == (403 if who == "auditor" else 404)
    assert not WatchTime.objects.filter(user=user).exists()
    listing = client.get(reverse("live:events"))
    assert live_surgery.title not in listing.content.decode()


def test_anonymous_visitors_get_no_surgery_page_or_hls(client, live_surgery):
    page = client.get(reverse("live:event", args=[live_surgery.public_id]))
    assert page.status_code == 302 and page["Location"].startswith(reverse("accounts:login"))
    assert client.get(_hls_url(live_surgery)).status_code == 404
    assert client.get(_hls_url(live_surgery, "0.ts")).status_code == 404
    heartbeat = client.post(reverse("live:heartbeat", args=[live_surgery.public_id]))
    assert heartbeat.status_code == 302
    assert not WatchTime.objects.exists()


def test_anonymous_visitors_get_the_same_answer_for_an_event_that_does_not_exist(client, db):
    import uuid

    page = client.get(reverse("live:event", args=[uuid.uuid4()]))
    assert page.status_code == 302 and page["Location"].startswith(reverse("accounts:login"))


def test_a_members_conference_is_for_members_not_patients_or_anonymous(
    client, login, staff_b, patient, live_conference
):
    url = reverse("live:event", args=[live_conference.public_id])
    assert client.get(url).status_code == 302
    assert client.get(_hls_url(live_conference)).status_code == 404
    login(patient)
    assert client.get(url).status_code == 404
    assert client.get(_hls_url(live_conference)).status_code == 404
    login(staff_b)  # any member hospital
    assert client.get(url).status_code == 200
    assert client.get(_hls_url(live_conference)).status_code == 200


def test_a_public_conference_is_open_to_anyone(client, public_conference):
    event = go_live(public_conference)
    _write_hls(event)
    page = client.get(reverse("live:event", args=[event.public_id]))
    assert page.status_code == 200
    assert "data-heartbeat-url" not in page.content.decode()  # anonymous: no watch time
    assert client.get(_hls_url(event)).status_code == 200


def test_the_hls_address_is_not_the_stream_key_or_the_event_id(login, staff_a, live_conference):
    page = login(staff_a).get(reverse("live:event", args=[live_conference.public_id]))
    html = page.content.decode()
    assert live_conference.stream_key not in html
    assert live_conference.playback_id != live_conference.stream_key
    assert (
        login(staff_a).get(f"/live/hls/{live_conference.stream_key}/index.m3u8").status_code == 404
    )
    assert (
        login(staff_a).get(f"/live/hls/{live_conference.public_id}/index.m3u8").status_code == 404
    )


def test_hls_is_served_only_while_live(login, staff_a, client, live_conference):
    client = login(staff_a)
    from .conftest import callback

    callback(client, "publish_done", live_conference.stream_key)
    assert client.get(_hls_url(live_conference)).status_code == 404


@pytest.mark.parametrize("name", ["../index.m3u8", "index.m3u8.bak", "a b.ts", ".m3u8"])
def test_hls_names_outside_the_pattern_are_refused(login, staff_a, live_conference, name):
    response = login(staff_a).get(f"/live/hls/{live_conference.playback_id}/{name}")
    assert response.status_code == 404


def test_behind_nginx_hls_is_handed_to_the_internal_location(
    login, staff_a, live_conference, settings
):
    settings.YILIAN_LIVE_HLS_ACCEL_PREFIX = "/internal-hls/"
    response = login(staff_a).get(_hls_url(live_conference))
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == (
        f"/internal-hls/{live_conference.published_key}/index.m3u8"
    )


def test_the_list_shows_surgery_to_staff_and_filters(login, staff_a, conference, surgery):
    client = login(staff_a)
    url = reverse("live:events")
    html = client.get(url).content.decode()
    assert conference.title in html and surgery.title in html
    only = client.get(url, {"kind": "surgery"}).content.decode()
    assert surgery.title in only and conference.title not in only
    found = client.get(url, {"q": "胆囊"}).content.decode()
    assert surgery.title in found and conference.title not in found
    assert "No event matches your search." in client.get(url, {"when": "past"}).content.decode()
    assert conference.title in client.get(url, {"when": "upcoming"}).content.decode()


def test_the_list_is_paginated_with_a_fixed_number_of_queries(
    login, manager, lead_hospital, django_assert_max_num_queries
):
    from ..services import create_event
    from .conftest import event_data

    for n in range(25):
        create_event(event_data(lead_hospital, title=f"讲座 {n}"), actor=manager)
    client = login(manager)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("live:events"))
    assert page.content.decode().count("data-event=") == settings.YILIAN_PAGE_SIZE
    assert "Page 1 of 2" in page.content.decode()


def test_the_event_q_and_a_takes_no_files(login, staff_a, conference):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from yilian.core.pdf import placeholder_pdf
    from yilian.realtime.models import ChatMessage

    upload = SimpleUploadedFile("x.pdf", placeholder_pdf("x"), content_type="application/pdf")
    response = login(staff_a).post(
        reverse("realtime:upload", args=[conference.chat.public_id]),
        {"file": upload, "id": "6f1c7a52-2f55-4b8e-9d1a-0c3f3d6f5a11"},
    )
    assert response.status_code == 403
    assert not ChatMessage.objects.filter(session=conference.chat).exists()
