"""The teaching figures: watch hours and credits issued are sums of amounts, shown in
hours and credits, for the alliance, a hospital and per tier."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from yilian.analytics.models import Metric
from yilian.analytics.selectors import dashboard, default_filters, teaching_by_tier
from yilian.analytics.services import record_activity, record_credits, record_watch_time
from yilian.core.tests.html import parse

pytestmark = pytest.mark.django_db


def _values(board) -> dict[str, float]:
    return {v.figure.key: v.current for v in board.values}


def test_watch_hours_and_credits_are_summed_in_their_units(staff_a, staff_b):
    record_watch_time(user=staff_a, seconds=3600, kind="conference_live")
    record_watch_time(user=staff_b, seconds=1800, kind="surgery_demo")
    record_credits(user=staff_a, credits=Decimal("2.0"), kind="cme_class")
    record_credits(user=staff_b, credits=Decimal("0.5"), kind="cme_class")
    record_activity(action=Metric.TRAINING, user=staff_a, hospital=staff_a.hospital, kind="x")

    values = _values(dashboard(default_filters()))

    assert values["watch_hours"] == 1.5
    assert values["credits"] == 2.5
    assert values["training"] == 1
    # Amounts are not interactions: the count of business interactions is untouched by them.
    assert values["interactions"] == 1


def test_a_hospital_admin_sees_their_hospital_beside_its_tier(staff_a, staff_b, hospital_a):
    record_watch_time(user=staff_a, seconds=7200, kind="conference_live")
    record_watch_time(user=staff_b, seconds=3600, kind="conference_live")

    board = dashboard(default_filters(), scope_hospital=hospital_a)
    watch = next(v for v in board.values if v.figure.key == "watch_hours")

    assert watch.current == 2.0
    assert watch.tier_average == 1.5  # both hospitals are of the same tier


def test_teaching_figures_per_tier(staff_a, lead_hospital, manager, hospital_a):
    record_credits(user=staff_a, credits=Decimal("1.5"), kind="cme_class")
    record_credits(user=manager, credits=Decimal("3.0"), kind="cme_class")

    rows = {r.tier: r.values for r in teaching_by_tier(default_filters())}

    assert rows[hospital_a.tier]["credits"] == 1.5
    assert rows[lead_hospital.tier]["credits"] == 3.0


def test_the_dashboard_page_shows_the_teaching_figures(login, manager, staff_a):
    record_watch_time(user=staff_a, seconds=5400, kind="conference_live")
    page = parse(login(manager).get(reverse("analytics:dashboard")))
    card = page.one(**{"data-figure": "watch_hours"}).one(**{"data-current": True})
    assert card.text.strip() == "1.5"
    assert page.find(id="teaching-tiers") is not None
