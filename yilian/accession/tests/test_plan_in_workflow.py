"""The approved cooperation plan governs what a hospital may apply for."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from yilian.orgs.models import CooperationPlan
from yilian.workflow.models import BusinessRequest
from yilian.workflow.services import create_request


def test_a_hospital_whose_plan_disables_consultations_cannot_apply_for_one(client, staff_a):
    CooperationPlan.objects.create(hospital=staff_a.hospital, disabled_kinds=["consultation"])

    with pytest.raises(PermissionDenied) as refused:
        create_request(kind="consultation", applicant=staff_a, title="疑难病例会诊")
    assert "cooperation plan does not cover Remote consultation" in str(refused.value)

    client.force_login(staff_a)
    page = client.get(reverse("workflow:apply_kind", args=["consultation"]))
    assert page.status_code == 403
    assert "cooperation plan does not cover" in page.content.decode()
    posted = client.post(
        reverse("workflow:apply_kind", args=["consultation"]),
        {"title": "会诊", "urgency": "routine"},
    )
    assert posted.status_code == 403
    assert not BusinessRequest.objects.exists()


def test_a_quota_refuses_the_request_beyond_it_saying_why(staff_a):
    CooperationPlan.objects.create(
        hospital=staff_a.hospital, quotas={"consultation": {"limit": 1, "per": "month"}}
    )
    create_request(kind="consultation", applicant=staff_a, title="第一例")

    with pytest.raises(PermissionDenied) as refused:
        create_request(kind="consultation", applicant=staff_a, title="第二例")

    assert "allows 1 Remote consultation requests per month" in str(refused.value)
    assert BusinessRequest.objects.count() == 1
