"""Who sees what through FHIR: the same selectors as the pages. Another hospital's patient
and business are a 404 and absent from searches; identifiers are masked for experts of
another hospital; patients' own accounts and anonymous callers get nothing."""

from __future__ import annotations

import pytest

from yilian.fhir import codes

from .conftest import NATIONAL_ID, PHONE

PATIENT_DATA = [
    "Patient",
    "ServiceRequest",
    "Task",
    "Appointment",
    "Encounter",
    "Composition",
    "QuestionnaireResponse",
    "DocumentReference",
]


def _ids(bundle):
    return {e["resource"]["id"] for e in bundle.get("entry", [])}


def _resources_of_a(story) -> dict[str, str]:
    return {
        "Patient": str(story.patient_a.public_id),
        "ServiceRequest": str(story.consultation.public_id),
        "Task": str(story.consultation.public_id),
        "Appointment": str(story.consultation.public_id),
        "Encounter": str(story.session.public_id),
        "Composition": str(story.opinion.public_id),
        "QuestionnaireResponse": str(story.visit.public_id),
        "DocumentReference": str(story.document.public_id),
    }


def test_another_hospitals_staff_gets_404_and_finds_nothing_of_hospital_a(
    story, fhir_get, staff_a, staff_b
):
    for kind, key in _resources_of_a(story).items():
        assert fhir_get(staff_a, f"/fhir/r4/{kind}/{key}")["id"] == key  # A sees it…
        outcome = fhir_get(staff_b, f"/fhir/r4/{kind}/{key}", status=404)  # …B does not
        assert outcome["issue"][0]["code"] == "not-found"
        assert key not in _ids(fhir_get(staff_b, f"/fhir/r4/{kind}?_count=100"))
        assert fhir_get(staff_b, f"/fhir/r4/{kind}?_id={key}")["total"] == 0


def test_hospital_a_does_not_see_hospital_bs_patient_or_draft(story, fhir_get, staff_a, staff_b):
    patient_b, draft_b = str(story.patient_b.public_id), str(story.draft_b.public_id)

    fhir_get(staff_a, f"/fhir/r4/Patient/{patient_b}", status=404)
    fhir_get(staff_a, f"/fhir/r4/ServiceRequest/{draft_b}", status=404)
    assert patient_b not in _ids(fhir_get(staff_a, "/fhir/r4/Patient"))
    assert draft_b not in _ids(fhir_get(staff_a, "/fhir/r4/ServiceRequest"))
    assert fhir_get(staff_a, f"/fhir/r4/ServiceRequest?patient=Patient/{patient_b}")["total"] == 0
    # B itself does
    assert fhir_get(staff_b, f"/fhir/r4/ServiceRequest/{draft_b}")["status"] == "draft"


def test_own_hospital_sees_identifiers_in_full(story, fhir_get, staff_a):
    patient = fhir_get(staff_a, f"/fhir/r4/Patient/{story.patient_a.public_id}")

    values = {i["system"]: i["value"] for i in patient["identifier"]}
    assert values[codes.NATIONAL_ID_SYSTEM] == NATIONAL_ID
    assert values[codes.mrn_system(story.patient_a.hospital.public_id)] == "MR-0001"
    assert patient["telecom"][0]["value"] == PHONE
    assert patient["address"][0]["text"].startswith("浙江省")
    assert "security" not in patient["meta"]


def test_an_expert_of_the_business_sees_the_patient_masked(
    story, fhir_get, expert, hospital_admin_a
):
    # the business is completed, not closed: still open for its experts
    patient = fhir_get(expert, f"/fhir/r4/Patient/{story.patient_a.public_id}")

    values = {i["system"]: i["value"] for i in patient["identifier"]}
    assert values[codes.NATIONAL_ID_SYSTEM] != NATIONAL_ID
    assert values[codes.NATIONAL_ID_SYSTEM] == NATIONAL_ID[:4] + "*" * 10 + NATIONAL_ID[-4:]
    assert patient["telecom"][0]["value"] == "139****5678"
    assert "address" not in patient
    assert patient["meta"]["security"][0]["code"] == "MASKED"
    # and cannot look the patient up by the whole number
    found = fhir_get(
        expert, f"/fhir/r4/Patient?identifier={codes.NATIONAL_ID_SYSTEM}|{NATIONAL_ID}"
    )
    assert found["total"] == 1  # the hash matches only a patient the expert already sees


def test_the_audit_trail_is_for_auditors_only(story, fhir_get, staff_a, auditor, manager):
    fhir_get(staff_a, f"/fhir/r4/Patient/{story.patient_a.public_id}")

    assert fhir_get(staff_a, "/fhir/r4/AuditEvent")["total"] == 0
    assert fhir_get(manager, "/fhir/r4/AuditEvent")["total"] == 0
    trail = fhir_get(auditor, "/fhir/r4/AuditEvent")
    assert trail["total"] >= 1
    event_id = trail["entry"][0]["resource"]["id"]
    fhir_get(staff_a, f"/fhir/r4/AuditEvent/{event_id}", status=404)
    assert fhir_get(auditor, f"/fhir/r4/AuditEvent/{event_id}")["id"] == event_id


def test_the_auditor_sees_what_the_pages_show_them(story, fhir_get, auditor):
    # The platform's roles see the alliance's businesses, as on the request pages; patient
    # records only through the hospitals and experts ``patients_visible_to`` names.
    assert fhir_get(auditor, "/fhir/r4/Patient")["total"] == 0
    fhir_get(auditor, f"/fhir/r4/Patient/{story.patient_a.public_id}", status=404)
    requests = _ids(fhir_get(auditor, "/fhir/r4/ServiceRequest"))
    assert {str(story.consultation.public_id), str(story.draft_b.public_id)} <= requests


def test_a_patients_own_account_gets_nothing(story, fhir_get, patient_user):
    for kind in [*PATIENT_DATA, "Organization", "Practitioner"]:
        outcome = fhir_get(patient_user, f"/fhir/r4/{kind}", status=403)
        assert outcome["issue"][0]["code"] == "forbidden"


@pytest.mark.parametrize("path", ["/fhir/r4/Patient", "/fhir/r4/Organization/x"])
def test_anonymous_gets_401_with_an_operation_outcome(db, client, path):
    response = client.get(path)

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["issue"][0]["code"] == "login"


def test_an_unknown_bearer_token_is_401_even_with_a_session(db, client, staff_a):
    client.force_login(staff_a)

    response = client.get("/fhir/r4/Patient", HTTP_AUTHORIZATION="Bearer nonsense")

    assert response.status_code == 401


def test_practitioners_are_people_at_work_never_patients(
    story, fhir_get, staff_a, staff_b, patient_user, expert
):
    ids = _ids(fhir_get(staff_a, "/fhir/r4/Practitioner?_count=100"))

    assert str(staff_a.public_id) in ids and str(expert.public_id) in ids
    assert str(patient_user.public_id) not in ids
    assert str(staff_b.public_id) not in ids  # another hospital's staff
    fhir_get(staff_a, f"/fhir/r4/Practitioner/{patient_user.public_id}", status=404)
    role = fhir_get(staff_a, f"/fhir/r4/PractitionerRole/{staff_a.public_id}")
    assert role["organization"]["reference"] == f"Organization/{staff_a.hospital.public_id}"
    assert [c["coding"][0]["code"] for c in role["code"]] == ["staff"]


def test_an_account_not_yet_approved_gets_an_operation_outcome_not_a_page(
    db, fhir_get, pending_staff_a
):
    outcome = fhir_get(pending_staff_a, "/fhir/r4/Patient", status=403)

    assert outcome["issue"][0]["code"] == "forbidden"
