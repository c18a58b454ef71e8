"""The activity log and its daily and monthly rollups: counted on commit, rebuilt
identically."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from conftest import PASSWORD
from yilian.analytics.models import ActivityEvent, DailyRollup, Metric, MonthlyRollup
from yilian.analytics.services import (
    rebuild_rollups,
    record_activity,
    record_credits,
    record_watch_time,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


def _rollups() -> dict[tuple[date, int, str, str], int]:
    return {(r.date, r.hospital_id, r.kind, r.metric): r.count for r in DailyRollup.objects.all()}


def _totals() -> dict[tuple[date, int, str, str], int]:
    return {(r.date, r.hospital_id, r.kind, r.metric): r.total for r in DailyRollup.objects.all()}


def _monthly() -> dict[tuple[date, int, str, str], tuple[int, int]]:
    return {
        (r.month, r.hospital_id, r.kind, r.metric): (r.count, r.total)
        for r in MonthlyRollup.objects.all()
    }


def _local_day(e: ActivityEvent) -> date:
    return e.occurred_at.astimezone(SHANGHAI).date()


def test_an_event_counts_on_its_day_in_the_alliance_time_zone(hospital_a):
    late = datetime(2026, 3, 1, 23, 30, tzinfo=SHANGHAI)  # 15:30 UTC the same day
    record_activity(action="submit", user=None, hospital=hospital_a, kind="referral", at=late)
    record_activity(
        action="submit",
        user=None,
        hospital=hospital_a,
        kind="referral",
        at=late + timedelta(hours=1),
    )
    record_activity(action="submit", user=None, hospital=hospital_a, kind="referral", at=late)

    assert _rollups() == {
        (date(2026, 3, 1), hospital_a.pk, "referral", "submit"): 2,
        (date(2026, 3, 2), hospital_a.pk, "referral", "submit"): 1,
    }
    assert _monthly() == {(date(2026, 3, 1), hospital_a.pk, "referral", "submit"): (3, 3)}


def test_an_event_counts_in_its_month_in_the_alliance_time_zone(hospital_a):
    late = datetime(2026, 3, 31, 23, 30, tzinfo=SHANGHAI)  # 15:30 UTC, still March there
    record_activity(action="login", user=None, hospital=hospital_a, at=late)
    record_activity(action="login", user=None, hospital=hospital_a, at=late + timedelta(hours=1))

    assert _monthly() == {
        (date(2026, 3, 1), hospital_a.pk, "", "login"): (1, 1),
        (date(2026, 4, 1), hospital_a.pk, "", "login"): (1, 1),
    }


def test_an_event_without_a_hospital_is_kept_but_not_rolled_up(manager):
    record_activity(action=Metric.LOGIN, user=manager, hospital=None)

    assert ActivityEvent.objects.count() == 1
    assert DailyRollup.objects.count() == MonthlyRollup.objects.count() == 0


def test_an_event_and_its_count_are_written_together(hospital_a):
    with pytest.raises(RuntimeError), transaction.atomic():
        record_activity(action="submit", user=None, hospital=hospital_a, kind="referral")
        raise RuntimeError("the business action failed after counting")

    assert ActivityEvent.objects.count() == 0
    assert DailyRollup.objects.count() == MonthlyRollup.objects.count() == 0


def test_rebuild_reproduces_the_incremental_rollups_exactly(lead_hospital, hospital_a, hospital_b):
    rng = random.Random(7)
    hospitals = [lead_hospital, hospital_a, hospital_b, None]
    start = datetime(2025, 12, 30, 0, 0, tzinfo=SHANGHAI)
    for _ in range(400):
        action = rng.choice(["login", "submit", "complete", "training", "watch_seconds", "credits"])
        record_activity(
            action=action,
            user=None,
            hospital=rng.choice(hospitals),
            kind=rng.choice(["", "consultation", "referral"]),
            # around midnights and the new year, where a wrong time zone would show
            at=start + timedelta(minutes=rng.randrange(4 * 24 * 60)),
            amount=rng.randrange(1, 5000) if action in ("watch_seconds", "credits") else 1,
        )
    incremental = _rollups()
    incremental_totals = _totals()
    incremental_monthly = _monthly()

    call_command("rebuild_rollups", stdout=open("/dev/null", "w"))  # noqa: SIM115

    assert _rollups() == incremental
    assert _totals() == incremental_totals
    assert _monthly() == incremental_monthly
    events = list(ActivityEvent.objects.filter(hospital__isnull=False))
    summed = Counter()
    for e in events:
        summed[(_local_day(e), e.hospital_id, e.kind, e.action)] += e.amount
    assert incremental_totals == dict(summed)
    by_day = Counter((_local_day(e), e.hospital_id, e.kind, e.action) for e in events)
    assert incremental == dict(by_day)
    assert sum(incremental.values()) == ActivityEvent.objects.exclude(hospital=None).count()
    by_month: dict[tuple[date, int, str, str], tuple[int, int]] = {}
    for e in events:
        key = (_local_day(e).replace(day=1), e.hospital_id, e.kind, e.action)
        count, total = by_month.get(key, (0, 0))
        by_month[key] = (count + 1, total + e.amount)
    assert incremental_monthly == by_month
    assert {month for month, *_ in by_month} == {
        date(2025, 12, 1),
        date(2026, 1, 1),
    }  # the events cross a new year


def test_watch_time_and_credits_are_summed_per_day(hospital_a, staff_a):
    record_watch_time(user=staff_a, seconds=1800, kind="conference_live")
    record_watch_time(user=staff_a, seconds=5400, kind="conference_live")
    record_watch_time(user=staff_a, seconds=0, kind="conference_live")  # nothing to count
    record_credits(user=staff_a, credits=Decimal("1.5"), kind="cme_class")

    rows = {(r.kind, r.metric): (r.count, r.total) for r in DailyRollup.objects.all()}
    assert rows == {
        ("conference_live", Metric.WATCH_SECONDS): (2, 7200),
        ("cme_class", Metric.CREDITS): (1, 15),
    }


def test_rebuild_repairs_damaged_rollups(hospital_a, hospital_b):
    for hospital in (hospital_a, hospital_a, hospital_b):
        record_activity(action="complete", user=None, hospital=hospital, kind="consultation")
    expected, expected_monthly = _rollups(), _monthly()
    DailyRollup.objects.filter(hospital=hospital_a).update(count=99)
    DailyRollup.objects.filter(hospital=hospital_b).delete()
    MonthlyRollup.objects.filter(hospital=hospital_a).update(total=7)
    MonthlyRollup.objects.filter(hospital=hospital_b).delete()

    assert rebuild_rollups() == 2
    assert _rollups() == expected
    assert _monthly() == expected_monthly


def test_activity_events_are_append_only(hospital_a):
    event = record_activity(action="submit", user=None, hospital=hospital_a, kind="referral")

    event.action = "close"
    with pytest.raises(ValueError, match="append-only"):
        event.save()


def test_a_login_is_an_activity_of_the_users_hospital(client, staff_a):
    response = client.post(
        reverse("accounts:login"), {"username": staff_a.phone, "password": PASSWORD}
    )

    assert response.status_code == 302
    event = ActivityEvent.objects.get()
    assert (event.user, event.hospital_id, event.action) == (staff_a, staff_a.hospital_id, "login")
    assert _rollups() == {
        (event.occurred_at.astimezone(SHANGHAI).date(), staff_a.hospital_id, "", "login"): 1
    }


def test_a_failed_login_is_not_counted(client, staff_a):
    client.post(reverse("accounts:login"), {"username": staff_a.phone, "password": "wrong"})

    assert not ActivityEvent.objects.exists()
