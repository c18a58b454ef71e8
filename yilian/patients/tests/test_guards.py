"""No request about a patient is submitted without the patient's signed consent."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from yilian.patients.guards import require_consent
from yilian.patients.models import Consent, Patient
from yilian.workflow import registry
from yilian.workflow.models import BusinessRequest, Status
from yilian.workflow.services import create_request, transition

pytestmark = pytest.mark.django_db

KIND = "consent_test"


@pytest.fixture
def kind():
    registry.register(
        registry.Kind(
            code=KIND, label="Consent test", module="medical", guards={"submit": require_consent}
        )
    )
    yield
    registry.unregister(KIND)


@pytest.fixture
def patient(hospital_a, staff_a):
    return Patient.objects.create(hospital=hospital_a, name="王某某", created_by=staff_a)


def _draft(staff_a, patient):
    request = create_request(kind=KIND, applicant=staff_a, title="会诊申请")
    BusinessRequest.objects.filter(pk=request.pk).update(patient=patient)
    request.refresh_from_db()
    return request


def test_without_a_signed_consent_the_request_stays_a_draft(kind, staff_a, patient):
    request = _draft(staff_a, patient)
    Consent.objects.create(
        patient=patient, request=request, method="signature", created_by=staff_a
    )  # a link sent, not yet signed

    with pytest.raises(ValidationError, match="informed consent is missing"):
        transition(request, "submit", actor=staff_a)

    assert BusinessRequest.objects.get(pk=request.pk).status == Status.DRAFT


def test_a_signed_consent_lets_it_through_and_is_named_in_the_timeline(kind, staff_a, patient):
    request = _draft(staff_a, patient)
    consent = Consent.objects.create(
        patient=patient,
        request=request,
        method="upload",
        signer_name="王某某",
        signed_at=timezone.now(),
        created_by=staff_a,
    )

    request = transition(request, "submit", actor=staff_a)

    assert request.status == Status.SUBMITTED
    assert request.events.get(action="submit").payload["consent"] == str(consent.public_id)


def test_a_request_about_nobody_is_refused(kind, staff_a):
    request = create_request(kind=KIND, applicant=staff_a, title="会诊申请")
    with pytest.raises(ValidationError) as refused:
        transition(request, "submit", actor=staff_a)
    assert "patient" in refused.value.message_dict
