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


def test_demo_staff_has_a_submitted_consultation_and_a_referral_draft():
    from yilian.accounts.models import User
    from yilian.patients.models import Consent
    from yilian.workflow.models import BusinessRequest
    from yilian.workflow.selectors import requests_for_queue

    first = demo.run_seed("small")

    assert first.created["medical_requests"] == 2
    staff = User.objects.get(phone="13800000007")
    # (The imaging demo adds imaging and pathology consultations of its own.)
    consultation = BusinessRequest.objects.get(
        kind="consultation", applicant=staff, consultation__subtype="general"
    )
    assert consultation.status == "submitted"
    assert consultation.patient.medical_record_number == "DEMO-0001"
    consent = Consent.objects.get(request=consultation)
    assert consent.signed_at is not None and consent.document is not None
    manager = User.objects.get(phone="13800000004")
    assert consultation in requests_for_queue(manager, "to_review")
    referral = BusinessRequest.objects.get(kind="referral", applicant=staff)
    assert referral.status == "draft"
    assert referral.referral.direction == "up"
    assert referral.referral.target_hospital.is_lead

    requests = BusinessRequest.objects.count()
    second = demo.run_seed("small")
    assert second.created["medical_requests"] == 0
    assert BusinessRequest.objects.count() == requests


def test_without_the_demo_patients_no_request_is_made(staff_a, lead_hospital):
    from yilian.workflow.models import BusinessRequest

    from ..demo import seed_consultation_request, seed_referral_draft

    assert seed_consultation_request(staff_a) == 0
    assert seed_referral_draft(staff_a, lead_hospital) == 0
    assert not BusinessRequest.objects.exists()
