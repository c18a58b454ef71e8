"""Every download is recorded: who, which file, which patient, allowed or denied."""

from __future__ import annotations

import pytest
from django.urls import reverse

from yilian.audit.models import AuditEntry
from yilian.files import services
from yilian.patients.models import Patient
from yilian.workflow.models import BusinessRequest

from .samples import pdf_bytes, upload

pytestmark = pytest.mark.django_db


def _url(asset) -> str:
    return reverse("files:download", args=[asset.public_id])


@pytest.fixture
def asset(business_request, staff_a):
    return services.store_upload(
        upload("检查报告.pdf", pdf_bytes()), owner=staff_a, target=business_request
    )


@pytest.fixture
def patient_record(hospital_a, staff_a):
    return Patient.objects.create(hospital=hospital_a, name="王某某", created_by=staff_a)


def test_a_download_about_a_patient_is_recorded_with_the_patient(
    client, login, asset, business_request, patient_record, staff_a
):
    BusinessRequest.objects.filter(pk=business_request.pk).update(patient=patient_record)
    login(staff_a)

    response = client.get(_url(asset))

    assert response.status_code == 200
    [entry] = AuditEntry.objects.all()
    assert (entry.actor, entry.action, entry.outcome, entry.patient) == (
        staff_a,
        "download",
        "ok",
        patient_record,
    )
    assert (entry.object_type, entry.object_id) == ("files.fileasset", str(asset.public_id))


def test_a_download_about_no_patient_is_recorded_without_one(client, login, asset, staff_a):
    login(staff_a)

    assert client.get(_url(asset)).status_code == 200

    [entry] = AuditEntry.objects.all()
    assert (entry.action, entry.outcome, entry.patient) == ("download", "ok", None)


def test_someone_who_may_not_read_it_gets_404_and_a_denied_entry(
    client, login, asset, business_request, patient_record, staff_b
):
    BusinessRequest.objects.filter(pk=business_request.pk).update(patient=patient_record)
    login(staff_b)

    response = client.get(_url(asset))

    assert response.status_code == 404
    [entry] = AuditEntry.objects.all()
    assert (entry.actor, entry.action, entry.outcome, entry.patient) == (
        staff_b,
        "download",
        "denied",
        patient_record,
    )


def test_a_file_that_does_not_exist_is_a_404_with_nothing_recorded(client, login, staff_a):
    login(staff_a)

    response = client.get(reverse("files:download", args=["00000000-0000-0000-0000-000000000000"]))

    assert response.status_code == 404
    assert not AuditEntry.objects.exists()
