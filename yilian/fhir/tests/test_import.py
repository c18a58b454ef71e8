"""Importing a transaction Bundle (Patient + ServiceRequest) from a hospital's system: a
DRAFT consultation or referral in the sender's hospital, which the workflow then runs;
invalid Bundles are refused with every issue and nothing is saved."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from django.test import Client

from yilian.accounts.models import User
from yilian.api.services import create_token
from yilian.audit.models import AuditAction, AuditEntry
from yilian.fhir import codes
from yilian.medical.models import Consultation
from yilian.patients.identity import check_digit
from yilian.patients.models import Patient
from yilian.referrals.models import Referral
from yilian.workflow.models import BusinessRequest, Status
from yilian.workflow.services import transition

from .conftest import sign_consent, validate

ID_17 = "33012219750304231"
NEW_ID = ID_17 + check_digit(ID_17)


def consultation_bundle() -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": "urn:uuid:2f0c7c1e-0000-4000-8000-000000000001",
                "resource": {
                    "resourceType": "Patient",
                    "identifier": [
                        {"system": codes.NATIONAL_ID_SYSTEM, "value": NEW_ID},
                        {
                            "type": {
                                "coding": [{"system": codes.V2_IDENTIFIER_TYPE, "code": "MR"}]
                            },
                            "value": "HIS-778899",
                        },
                    ],
                    "name": [{"family": "张", "given": ["三"]}],
                    "gender": "male",
                    "telecom": [{"system": "phone", "value": "13811112222"}],
                },
                "request": {"method": "POST", "url": "Patient"},
            },
            {
                "fullUrl": "urn:uuid:2f0c7c1e-0000-4000-8000-000000000002",
                "resource": {
                    "resourceType": "ServiceRequest",
                    "status": "draft",
                    "intent": "order",
                    "category": [
                        {"coding": [{"system": codes.BUSINESS_KIND_SYSTEM, "code": "consultation"}]}
                    ],
                    "priority": "urgent",
                    "subject": {"reference": "urn:uuid:2f0c7c1e-0000-4000-8000-000000000001"},
                    "performerType": {
                        "coding": [{"system": codes.SPECIALTY_SYSTEM, "code": "cardiology"}]
                    },
                    "reasonCode": [{"text": "是否需要冠脉介入治疗？"}],
                    "note": [{"text": "男，51 岁，活动后胸闷 1 月，心电图 ST 段压低。"}],
                },
                "request": {"method": "POST", "url": "ServiceRequest"},
            },
        ],
    }


def referral_bundle(target_public_id: Any) -> dict[str, Any]:
    bundle = consultation_bundle()
    request = bundle["entry"][1]["resource"]
    request["category"] = [{"coding": [{"system": codes.SNOMED, "code": "3457005"}]}]
    request["performer"] = [{"reference": f"Organization/{target_public_id}"}]
    request["reasonCode"] = [
        {
            "coding": [
                {
                    "system": "http://hl7.org/fhir/sid/icd-10",
                    "code": "I21.4",
                    "display": "急性非ST段抬高型心肌梗死",
                }
            ]
        }
    ]
    request["note"] = [{"text": "本院无介入条件，需行冠脉造影。"}]
    return bundle


def post(client: Client, bundle: Any, **extra: Any):
    return client.post(
        "/fhir/r4/",
        data=json.dumps(bundle, ensure_ascii=False),
        content_type="application/fhir+json",
        **extra,
    )


def _counts() -> tuple[int, int, int]:
    return Patient.objects.count(), BusinessRequest.objects.count(), Consultation.objects.count()


def _location_id(entry: dict[str, Any], kind: str) -> str:
    location = entry["response"]["location"]
    assert location.startswith(f"{kind}/")
    return location.split("/")[1]


def test_a_consultation_bundle_creates_a_draft_the_workflow_then_runs(
    client, staff_a, manager, consultation_team, fhir_get
):
    client.force_login(staff_a)

    response = post(client, consultation_bundle())

    assert response.status_code == 200, response.content
    body = response.json()
    validate(body)
    assert body["type"] == "transaction-response"
    assert [e["response"]["status"] for e in body["entry"]] == ["201 Created", "201 Created"]
    patient = Patient.objects.get(public_id=_location_id(body["entry"][0], "Patient"))
    request = BusinessRequest.objects.get(
        public_id=_location_id(body["entry"][1], "ServiceRequest")
    )
    assert (patient.hospital, patient.name, patient.national_id) == (
        staff_a.hospital,
        "张三",
        NEW_ID,
    )
    assert patient.medical_record_number == "HIS-778899" and patient.phone == "13811112222"
    assert (request.kind, request.status, request.urgency) == ("consultation", "draft", "urgent")
    assert (request.applicant, request.applicant_hospital, request.patient) == (
        staff_a,
        staff_a.hospital,
        patient,
    )
    detail = request.consultation
    assert detail.specialty == "cardiology" and detail.subtype == "general"
    assert detail.clinical_question == "是否需要冠脉介入治疗？"
    assert detail.case_summary.startswith("男，51 岁")
    # it reads back through FHIR as a draft
    assert fhir_get(staff_a, f"/fhir/r4/ServiceRequest/{request.public_id}")["status"] == "draft"

    # the hospital reviews it, records the consent and submits; the platform approves
    sign_consent(request, staff_a)
    request = transition(request, "submit", actor=staff_a)
    assert request.status == Status.SUBMITTED
    request = transition(request, "approve", actor=manager)
    assert request.status == Status.DISPATCHED and request.team == consultation_team
    task = fhir_get(staff_a, f"/fhir/r4/Task/{request.public_id}")
    assert task["businessStatus"]["coding"][0]["code"] == "dispatched"


def test_a_referral_bundle_creates_a_draft_referral_to_the_named_hospital(
    client, staff_a, manager, lead_hospital, consultation_team, expert
):
    from yilian.orgs.models import TeamService

    TeamService.objects.create(team=consultation_team, kind="referral")
    client.force_login(staff_a)

    response = post(client, referral_bundle(lead_hospital.public_id))

    assert response.status_code == 200, response.content
    validate(response.json())
    request = BusinessRequest.objects.get(
        public_id=_location_id(response.json()["entry"][1], "ServiceRequest")
    )
    referral = Referral.objects.get(request=request)
    assert request.kind == "referral" and request.status == Status.DRAFT
    assert referral.direction == "up" and referral.target_hospital == lead_hospital
    assert referral.target_department.specialty == "cardiology"
    assert (referral.diagnosis_code, referral.diagnosis_text) == (
        "I21.4",
        "急性非ST段抬高型心肌梗死",
    )
    assert referral.reason == "本院无介入条件，需行冠脉造影。"

    sign_consent(request, staff_a)
    request = transition(transition(request, "submit", actor=staff_a), "approve", actor=manager)
    assert request.status == Status.DISPATCHED and request.team == consultation_team


def test_a_known_patient_is_reused_not_registered_twice(client, staff_a, consultation_team):
    client.force_login(staff_a)
    first = post(client, consultation_bundle()).json()
    patients = Patient.objects.count()

    again = post(client, consultation_bundle())

    assert again.status_code == 200
    entry = again.json()["entry"][0]
    assert entry["response"]["status"] == "200 OK"
    assert entry["response"]["location"] == first["entry"][0]["response"]["location"]
    assert Patient.objects.count() == patients
    assert BusinessRequest.objects.filter(kind="consultation").count() == 2


def test_importing_is_audited(client, staff_a, consultation_team):
    client.force_login(staff_a)

    body = post(client, consultation_bundle()).json()

    patient = Patient.objects.get(public_id=_location_id(body["entry"][0], "Patient"))
    entries = AuditEntry.objects.filter(patient=patient, actor=staff_a)
    assert sorted(entries.values_list("object_type", "action")) == [
        ("patients.patient", AuditAction.CREATE),
        ("workflow.businessrequest", AuditAction.CREATE),
    ]


def _broken(change) -> dict[str, Any]:
    bundle = copy.deepcopy(consultation_bundle())
    change(bundle)
    return bundle


def _set(path: list[Any], value: Any):
    def change(bundle: dict[str, Any]) -> None:
        target = bundle
        for key in path[:-1]:
            target = target[key]
        if value is KeyError:
            del target[path[-1]]
        else:
            target[path[-1]] = value

    return change


E0, E1 = "Bundle.entry[0].resource", "Bundle.entry[1].resource"
INVALID = [
    # (what is wrong, change, the expression of the first issue)
    ("not a transaction", _set(["type"], "batch"), "Bundle.type"),
    ("unknown element", _set(["entry", 0, "resource", "colour"], "blue"), f"{E0}.colour"),
    (
        "a third entry",
        lambda b: b["entry"].append(copy.deepcopy(b["entry"][0])),
        "Bundle.entry[2]",
    ),
    ("PUT", _set(["entry", 1, "request", "method"], "PUT"), "Bundle.entry[1].request.method"),
    (
        "subject elsewhere",
        _set(["entry", 1, "resource", "subject"], {"reference": "Patient/x"}),
        f"{E1}.subject",
    ),
    ("unknown kind", _set(["entry", 1, "resource", "category"], [{"text": "x"}]), f"{E1}.category"),
    (
        "bad national ID",
        _set(["entry", 0, "resource", "identifier", 0, "value"], "330122197503042310"),
        f"{E0}.identifier",
    ),
    ("no case summary", _set(["entry", 1, "resource", "note"], KeyError), f"{E1}.note"),
    (
        "no specialty",
        _set(["entry", 1, "resource", "performerType"], KeyError),
        f"{E1}.performerType",
    ),
    ("bad priority", _set(["entry", 1, "resource", "priority"], "whenever"), f"{E1}.priority"),
]


@pytest.mark.parametrize(("why", "change", "where"), INVALID, ids=[i[0] for i in INVALID])
def test_an_invalid_bundle_is_refused_with_its_issues_and_nothing_is_saved(
    client, staff_a, consultation_team, why, change, where
):
    client.force_login(staff_a)
    before = _counts()

    response = post(client, _broken(change))

    assert response.status_code == 400, response.content
    outcome = validate(response.json())
    assert outcome.issue[0].severity == "error"
    assert response.json()["issue"][0]["expression"] == [where]
    assert _counts() == before


def test_a_valid_patient_is_not_saved_when_the_request_is_invalid(
    client, staff_a, consultation_team
):
    client.force_login(staff_a)
    bundle = _broken(_set(["entry", 1, "resource", "reasonCode"], KeyError))

    response = post(client, bundle)

    assert response.status_code == 400
    assert not Patient.objects.filter(medical_record_number="HIS-778899").exists()


def test_not_json_is_a_400(client, staff_a):
    client.force_login(staff_a)

    response = client.post("/fhir/r4/", data="{nope", content_type="application/fhir+json")

    assert response.status_code == 400
    assert response.json()["issue"][0]["code"] == "structure"


@pytest.mark.parametrize("who", ["expert", "patient_user", "auditor"])
def test_only_hospital_staff_may_import(request, client, consultation_team, who):
    user: User = request.getfixturevalue(who)
    client.force_login(user)
    before = _counts()

    response = post(client, consultation_bundle())

    assert response.status_code == 403
    assert response.json()["resourceType"] == "OperationOutcome"
    assert _counts() == before


def test_anonymous_import_is_401(db, client):
    assert post(client, consultation_bundle()).status_code == 401


# --- CSRF: session writes keep it; token-authenticated ones need none --------------------


def test_a_session_post_without_the_csrf_token_is_refused(staff_a, consultation_team):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_a)
    before = _counts()

    response = post(client, consultation_bundle())

    assert response.status_code == 403
    assert response.json()["issue"][0]["code"] == "forbidden"
    assert _counts() == before


def test_a_session_post_with_the_csrf_token_is_accepted(staff_a, consultation_team):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_a)
    client.get("/workbench/")  # sets the CSRF cookie, as any page does
    token = client.cookies["csrftoken"].value

    response = post(client, consultation_bundle(), HTTP_X_CSRFTOKEN=token)

    assert response.status_code == 200, response.content


def test_a_bearer_token_request_needs_no_csrf_token(staff_a, consultation_team, fhir_get):
    _row, token = create_token(staff_a, name="HIS", scope="write", days=30)
    client = Client(enforce_csrf_checks=True)

    response = post(client, consultation_bundle(), HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 200, response.content
    found = client.get("/fhir/r4/Patient", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert found.status_code == 200 and found.json()["total"] == 1
    assert client.get("/fhir/r4/Patient", HTTP_AUTHORIZATION="Bearer bad").status_code == 401


def test_a_read_only_token_may_search_but_not_import(staff_a, consultation_team):
    _row, token = create_token(staff_a, name="HIS", scope="read", days=30)
    client = Client()
    before = _counts()

    response = post(client, consultation_bundle(), HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 403
    assert response.json()["issue"][0]["code"] == "forbidden"
    assert _counts() == before
    assert client.get("/fhir/r4/Patient", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


def test_the_example_in_the_integrators_guide_imports(client, staff_a, consultation_team):
    from pathlib import Path

    from django.conf import settings

    guide = (Path(settings.BASE_DIR) / "docs" / "fhir.md").read_text(encoding="utf-8")
    example = guide.split("### Example", 1)[1].split("```json", 1)[1].split("```", 1)[0]
    client.force_login(staff_a)

    response = post(client, json.loads(example))

    assert response.status_code == 200, response.content
    assert BusinessRequest.objects.filter(kind="consultation", status=Status.DRAFT).count() == 1
