"""Every read of patient data through FHIR leaves an audit entry, as the pages do."""

from __future__ import annotations

from yilian.audit.models import AuditAction, AuditEntry, Outcome


def _new_entries(before: int) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(pk__gt=before).order_by("pk"))


def _last_pk() -> int:
    return AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def test_reading_a_patient_is_audited_with_who_what_and_where(story, fhir_get, staff_a):
    before = _last_pk()

    fhir_get(staff_a, f"/fhir/r4/Patient/{story.patient_a.public_id}", REMOTE_ADDR="10.0.0.7")

    [entry] = _new_entries(before)
    assert entry.actor == staff_a
    assert entry.action == AuditAction.VIEW and entry.outcome == Outcome.OK
    assert entry.patient == story.patient_a
    assert entry.object_type == "patients.patient"
    assert entry.ip_address == "10.0.0.7"
    assert entry.path == f"/fhir/r4/Patient/{story.patient_a.public_id}"


def test_every_patient_bearing_read_is_audited_for_its_patient(story, fhir_get, staff_a):
    reads = {
        "ServiceRequest": story.consultation.public_id,
        "Task": story.consultation.public_id,
        "Appointment": story.consultation.public_id,
        "Encounter": story.session.public_id,
        "Composition": story.opinion.public_id,
        "QuestionnaireResponse": story.visit.public_id,
        "DocumentReference": story.document.public_id,
    }
    for kind, key in reads.items():
        before = _last_pk()
        fhir_get(staff_a, f"/fhir/r4/{kind}/{key}")
        entries = _new_entries(before)
        assert [(e.action, e.patient_id) for e in entries] == [
            (AuditAction.VIEW, story.patient_a.pk)
        ], kind


def test_a_search_is_audited_once_and_each_patient_listed(story, fhir_get, staff_a):
    before = _last_pk()

    bundle = fhir_get(staff_a, "/fhir/r4/Task")

    entries = _new_entries(before)
    assert entries[0].action == AuditAction.SEARCH and entries[0].patient is None
    listed = [e for e in entries[1:] if e.action == AuditAction.LIST]
    assert len(listed) == bundle["total"] == 2  # the consultation and the follow-up plan
    assert {e.patient_id for e in listed} == {story.patient_a.pk}


def test_a_refused_read_is_audited_as_denied(story, fhir_get, staff_b):
    before = _last_pk()

    fhir_get(staff_b, f"/fhir/r4/Patient/{story.patient_a.public_id}", status=404)

    [entry] = _new_entries(before)
    assert entry.actor == staff_b and entry.outcome == Outcome.DENIED
    assert entry.patient is None  # the refusal does not say whose record it was


def test_reading_the_directory_is_not_patient_data(story, fhir_get, staff_a):
    before = _last_pk()

    fhir_get(staff_a, "/fhir/r4/Organization")
    fhir_get(staff_a, f"/fhir/r4/Practitioner/{staff_a.public_id}")

    assert _new_entries(before) == []
