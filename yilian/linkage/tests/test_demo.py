"""The linkage part of the demo seeder: real requests in several statuses; a second run
creates nothing."""

from __future__ import annotations

import pytest

from yilian.orgs import demo
from yilian.orgs.models import Team
from yilian.workflow.models import BusinessRequest, Status

from ..kinds import LINKAGE_KINDS
from ..models import SpecialBusinessType, StudyQuota

pytestmark = pytest.mark.django_db


def test_demo_seeding_fills_the_linkage_workbench_and_is_idempotent():
    first = demo.run_seed("small")

    assert first.created["linkage"] > 0
    requests = BusinessRequest.objects.filter(kind__in=LINKAGE_KINDS)
    statuses = set(requests.values_list("status", flat=True))
    assert {Status.DRAFT, Status.SUBMITTED, Status.CONFIRMED} <= statuses
    assert set(requests.values_list("kind", flat=True)) == LINKAGE_KINDS
    confirmed_study = requests.get(kind="advanced_study", status=Status.CONFIRMED)
    assert confirmed_study.contact
    expert = next(d for d in demo.DEMO_LOGINS if d.role == "expert")
    for kind in LINKAGE_KINDS:
        assert Team.objects.filter(
            hospital__is_lead=True, services__kind=kind, lead__phone=expert.phone
        ).exists(), kind
    special = SpecialBusinessType.objects.get(name="基层医师能力提升项目")
    assert [f.field_type for f in special.fields.all()] == ["choice", "number", "date", "long_text"]
    assert StudyQuota.objects.count() >= 4

    counts = (requests.count(), StudyQuota.objects.count(), SpecialBusinessType.objects.count())
    second = demo.run_seed("small")

    assert second.created["linkage"] == 0
    assert (
        BusinessRequest.objects.filter(kind__in=LINKAGE_KINDS).count(),
        StudyQuota.objects.count(),
        SpecialBusinessType.objects.count(),
    ) == counts
