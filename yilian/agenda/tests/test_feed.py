"""The private calendar feed: what it holds, in which zone, for whom, and how it is revoked."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from yilian.agenda import services
from yilian.agenda.models import CalendarFeed
from yilian.core.links import token_hash
from yilian.core.logging import redact
from yilian.workflow.models import Status
from yilian.workflow.services import transition

pytestmark = pytest.mark.django_db


def fetch(client, token: str) -> Calendar:
    response = client.get(reverse("agenda:feed", args=[token]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def events(calendar: Calendar) -> dict[str, object]:
    return {str(e["uid"]): e for e in calendar.walk("VEVENT")}


def test_the_next_session_is_at_the_right_instant_in_the_host_hospitals_zone(
    client, scheduled, lead_hospital, staff_a
):
    # The expert team's hospital hosts the session; give it a zone other than the site's
    # so the test tells the host's zone from the server's.
    lead_hospital.time_zone = "Asia/Urumqi"
    lead_hospital.save()
    token = services.issue_feed(staff_a)

    calendar = fetch(client, token)

    event = events(calendar)[f"session-{scheduled.public_id}@yilian"]
    start = event.decoded("dtstart")
    assert str(start.tzinfo) == "Asia/Urumqi"
    assert start.astimezone(UTC) == scheduled.scheduled_start.astimezone(UTC)
    assert event.decoded("dtend").astimezone(UTC) == scheduled.scheduled_end.astimezone(UTC)
    assert str(event["url"]).endswith(reverse("workflow:detail", args=[scheduled.public_id]))
    # The zone is described in the document itself, so any calendar can place the entry.
    assert [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")] == ["Asia/Urumqi"]


def test_entries_carry_no_patient_details(client, scheduled, staff_a):
    token = services.issue_feed(staff_a)
    body = client.get(reverse("agenda:feed", args=[token])).content.decode()
    assert f"session-{scheduled.public_id}@yilian" in body
    assert scheduled.title not in body


def test_another_hospitals_person_does_not_see_the_session(client, scheduled, staff_b):
    token = services.issue_feed(staff_b)
    assert f"session-{scheduled.public_id}@yilian" not in events(fetch(client, token))


def test_a_doctors_follow_up_visits_are_all_day_entries(client, plan, staff_a):
    token = services.issue_feed(staff_a)
    found = events(fetch(client, token))
    visits = list(plan.visits.order_by("number"))
    assert visits, "the plan has visits"
    for visit in visits:
        event = found[f"follow-up-visit-{visit.public_id}@yilian"]
        assert event.decoded("dtstart") == visit.due_date
        assert plan.patient.name not in str(event["summary"])


def test_only_the_hash_of_the_address_is_kept(staff_a):
    token = services.issue_feed(staff_a)
    feed = CalendarFeed.objects.get(user=staff_a)
    assert feed.token_hash == token_hash(token)
    assert token not in feed.token_hash


def test_a_new_address_replaces_the_old_and_revoking_ends_it(client, staff_a):
    old = services.issue_feed(staff_a)
    new = services.issue_feed(staff_a)
    assert client.get(reverse("agenda:feed", args=[old])).status_code == 404
    assert client.get(reverse("agenda:feed", args=[new])).status_code == 200
    assert services.revoke_feed(staff_a) is True
    assert client.get(reverse("agenda:feed", args=[new])).status_code == 404
    assert services.revoke_feed(staff_a) is False


def test_a_disabled_account_s_address_stops_working(client, staff_a):
    token = services.issue_feed(staff_a)
    staff_a.is_active = False
    staff_a.save()
    assert client.get(reverse("agenda:feed", args=[token])).status_code == 404


def test_fetching_records_when(client, staff_a):
    token = services.issue_feed(staff_a)
    before = timezone.now()
    fetch(client, token)
    assert CalendarFeed.objects.get(user=staff_a).last_fetched_at >= before


def test_the_address_is_shown_once(client, staff_a):
    client.force_login(staff_a)
    url = reverse("agenda:settings")
    made = client.post(url, {"action": "issue"})
    assert made.status_code == 200
    shown = made.context["feed_url"]
    token = shown.rsplit("/", 1)[1].removesuffix(".ics")
    assert CalendarFeed.objects.get(user=staff_a).token_hash == token_hash(token)
    assert token not in client.get(url).content.decode()


def test_revoking_from_the_page(client, staff_a):
    client.force_login(staff_a)
    services.issue_feed(staff_a)
    response = client.post(reverse("agenda:settings"), {"action": "revoke"})
    assert response.status_code == 302
    assert not CalendarFeed.objects.filter(user=staff_a).exists()


def test_patients_have_no_calendar_page(client, patient):
    client.force_login(patient)
    assert client.get(reverse("agenda:settings")).status_code == 403


def test_the_address_never_reaches_a_log_line():
    assert redact("GET /calendar/feed/s3cr3t-token.ics HTTP/1.1") == "GET /calendar/feed/- HTTP/1.1"


def test_a_hospital_zone_must_be_a_known_zone(hospital_a):
    hospital_a.time_zone = "Mars/Olympus_Mons"
    with pytest.raises(ValidationError):
        hospital_a.full_clean()
    hospital_a.time_zone = "Asia/Shanghai"
    hospital_a.full_clean()


def test_entries_outside_the_window_are_left_out(client, loop, staff_a):
    far = timezone.now() + timedelta(days=400)
    request = loop.advance(loop.new(), Status.DISPATCHED)
    request = transition(
        request,
        "confirm",
        actor=loop.expert,
        scheduled_start=far,
        scheduled_end=far + timedelta(hours=1),
        form="video",
        arrangement="",
    )
    token = services.issue_feed(staff_a)
    assert f"session-{request.public_id}@yilian" not in events(fetch(client, token))
