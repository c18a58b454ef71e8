"""The organisers' pages: create and edit, the stream key (shown only to them, regenerated
on request), the patient-consent flag, viewers and watch time with export."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ..models import Audience, EventKind, EventStatus, LiveEvent, WatchTime
from ..services import credit_watch_time
from .conftest import go_live


def _local(dt) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


def _form(hospital, **overrides) -> dict:
    start = timezone.now() + timedelta(days=2)
    data = {
        "title": "县域卒中论坛",
        "kind": EventKind.CONFERENCE,
        "description": "溶栓与取栓",
        "starts_at": _local(start),
        "ends_at": _local(start + timedelta(hours=3)),
        "host_hospital": hospital.pk,
        "audience": Audience.PUBLIC,
    }
    data.update(overrides)
    return data


def test_a_manager_creates_an_event_with_its_key_and_chat(login, manager, lead_hospital, staff_a):
    client = login(manager)
    response = client.post(reverse("live:event_new"), _form(lead_hospital, organisers=[staff_a.pk]))
    event = LiveEvent.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("live:manage", args=[event.public_id])
    assert event.status == EventStatus.SCHEDULED and event.audience == Audience.PUBLIC
    assert len(event.stream_key) >= 32 and event.chat is not None
    assert list(event.organisers.all()) == [staff_a]


def test_a_bad_schedule_is_explained_and_the_input_kept(login, manager, lead_hospital):
    data = _form(lead_hospital)
    data["ends_at"] = data["starts_at"]
    response = login(manager).post(reverse("live:event_new"), data)
    assert response.status_code == 422
    assert "The end must come after the start." in response.content.decode()
    assert "县域卒中论坛" in response.content.decode()
    assert not LiveEvent.objects.exists()


@pytest.mark.parametrize("who", ["staff_a", "expert", "patient"])
def test_only_managers_create_events(login, request, who, lead_hospital):
    client = login(request.getfixturevalue(who))
    assert client.get(reverse("live:event_new")).status_code == 403
    assert client.post(reverse("live:event_new"), _form(lead_hospital)).status_code == 403
    assert not LiveEvent.objects.exists()


def test_a_named_organiser_sees_the_key_and_a_viewer_does_not(
    login, manager, staff_a, staff_b, conference
):
    conference.organisers.add(staff_a)
    page = login(staff_a).get(reverse("live:manage", args=[conference.public_id]))
    assert page.status_code == 200 and conference.stream_key in page.content.decode()
    viewer = login(staff_b)
    assert viewer.get(reverse("live:manage", args=[conference.public_id])).status_code == 404
    event_page = viewer.get(reverse("live:event", args=[conference.public_id])).content.decode()
    assert conference.stream_key not in event_page


def test_regenerating_the_key_needs_an_organiser(login, manager, staff_b, conference):
    old = conference.stream_key
    assert (
        login(staff_b).post(reverse("live:regenerate", args=[conference.public_id])).status_code
        == 404
    )
    conference.refresh_from_db()
    assert conference.stream_key == old
    login(manager).post(reverse("live:regenerate", args=[conference.public_id]))
    conference.refresh_from_db()
    assert conference.stream_key != old


def test_the_consent_flag_is_recorded_with_who_and_when(login, manager, staff_b, surgery):
    url = reverse("live:consent", args=[surgery.public_id])
    assert login(staff_b).post(url, {"given": "1"}).status_code == 404
    surgery.refresh_from_db()
    assert not surgery.patient_consent
    login(manager).post(url, {"given": "1"})
    surgery.refresh_from_db()
    assert surgery.patient_consent and surgery.consent_recorded_by == manager
    assert surgery.consent_recorded_at is not None


def test_a_conference_records_no_consent(login, manager, conference):
    response = login(manager).post(
        reverse("live:consent", args=[conference.public_id]), {"given": "1"}, follow=True
    )
    assert "Only a surgery demonstration records patient consent." in response.content.decode()
    conference.refresh_from_db()
    assert not conference.patient_consent


def test_the_kind_cannot_change_while_live(login, manager, lead_hospital, conference):
    go_live(conference)
    data = _form(lead_hospital, kind=EventKind.SURGERY, title=conference.title)
    response = login(manager).post(reverse("live:event_edit", args=[conference.public_id]), data)
    assert response.status_code == 422
    assert "The kind cannot change while the event is live." in response.content.decode()
    conference.refresh_from_db()
    assert conference.kind == EventKind.CONFERENCE


def test_organisers_see_watch_minutes_per_viewer_and_export_them(
    login, manager, staff_a, staff_b, conference
):
    event = go_live(conference)
    t0 = timezone.now()
    for user, seconds in ((staff_a, 0), (staff_a, 45), (staff_a, 90), (staff_b, 0), (staff_b, 30)):
        credit_watch_time(event, user, now=t0 + timedelta(seconds=seconds))
    assert WatchTime.objects.get(user=staff_a).minutes == 2
    client = login(manager)
    page = client.get(reverse("live:manage", args=[event.public_id])).content.decode()
    assert staff_a.name in page and staff_b.name in page
    export = client.get(reverse("live:manage", args=[event.public_id]), {"format": "csv"})
    assert export["Content-Type"].startswith("text/csv")
    lines = export.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Name,Hospital,Minutes watched")
    assert lines[1].startswith(f"{staff_a.name},{staff_a.hospital.name},2,")
    assert lines[2].startswith(f"{staff_b.name},{staff_b.hospital.name},0,")
    assert (
        login(staff_b)
        .get(reverse("live:manage", args=[event.public_id]), {"format": "csv"})
        .status_code
        == 404
    )
