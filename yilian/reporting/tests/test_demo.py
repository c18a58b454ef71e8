"""The data-reporting part of the demo seeder: the monthly quality dataset with its
computed indicators and rules, periods, and reports in every state; a second run
creates nothing."""

from __future__ import annotations

import pytest

from yilian.orgs import demo

from ..demo import CODE
from ..models import Dataset, Status, Submission

pytestmark = pytest.mark.django_db


def test_demo_seeding_defines_the_monthly_dataset_with_reports_in_various_states():
    first = demo.run_seed("small")

    assert first.created["reporting"] > 24
    dataset = Dataset.objects.get(code=CODE)
    assert set(dataset.indicators.filter(type="computed").values_list("code", flat=True)) == {
        "avg_stay",
        "occupancy",
    }
    assert dataset.rules.filter(condition="infections <= discharges").exists()
    assert dataset.periods.count() == 24
    states = set(Submission.objects.values_list("status", flat=True))
    assert {Status.ACCEPTED, Status.RETURNED, Status.SUBMITTED, Status.DRAFT} <= states
    demo_draft = Submission.objects.get(hospital__name=demo.DEMO_HOSPITAL_NAME, status="draft")
    assert demo_draft.values.filter(indicator__code="avg_stay", number__isnull=False).exists()

    second = demo.run_seed("small")
    assert second.created["reporting"] == 0
    assert Dataset.objects.count() == 1
