"""The cast of sentinel monitoring: an influenza-like illness programme with four
indicators (two capped by another), hospitals A and B as its sentinel sites, a baseline rule
(8 weeks, 2 SD, at least 10) and a threshold rule (positives ≥ 30)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta

import pytest
from django.utils import translation

from ..models import AlertRule, Indicator, Programme, RuleKind, Site, WeeklyReport, monday_of
from ..services import submit_report


@pytest.fixture(autouse=True)
def _english(client) -> Iterator[None]:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


LAST_WEEK = monday_of(date.today()) - timedelta(weeks=1)


@pytest.fixture
def programme(db) -> Programme:
    programme = Programme.objects.create(code="ili", name="流感样病例监测")
    seen = Indicator.objects.create(programme=programme, code="seen", label="Seen", position=0)
    Indicator.objects.create(
        programme=programme, code="ili", label="ILI cases", position=1, not_above=seen
    )
    tested = Indicator.objects.create(
        programme=programme, code="tested", label="Tested", position=2
    )
    Indicator.objects.create(
        programme=programme, code="positive", label="Positive", position=3, not_above=tested
    )
    return programme


@pytest.fixture
def baseline_rule(programme) -> AlertRule:
    return AlertRule.objects.create(
        programme=programme,
        indicator=programme.indicators.get(code="ili"),
        name="ILI above baseline",
        kind=RuleKind.BASELINE,
        baseline_weeks=8,
        sd_multiplier=2,
        min_count=10,
    )


@pytest.fixture
def threshold_rule(programme) -> AlertRule:
    return AlertRule.objects.create(
        programme=programme,
        indicator=programme.indicators.get(code="positive"),
        name="Positives at threshold",
        kind=RuleKind.THRESHOLD,
        threshold=30,
        min_count=1,
    )


@pytest.fixture
def site_a(programme, hospital_a) -> Site:
    return Site.objects.create(
        programme=programme, hospital=hospital_a, since=LAST_WEEK - timedelta(weeks=40)
    )


@pytest.fixture
def site_b(programme, hospital_b) -> Site:
    return Site.objects.create(
        programme=programme, hospital=hospital_b, since=LAST_WEEK - timedelta(weeks=40)
    )


def values(ili: int, *, seen: int | None = None, tested: int = 10, positive: int = 2) -> dict:
    return {
        "seen": seen if seen is not None else ili * 20,
        "ili": ili,
        "tested": tested,
        "positive": positive,
    }


@pytest.fixture
def report_series(staff_a) -> Callable[..., list[WeeklyReport]]:
    """Report ``ili`` counts for consecutive weeks ending last week, oldest first."""

    def report(site: Site, series: list[int], actor=None) -> list[WeeklyReport]:
        first = LAST_WEEK - timedelta(weeks=len(series) - 1)
        return [
            submit_report(
                site, week=first + timedelta(weeks=n), values=values(v), actor=actor or staff_a
            )
            for n, v in enumerate(series)
        ]

    return report
