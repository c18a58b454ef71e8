"""The dashboard's figures: read from the rollups in a fixed number of queries, equal to
what the raw events say, at the paper's scale."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from freezegun import freeze_time

from yilian.analytics import selectors
from yilian.analytics.history import generate_history
from yilian.analytics.models import ActivityEvent
from yilian.analytics.selectors import FIGURES, Filters, dashboard, default_filters
from yilian.orgs import demo

pytestmark = pytest.mark.django_db


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
