"""The sentinel part of the demo seeder: the ILI programme with its sites and 20 weeks, one
baseline alert from the spike; a second run creates nothing."""

from __future__ import annotations

import pytest

from yilian.orgs import demo

from ..models import Alert, Programme, RuleKind, WeeklyReport

pytestmark = pytest.mark.django_db


def test_demo_seeds_the_ili_programme_with_one_spike_alert():
    first = demo.run_seed("small")
    assert first.created["sentinel"] > 60
    programme = Programme.objects.get(code="ili")
    assert 3 <= programme.sites.count() <= 5
    assert WeeklyReport.objects.filter(site__programme=programme).count() >= 70
    alert = Alert.objects.get()
    assert (
        alert.rule.kind == RuleKind.BASELINE and alert.site.hospital.name == demo.DEMO_HOSPITAL_NAME
    )

    second = demo.run_seed("small")
    assert second.created["sentinel"] == 0
    assert Alert.objects.count() == 1
