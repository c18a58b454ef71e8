"""The remote-medical part of the demo seeder: consultation teams at the lead hospital in
several specialties, the demo expert leading the MDT team; a second run creates nothing."""

from __future__ import annotations

import pytest

from yilian.orgs import demo
from yilian.orgs.models import Specialty, Team

from ..demo import MDT_TEAM

pytestmark = pytest.mark.django_db


def test_demo_seeding_sets_up_consultation_teams_and_is_idempotent():
    first = demo.run_seed("small")

    assert "medical" in first.created
    serving = Team.objects.filter(hospital__is_lead=True, services__kind="consultation")
    specialties = set(serving.values_list("specialty", flat=True))
    assert {Specialty.ONCOLOGY, Specialty.RADIOLOGY, Specialty.PATHOLOGY} <= specialties
    expert = next(d for d in demo.DEMO_LOGINS if d.role == "expert")
    mdt = Team.objects.get(hospital__is_lead=True, name=MDT_TEAM)
    assert mdt.lead.phone == expert.phone == "13800000005"
    members = list(mdt.members.select_related("department"))
    departments = {m.department_id for m in members if m.department_id}
    assert len(departments) >= 2  # an MDT can be confirmed with experts of two departments

    second = demo.run_seed("small")
    assert second.created["medical"] == 0
