"""Watch time by heartbeat: each heartbeat credits the time since the viewer's last one,
capped; tabs and devices of one viewer share one clock; only a live event earns time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from yilian.analytics.models import ActivityEvent, Metric

from ..models import WatchTime
from ..services import HEARTBEAT_CAP_SECONDS, credit_watch_time
from .conftest import callback, go_live


@pytest.fixture
def live(conference):
    return go_live(conference)


def _seconds(event, user) -> int:
    return WatchTime.objects.get(event=event, user=user).seconds


def test_the_first_heartbeat_starts_the_clock_and_the_next_credits_the_interval(live, staff_a):
    t0 = timezone.now()
    assert credit_watch_time(live, staff_a, now=t0) == 0
    assert credit_watch_time(live, staff_a, now=t0 + timedelta(seconds=30)) == 30
    assert credit_watch_time(live, staff_a, now=t0 + timedelta(seconds=58)) == 28
    assert _seconds(live, staff_a) == 58


def test_a_late_heartbeat_credits_at_most_the_cap(live, staff_a):
    t0 = timezone.now()
    credit_watch_time(live, staff_a, now=t0)
    credit = credit_watch_time(live, staff_a, now=t0 + timedelta(minutes=20))
    assert credit == HEARTBEAT_CAP_SECONDS
    assert _seconds(live, staff_a) == HEARTBEAT_CAP_SECONDS


def test_two_tabs_of_one_viewer_count_once(live, staff_a):
    """Tab A beats at 0, 30, 60, 90 s and tab B at 15, 45, 75 s: 90 s of wall time were
    watched, not 165."""
    t0 = timezone.now()
    beats = sorted([*(0, 30, 60, 90), *(15, 45, 75)])  # tab A, tab B
    for second in beats:
        credit_watch_time(live, staff_a, now=t0 + timedelta(seconds=second))
    assert _seconds(live, staff_a) == 90
    assert WatchTime.objects.filter(event=live, user=staff_a).count() == 1


def test_a_stale_heartbeat_from_another_tab_credits_nothing(live, staff_a):
    t0 = timezone.now()
    credit_watch_time(live, staff_a, now=t0)
    credit_watch_time(live, staff_a, now=t0 + timedelta(seconds=30))
    assert credit_watch_time(live, staff_a, now=t0 + timedelta(seconds=20)) == 0
    assert credit_watch_time(live, staff_a, now=t0 + timedelta(seconds=30)) == 0
    assert _seconds(live, staff_a) == 30


def test_viewers_are_credited_separately(live, staff_a, staff_b):
    t0 = timezone.now()
    for user in (staff_a, staff_b):
        credit_watch_time(live, user, now=t0)
    credit_watch_time(live, staff_a, now=t0 + timedelta(seconds=30))
    assert _seconds(live, staff_a) == 30
    assert _seconds(live, staff_b) == 0


def test_an_event_that_is_not_live_earns_nothing(client, conference, staff_a):
    assert credit_watch_time(conference, staff_a) == 0
    assert not WatchTime.objects.exists()
    go_live(conference)
    t0 = timezone.now()
    credit_watch_time(conference, staff_a, now=t0)
    callback(client, "publish_done", conference.stream_key)
    assert credit_watch_time(conference, staff_a, now=t0 + timedelta(seconds=30)) == 0
    assert _seconds(conference, staff_a) == 0


def test_someone_outside_the_audience_is_refused(consented_surgery, patient):
    event = go_live(consented_surgery)
    with pytest.raises(PermissionDenied):
        credit_watch_time(event, patient)
    assert not WatchTime.objects.exists()


def test_the_first_heartbeat_counts_one_training_participation(
    live, staff_a, django_capture_on_commit_callbacks
):
    before = ActivityEvent.objects.filter(action=Metric.TRAINING).count()
    t0 = timezone.now()
    for seconds in (0, 30, 60):
        with django_capture_on_commit_callbacks(execute=True):
            credit_watch_time(live, staff_a, now=t0 + timedelta(seconds=seconds))
    events = ActivityEvent.objects.filter(action=Metric.TRAINING)
    assert events.count() == before + 1
    assert events.latest("id").kind == "conference_live"


def test_the_heartbeat_endpoint_credits_the_signed_in_viewer(login, staff_a, live):
    client = login(staff_a)
    url = reverse("live:heartbeat", args=[live.public_id])
    first = client.post(url)
    assert first.status_code == 200 and first.json() == {"credited": 0, "seconds": 0}
    WatchTime.objects.filter(event=live, user=staff_a).update(
        last_heartbeat_at=timezone.now() - timedelta(seconds=30)
    )
    second = client.post(url).json()
    assert 30 <= second["credited"] <= HEARTBEAT_CAP_SECONDS
    assert second["seconds"] == _seconds(live, staff_a) == second["credited"]
    assert client.get(url).status_code == 405


def test_credited_seconds_reach_the_watch_hours_figure(
    live, staff_a, django_capture_on_commit_callbacks
):
    t0 = timezone.now()
    for seconds in (0, 30, 75, 75):  # the last is the other tab's repeat: nothing new
        with django_capture_on_commit_callbacks(execute=True):
            credit_watch_time(live, staff_a, now=t0 + timedelta(seconds=seconds))
    watched = ActivityEvent.objects.filter(action=Metric.WATCH_SECONDS, user=staff_a)
    assert sorted(watched.values_list("amount", flat=True)) == [30, 45]
    assert {e.kind for e in watched} == {"conference_live"}
    assert {e.hospital_id for e in watched} == {staff_a.hospital_id}
    assert sum(watched.values_list("amount", flat=True)) == _seconds(live, staff_a)
