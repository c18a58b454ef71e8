"""Patients over the API: scoped, masked and audited exactly as on the patient pages."""

from __future__ import annotations

from yilian.audit.models import AuditAction, AuditEntry, Outcome
from yilian.patients.services import register_patient
from yilian.patients.tests.conftest import make_id
from yilian.workflow.models import Status


def _patient(staff, **fields):
    values = {"name": "王某某", "national_id": make_id(), "phone": "13912345678"} | fields
    return register_patient(actor=staff, address="桐庐县城南街道 88 号", **values)


def test_list_is_masked_and_audited(api_as, staff_a):
    patient = _patient(staff_a)
    body = api_as(staff_a).get("/patients/").json()
    (item,) = body["items"]
    assert item["id"] == str(patient.public_id)
    assert item["identifiers_masked"] is True
    assert item["national_id"] == patient.masked_national_id != patient.national_id
    assert item["phone"] == "139****5678"
    assert item["address"] is None
    assert AuditEntry.objects.filter(actor=staff_a, action=AuditAction.LIST).count() == 1


def test_own_hospital_sees_the_record_in_full(api_as, staff_a):
    patient = _patient(staff_a)
    body = api_as(staff_a).get(f"/patients/{patient.public_id}").json()
    assert body["national_id"] == patient.national_id
    assert body["phone"] == "13912345678"
    assert body["address"] == "桐庐县城南街道 88 号"
    entry = AuditEntry.objects.get(action=AuditAction.VIEW, patient=patient)
    assert entry.actor == staff_a and entry.outcome == Outcome.OK


def test_other_hospitals_patient_is_invisible_and_the_attempt_audited(api_as, staff_a, staff_b):
    patient = _patient(staff_a)
    api = api_as(staff_b)
    assert api.get(f"/patients/{patient.public_id}").status_code == 404
    assert api.get(f"/patients/{patient.public_id}/access").status_code == 404
    assert api.get("/patients/").json()["items"] == []
    found = api.post("/patients/search", {"query": patient.national_id}).json()
    assert found["items"] == []
    denied = AuditEntry.objects.filter(actor=staff_b, action=AuditAction.VIEW)
    assert set(denied.values_list("outcome", flat=True)) == {Outcome.DENIED}


def test_expert_on_the_request_sees_masked_identifiers(api_as, loop, staff_a, expert):
    patient = _patient(staff_a)
    loop.advance(loop.new(patient=patient), Status.DISPATCHED)
    body = api_as(expert).get(f"/patients/{patient.public_id}").json()
    assert body["identifiers_masked"] is True
    assert body["national_id"] == patient.masked_national_id
    assert body["address"] is None
    response = api_as(expert).get(f"/patients/{patient.public_id}/access")
    assert response.status_code == 403
    # Experts do not list hospitals' patients.
    assert api_as(expert).get("/patients/").status_code == 403


def test_search_is_posted_and_a_read_token_may_search(api_as, staff_a):
    patient = _patient(staff_a, medical_record_number="MRN-77")
    _patient(staff_a, name="李某", national_id=make_id(order="135"), phone="13800000000")
    api = api_as(staff_a, "read")
    by_id = api.post("/patients/search", {"query": patient.national_id}).json()["items"]
    assert [p["id"] for p in by_id] == [str(patient.public_id)]
    by_mrn = api.post("/patients/search", {"query": "MRN-77"}).json()["items"]
    assert [p["id"] for p in by_mrn] == [str(patient.public_id)]
    searches = AuditEntry.objects.filter(action=AuditAction.SEARCH, actor=staff_a)
    assert searches.count() == 2
    assert all(patient.national_id not in e.path for e in searches)


def test_access_list_for_the_own_hospital(api_as, staff_a):
    patient = _patient(staff_a)
    api = api_as(staff_a)
    api.get(f"/patients/{patient.public_id}")
    body = api.get(f"/patients/{patient.public_id}/access", limit=1).json()
    assert len(body["items"]) == 1 and body["next_cursor"]
    rest = api.get(f"/patients/{patient.public_id}/access", cursor=body["next_cursor"]).json()
    actions = [e["action"] for e in body["items"] + rest["items"]]
    assert actions == ["view", "view"]  # this call's and the earlier one's, newest first
