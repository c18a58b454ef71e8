"""A learner's CME sessions are in their calendar feed; others' are not."""

from __future__ import annotations

from datetime import UTC

import pytest
from django.urls import reverse
from icalendar import Calendar

from yilian.agenda.services import issue_feed

from ..cme_services import cancel_enrolment, enrol

pytestmark = pytest.mark.django_db


def feed_events(client, user) -> dict[str, object]:
    token = issue_feed(user)
    calendar = Calendar.from_ical(client.get(reverse("agenda:feed", args=[token])).content)
    return {str(e["uid"]): e for e in calendar.walk("VEVENT")}


def test_an_enrolled_learner_finds_the_session_in_the_feed(client, cme_class, staff_a, staff_b):
    session = cme_class.sessions.get()
    uid = f"cme-session-{session.public_id}@yilian"
    enrol(cme_class, learner=staff_a)

    event = feed_events(client, staff_a)[uid]
    # iCalendar keeps whole seconds.
    expected = session.starts_at.astimezone(UTC).replace(microsecond=0)
    assert event.decoded("dtstart").astimezone(UTC) == expected
    assert str(event["location"]) == session.place
    assert uid not in feed_events(client, staff_b)


def test_a_cancelled_enrolment_leaves_the_feed(client, cme_class, staff_a):
    session = cme_class.sessions.get()
    enrolment = enrol(cme_class, learner=staff_a)
    cancel_enrolment(enrolment, actor=staff_a)
    assert f"cme-session-{session.public_id}@yilian" not in feed_events(client, staff_a)
