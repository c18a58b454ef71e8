"""The dashboard's figures: read from the rollups in a fixed number of queries, equal to
what the raw events say, at the paper's scale."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from freezegun import freeze_time

from yilian.analytics import selectors
from yilian.analytics.history import generate_history
from yilian.analytics.models import ActivityEvent
from yilian.analytics.selectors import (
    FIGURES,
    Filters,
    dashboard,
    default_filters,
)
from yilian.analytics.services import record_activity
from yilian.orgs import demo
from yilian.orgs.models import Hospital
from yilian.orgs.tests.factories import HospitalFactory, division

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _queries(filters: Filters, **kwargs) -> int:
    with CaptureQueriesContext(connection) as queries:
        dashboard(filters, **kwargs)
    return len(queries)


def test_the_dashboard_reads_a_fixed_number_of_queries_whatever_the_volume(
    hospital_a, hospital_b, lead_hospital
):
    filters = default_filters()
    generate_history(volume=0.001, today=filters.end)
    few = _queries(filters)
    scoped_few = _queries(filters, scope_hospital=hospital_a)

    generate_history(volume=0.02, today=filters.end, seed=5)

    assert ActivityEvent.objects.count() > 10_000
    assert _queries(filters) == few
    assert _queries(filters, scope_hospital=hospital_a) == scoped_few


def _raw(filters: Filters, figure: selectors.Figure) -> int:
    """The figure counted from the events themselves (no rollups)."""
    zone = timezone.get_current_timezone()
    start = datetime.combine(filters.start, time.min, tzinfo=zone)
    end = datetime.combine(filters.end + timedelta(days=1), time.min, tzinfo=zone)
    events = ActivityEvent.objects.filter(
        occurred_at__gte=start, occurred_at__lt=end, hospital__isnull=False
    ).filter(action__in=figure.metrics)
    if figure.kinds is not None:
        events = events.filter(kind__in=figure.kinds)
    return events.count()


@freeze_time("2026-11-26 10:00:00+08:00")  # late in the year: growth is over eleven months
def test_paper_scale_alliance_with_generated_history_matches_the_raw_events():
    demo.run_seed("paper")
    today = timezone.localdate()
    board = dashboard(default_filters())

    summary = board.summary
    assert (summary.institutions, summary.provinces_covered, summary.provinces_total) == (
        1021,
        31,
        31,
    )
    assert {s.key: s.percent for s in summary.tiers} == {
        "province": 9.0,
        "city": 53.0,
        "county": 38.0,
    }
    filters = board.filters
    assert (filters.start, filters.end) == (date(today.year, 1, 1), today)
    for value in board.values:
        current = _raw(filters, value.figure)
        previous = _raw(filters.previous, value.figure)
        assert (value.current, value.previous) == (current, previous), value.figure.key
        if previous:
            assert value.growth == round(100 * (current - previous) / previous, 1)
    growth = {v.figure.key: v.growth for v in board.values}
    # The generated history grows as the paper reports, within sampling noise (the figures
    # with thousands of events; the demo's own consultations add to the small ones).
    assert 30 < growth["logins"] < 40
    assert 65 < growth["training"] < 80
    assert growth["consultations"] > 20
    assert {f.key for f in FIGURES} == set(growth)


# Periods whose edges fall mid-month, on month ends, on a leap day, within one month, across
# a new year, and longer than a year (the comparison year overlaps the period).
PERIODS = (
    (date(2026, 1, 15), date(2026, 11, 20)),
    (date(2025, 2, 28), date(2026, 3, 1)),
    (date(2026, 3, 1), date(2026, 3, 31)),
    (date(2026, 5, 10), date(2026, 5, 20)),
    (date(2024, 2, 29), date(2026, 2, 28)),
    (date(2025, 12, 31), date(2026, 1, 1)),
    (date(2024, 1, 1), date(2026, 12, 31)),
)
ACTIONS = ("login", "submit", "complete", "training", "watch_seconds", "credits")
KINDS = ("", "consultation", "referral", "study_visit", "conference_live", "cme_class")


Event = tuple[date, Hospital, str, str, int]  # local day, hospital, kind, action, amount


@pytest.fixture
def history(lead_hospital, hospital_a, hospital_b) -> list[Event]:
    """Events counted as they happen, spread over 2023–2026 and packed around the periods'
    edges (minutes after and before local midnight), in two provinces and three tiers."""
    elsewhere = HospitalFactory(
        alliance=lead_hospital.alliance,
        tier=Hospital.Tier.CITY,
        division=division("320400", "常州市"),
    )
    hospitals = [lead_hospital, hospital_a, hospital_b, elsewhere]
    rng = random.Random(31)
    moments = [
        datetime(2023, 1, 1, tzinfo=SHANGHAI) + timedelta(minutes=rng.randrange(4 * 365 * 1440))
        for _ in range(300)
    ]
    for period in PERIODS:
        for edge in {d for day in period for d in (day, Filters(day, day).previous.start)}:
            for shift in (-1, 0, 1):
                midnight = datetime.combine(edge + timedelta(days=shift), time.min, SHANGHAI)
                moments += [midnight + timedelta(minutes=5), midnight + timedelta(minutes=1435)]
    events: list[Event] = []
    for moment in moments:
        action, kind, hospital = rng.choice(ACTIONS), rng.choice(KINDS), rng.choice(hospitals)
        amount = rng.randrange(1, 5000) if action in ("watch_seconds", "credits") else 1
        record_activity(
            action=action, user=None, hospital=hospital, kind=kind, at=moment, amount=amount
        )
        events.append((moment.astimezone(SHANGHAI).date(), hospital, kind, action, amount))
    return events


def _per_month(events, figure, start: date, end: date, keep) -> dict[date, int]:
    """``figure`` counted from the events of ``start``–``end`` whose hospital, kind and
    action ``keep`` keeps, per month (no rollups)."""
    months: dict[date, int] = defaultdict(int)
    for day, hospital, kind, action, amount in events:
        if start <= day <= end and figure.counts(kind, action) and keep(hospital, kind, action):
            months[day.replace(day=1)] += amount if figure.summed else 1
    return months


def _sum(events, figure, start: date, end: date, keep) -> int:
    return sum(_per_month(events, figure, start, end, keep).values())


def _months(start: date, end: date) -> list[date]:
    months, cursor = [], start.replace(day=1)
    while cursor <= end:
        months.append(cursor)
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    return months


def _everything(hospital: Hospital, kind: str, action: str) -> bool:
    return True


def _in_320000(hospital: Hospital, kind: str, action: str) -> bool:
    return hospital.province_code == "320000"


def _referrals_and_logins(hospital: Hospital, kind: str, action: str) -> bool:
    return kind == "referral" or action == "login"


def _both(first, second):
    return lambda hospital, kind, action: (
        first(hospital, kind, action) and second(hospital, kind, action)
    )


@pytest.mark.parametrize("variant", ["alliance", "province", "business", "hospital"])
def test_every_figure_is_exact_for_periods_cut_anywhere(history, hospital_a, variant):
    """Whole months come from the monthly rollups and the edge days from the daily ones;
    together they are what the events themselves say, for the headline figures, each
    month of the trend (its days inside the period), the province ranking, the teaching
    figures per tier and a hospital's tier average."""
    narrow, keep, scope = {}, _everything, None
    if variant == "province":
        narrow, keep = {"province": "320000"}, _in_320000
    elif variant == "business":
        narrow, keep = {"kind": "referral"}, _referrals_and_logins
    elif variant == "hospital":
        scope = hospital_a
        keep = lambda hospital, kind, action: hospital == hospital_a  # noqa: E731
    peers = Hospital.objects.filter(status=Hospital.Status.ACTIVE, tier=hospital_a.tier)
    interactions = next(f for f in FIGURES if f.key == "interactions")
    teaching = [f for f in FIGURES if f.key in selectors.TEACHING_FIGURES]
    places = {event[1] for event in history}

    for start, end in PERIODS:
        filters = Filters(start=start, end=end, **narrow)
        previous = filters.previous
        board = dashboard(filters, scope_hospital=scope)

        assert [m.month for m in board.months] == _months(start, end)
        assert [m.month for m in board.previous_months] == _months(previous.start, previous.end)
        for value in board.values:
            figure, label = value.figure, (start, end, value.figure.key)
            now = _per_month(history, figure, start, end, keep)
            before = _per_month(history, figure, previous.start, previous.end, keep)
            assert value.current == figure.shown(sum(now.values())), label
            assert value.previous == figure.shown(sum(before.values())), label
            assert [m.values[figure.key] for m in board.months] == [
                figure.shown(now.get(m.month, 0)) for m in board.months
            ], label
            assert [m.values[figure.key] for m in board.previous_months] == [
                figure.shown(before.get(m.month, 0)) for m in board.previous_months
            ], label
            if scope is not None:
                of_tier = lambda h, k, a: h.tier == hospital_a.tier  # noqa: E731
                tier = _per_month(history, figure, start, end, of_tier)
                # None when the tier has no such events at all
                expected = round(sum(tier.values()) / figure.unit / peers.count(), 1)
                assert value.tier_average == (expected if tier else None), label

        provinces = {
            code: n
            for code in {h.province_code for h in places}
            if (n := _sum(history, interactions, start, end, _both(keep, _of_province(code))))
        }
        assert {s.key: s.count for s in board.provinces} == provinces, (start, end)
        teaching_metrics = {m for f in teaching for m in f.metrics}
        tiers = {
            hospital.tier: {
                f.key: f.shown(_sum(history, f, start, end, _both(keep, _of_tier(hospital.tier))))
                for f in teaching
            }
            for day, hospital, kind, action, _amount in history
            if start <= day <= end and keep(hospital, kind, action) and action in teaching_metrics
        }
        assert {t.tier: t.values for t in board.teaching_tiers} == tiers, (start, end)


def _of_province(code: str):
    return lambda hospital, kind, action: hospital.province_code == code


def _of_tier(tier: str):
    return lambda hospital, kind, action: hospital.tier == tier
