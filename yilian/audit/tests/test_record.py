import pytest
from django.test import RequestFactory

from yilian.audit.models import AuditEntry
from yilian.audit.services import record
from yilian.patients.models import Patient

pytestmark = pytest.mark.django_db


def test_an_entry_says_who_what_which_patient_from_where(staff_a, hospital_a):
    patient = Patient.objects.create(hospital=hospital_a, name="王某某", created_by=staff_a)
    http = RequestFactory().get("/patients/x/?q=王某某", REMOTE_ADDR="10.1.2.3")
    http.user = staff_a

    entry = record(http, action="view", target=patient, patient=patient)

    assert (entry.actor, entry.action, entry.patient, entry.outcome) == (
        staff_a,
        "view",
        patient,
        "ok",
    )
    assert (entry.object_type, entry.object_id) == ("patients.patient", str(patient.public_id))
    assert entry.ip_address == "10.1.2.3"
    assert entry.path == "/patients/x/"  # never the query string


def test_entries_cannot_be_changed_or_deleted(staff_a, hospital_a):
    entry = record(None, action="create", actor=staff_a)

    entry.action = "view"
    with pytest.raises(ValueError, match="append-only"):
        entry.save()
    with pytest.raises(ValueError, match="cannot be deleted"):
        entry.delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "create"


def test_unknown_actions_and_outcomes_are_programming_errors(staff_a):
    with pytest.raises(ValueError):
        record(None, action="peek", actor=staff_a)
    with pytest.raises(ValueError):
        record(None, action="view", outcome="maybe", actor=staff_a)
