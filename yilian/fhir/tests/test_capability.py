"""The CapabilityStatement lists what is implemented and nothing else: every listed type
answers read and search, every listed search parameter works, every other resource type
is a 404, every other interaction a 405, every other parameter a 400."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from fhir.resources.R4B import fhirtypes, get_fhir_model_class
from fhir.resources.R4B.resource import Resource

from yilian.fhir import codes
from yilian.fhir.registry import all_handlers

from .conftest import NATIONAL_ID


def all_fhir_resource_types() -> set[str]:
    names = set()
    for attr in dir(fhirtypes):
        if not attr.endswith("Type"):
            continue
        try:
            model = get_fhir_model_class(attr[:-4])
        except ValueError:
            continue
        if isinstance(model, type) and issubclass(model, Resource) and model.__name__ == attr[:-4]:
            names.add(model.__name__)
    return names


def test_metadata_is_a_valid_capability_statement_open_to_anyone(db, fhir_get):
    body = fhir_get(None, "/fhir/r4/metadata")

    assert body["resourceType"] == "CapabilityStatement"
    assert body["fhirVersion"] == "4.0.1"
    assert body["rest"][0]["interaction"] == [
        {"code": "transaction", "documentation": body["rest"][0]["interaction"][0]["documentation"]}
    ]


def test_metadata_lists_exactly_the_registered_handlers(db, fhir_get):
    body = fhir_get(None, "/fhir/r4/metadata")
    listed = {r["type"]: r for r in body["rest"][0]["resource"]}

    assert set(listed) == {h.type for h in all_handlers()}
    assert set(listed) == {
        "Organization", "Practitioner", "PractitionerRole", "Patient", "ServiceRequest", "Task",
        "Appointment", "Encounter", "Composition", "QuestionnaireResponse",
        "DocumentReference", "AuditEvent",
    }  # fmt: skip
    for resource in listed.values():
        assert [i["code"] for i in resource["interaction"]] == ["read", "search-type"]


def _values(story: Any, users: dict[str, Any], audit_pk: int) -> dict[tuple[str, str], str]:
    """A value per (type, parameter) that must find at least one resource in the story."""
    request = story.consultation
    patient = f"Patient/{story.patient_a.public_id}"
    staff_a, expert = users["staff_a"], users["expert"]
    since = f"ge{(timezone.localdate() - timedelta(days=1)).isoformat()}"
    ids = {
        "Organization": staff_a.hospital.public_id,
        "Practitioner": staff_a.public_id,
        "PractitionerRole": staff_a.public_id,
        "Patient": story.patient_a.public_id,
        "ServiceRequest": request.public_id,
        "Task": request.public_id,
        "Appointment": request.public_id,
        "Encounter": story.session.public_id,
        "Composition": story.opinion.public_id,
        "QuestionnaireResponse": story.visit.public_id,
        "DocumentReference": story.document.public_id,
        "AuditEvent": audit_pk,
    }
    values: dict[tuple[str, str], str] = {}
    for kind, key in ids.items():
        values[kind, "_id"] = str(key)
        values[kind, "_lastUpdated"] = since
    encounter_status = "finished" if story.session.ended_at else "in-progress"
    values.update(
        {
            ("PractitionerRole", "practitioner"): f"Practitioner/{staff_a.public_id}",
            ("PractitionerRole", "organization"): f"Organization/{staff_a.hospital.public_id}",
            ("Patient", "identifier"): f"{codes.NATIONAL_ID_SYSTEM}|{NATIONAL_ID}",
            ("ServiceRequest", "patient"): patient,
            ("ServiceRequest", "status"): "completed",
            ("ServiceRequest", "requester"): f"Practitioner/{staff_a.public_id}",
            ("ServiceRequest", "performer"): f"Practitioner/{expert.public_id}",
            ("Task", "patient"): patient,
            ("Task", "status"): "completed",
            ("Task", "requester"): f"Practitioner/{staff_a.public_id}",
            ("Task", "owner"): f"Practitioner/{expert.public_id}",
            ("Appointment", "patient"): patient,
            ("Appointment", "status"): "fulfilled",
            ("Encounter", "patient"): patient,
            ("Encounter", "status"): encounter_status,
            ("Composition", "patient"): patient,
            ("Composition", "status"): "final",
            ("QuestionnaireResponse", "patient"): patient,
            ("QuestionnaireResponse", "status"): "completed",
            ("DocumentReference", "patient"): patient,
            ("DocumentReference", "related"): f"ServiceRequest/{request.public_id}",
            ("AuditEvent", "patient"): patient,
        }
    )
    return values


def test_every_listed_type_interaction_and_search_parameter_works(
    story, fhir_get, staff_a, expert, hospital_admin_a, auditor
):
    fhir_get(hospital_admin_a, f"/fhir/r4/Patient/{story.patient_a.public_id}")  # an audit entry
    from yilian.audit.models import AuditEntry

    audit_pk = AuditEntry.objects.filter(patient=story.patient_a).latest("pk").pk
    values = _values(story, {"staff_a": staff_a, "expert": expert}, audit_pk)
    listed = fhir_get(None, "/fhir/r4/metadata")["rest"][0]["resource"]

    for resource in listed:
        kind = resource["type"]
        user = auditor if kind == "AuditEvent" else hospital_admin_a
        # search-type, without parameters
        bundle = fhir_get(user, f"/fhir/r4/{kind}")
        assert bundle["type"] == "searchset" and bundle["total"] >= 1, kind
        # read, of what the search found
        first = bundle["entry"][0]["resource"]
        assert fhir_get(user, f"/fhir/r4/{kind}/{first['id']}")["id"] == first["id"]
        # every parameter finds what it should
        for param in resource["searchParam"]:
            value = values[kind, param["name"]]  # a KeyError: a listed parameter nobody tried
            found = fhir_get(user, f"/fhir/r4/{kind}", data={param["name"]: value})
            assert found["total"] >= 1, (kind, param["name"], value)
            if param["name"] == "_id":
                assert [e["resource"]["id"] for e in found["entry"]] == [value]


def test_a_type_that_is_not_listed_is_not_served(db, fhir_get, staff_a):
    listed = {h.type for h in all_handlers()}
    others = sorted(all_fhir_resource_types() - listed)
    assert "Observation" in others and len(others) > 100

    for kind in others:
        outcome = fhir_get(staff_a, f"/fhir/r4/{kind}", status=404)
        assert outcome["issue"][0]["code"] == "not-supported"
        fhir_get(staff_a, f"/fhir/r4/{kind}/1", status=404)


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_interactions_that_are_not_listed_are_refused(db, client, staff_a, patient_a, method):
    client.force_login(staff_a)
    instance = f"/fhir/r4/Patient/{patient_a.public_id}"

    response = getattr(client, method)(instance, data="{}", content_type="application/fhir+json")

    assert response.status_code == 405
    assert response.json()["resourceType"] == "OperationOutcome"
    assert (
        client.post("/fhir/r4/Patient", data="{}", content_type="application/json").status_code
        == 405
    )


def test_a_search_parameter_that_is_not_listed_is_refused_unless_lenient(
    db, fhir_get, staff_a, patient_a
):
    outcome = fhir_get(staff_a, "/fhir/r4/Patient", data={"name": "王"}, status=400)
    assert outcome["issue"][0]["expression"] == ["name"]
    fhir_get(staff_a, "/fhir/r4/Patient", data={"status:not": "x"}, status=400)
    fhir_get(staff_a, "/fhir/r4/Organization", data={"patient": "Patient/1"}, status=400)

    lenient = fhir_get(
        staff_a, "/fhir/r4/Patient", data={"name": "nobody"}, HTTP_PREFER="handling=lenient"
    )

    assert lenient["total"] == 1  # the unknown parameter was ignored…
    assert "name=" not in lenient["link"][0]["url"]  # …and the self link says so
