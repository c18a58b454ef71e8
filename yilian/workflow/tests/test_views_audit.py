"""Opening a request about a patient, and downloading its opinion, are recorded once."""

from __future__ import annotations

import pytest
from django.urls import reverse

from yilian.audit.models import AuditEntry
from yilian.patients.models import Patient
from yilian.workflow.models import BusinessRequest, Status

from .views_support import detail_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def patient_record(hospital_a, staff_a):
    return Patient.objects.create(hospital=hospital_a, name="王某某", created_by=staff_a)


def _about(request, patient):
    BusinessRequest.objects.filter(pk=request.pk).update(patient=patient)
    return request


def _pdf_url(request) -> str:
    return reverse("workflow:opinion_pdf", args=[request.public_id])


def test_opening_a_request_about_a_patient_records_a_view(loop, client, patient_record):
    request = _about(loop.at(Status.SUBMITTED), patient_record)
    client.force_login(loop.manager)

    assert client.get(detail_url(request)).status_code == 200

    [entry] = AuditEntry.objects.all()
    assert (entry.actor, entry.action, entry.outcome, entry.patient) == (
        loop.manager,
        "view",
        "ok",
        patient_record,
    )
    assert (entry.object_type, entry.object_id) == (
        "workflow.businessrequest",
        str(request.public_id),
    )


def test_opening_a_request_about_no_patient_records_nothing(loop, client):
    request = loop.at(Status.SUBMITTED)
    client.force_login(loop.manager)

    assert client.get(detail_url(request)).status_code == 200
    assert not AuditEntry.objects.exists()


def test_downloading_the_opinion_about_a_patient_records_a_download(loop, client, patient_record):
    request = _about(loop.at(Status.COMPLETED), patient_record)
    client.force_login(loop.applicant)

    assert client.get(_pdf_url(request)).status_code == 200

    [entry] = AuditEntry.objects.all()
    assert (entry.actor, entry.action, entry.outcome, entry.patient) == (
        loop.applicant,
        "download",
        "ok",
        patient_record,
    )


def test_the_opinion_of_a_request_about_no_patient_records_nothing(loop, client):
    request = loop.at(Status.COMPLETED)
    client.force_login(loop.applicant)

    assert client.get(_pdf_url(request)).status_code == 200
    assert not AuditEntry.objects.exists()


def test_other_hospitals_get_404_and_nothing_is_recorded(loop, client, staff_b, patient_record):
    request = _about(loop.at(Status.COMPLETED), patient_record)
    client.force_login(staff_b)

    assert client.get(detail_url(request)).status_code == 404
    assert client.get(_pdf_url(request)).status_code == 404
    assert not AuditEntry.objects.exists()
