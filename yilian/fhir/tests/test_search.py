"""Searching: paging by _count with next links, _lastUpdated prefixes, _id lists, status
codes mapped from the workflow, and the errors a client gets for malformed values."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlparse

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from yilian.medical.services import save_consultation
from yilian.patients.services import register_patient
from yilian.workflow.services import create_request

from .conftest import consultation_data, validate


def _ids(bundle):
    return [e["resource"]["id"] for e in bundle.get("entry", [])]


def test_count_pages_the_searchset_and_next_links_walk_every_match_once(db, fhir_get, staff_a):
    made = {
        str(
            register_patient(
                actor=staff_a, name=f"患者{n}", medical_record_number=f"P-{n}"
            ).public_id
        )
        for n in range(7)
    }
    seen: list[str] = []
    url = "/fhir/r4/Patient?_count=3"
    pages = 0
    while url:
        bundle = fhir_get(staff_a, url)
        assert bundle["total"] == 7
        assert len(bundle.get("entry", [])) <= 3
        seen += _ids(bundle)
        pages += 1
        following = [link["url"] for link in bundle["link"] if link["relation"] == "next"]
        url = following[0].replace("http://testserver", "") if following else ""

    assert pages == 3
    assert sorted(seen) == sorted(made) and len(seen) == len(set(seen))


def test_next_link_keeps_the_search_parameters(db, fhir_get, staff_a):
    for n in range(3):
        register_patient(actor=staff_a, name=f"患者{n}", medical_record_number=f"P-{n}")
    since = (timezone.localdate() - timedelta(days=1)).isoformat()

    bundle = fhir_get(staff_a, f"/fhir/r4/Patient?_lastUpdated=ge{since}&_count=1")

    following = next(link["url"] for link in bundle["link"] if link["relation"] == "next")
    query = parse_qs(urlparse(following).query)
    assert query == {"_lastUpdated": [f"ge{since}"], "_count": ["1"], "_offset": ["1"]}


def test_count_zero_gives_the_total_only(db, fhir_get, staff_a):
    register_patient(actor=staff_a, name="患者", medical_record_number="P-1")

    bundle = fhir_get(staff_a, "/fhir/r4/Patient?_count=0")

    assert bundle["total"] == 1 and "entry" not in bundle


def test_last_updated_prefixes(db, fhir_get, staff_a):
    patient = register_patient(actor=staff_a, name="患者", medical_record_number="P-1")
    moment = patient.updated_at
    day = timezone.localdate(moment).isoformat()
    before = (moment - timedelta(seconds=1)).isoformat()
    after = (moment + timedelta(seconds=1)).isoformat()

    def total(value: str) -> int:
        return fhir_get(staff_a, "/fhir/r4/Patient", data={"_lastUpdated": value})["total"]

    assert total(day) == 1  # eq a day: within it
    assert total(f"ge{before}") == 1 and total(f"gt{after}") == 0
    assert total(f"le{after}") == 1 and total(f"lt{before}") == 0
    assert total(f"gt{day}") == 0 and total(f"lt{day}") == 0
    assert total(f"ge{before}") == 1 and total(f"le{before}") == 0
    # two occurrences are AND-ed: a window
    bundle = fhir_get(
        staff_a,
        f"/fhir/r4/Patient?_lastUpdated=ge{before}&_lastUpdated=lt{after}".replace("+", "%2B"),
    )
    assert bundle["total"] == 1


def test_malformed_values_are_explained(db, fhir_get, staff_a):
    for query, where in (
        ("_count=101", "_count"),
        ("_count=x", "_count"),
        ("_lastUpdated=yesterday", "_lastUpdated"),
        ("_lastUpdated=sa2026-01-01", "_lastUpdated"),
    ):
        outcome = fhir_get(staff_a, f"/fhir/r4/Patient?{query}", status=400)
        assert outcome["issue"][0]["expression"] == [where], query
    assert fhir_get(staff_a, "/fhir/r4/Patient?_format=xml", status=406)["issue"]


def test_id_search_takes_several_ids_and_ignores_malformed_ones(db, fhir_get, staff_a):
    one = register_patient(actor=staff_a, name="甲", medical_record_number="P-1")
    two = register_patient(actor=staff_a, name="乙", medical_record_number="P-2")
    register_patient(actor=staff_a, name="丙", medical_record_number="P-3")

    bundle = fhir_get(staff_a, f"/fhir/r4/Patient?_id={one.public_id},{two.public_id},nope")

    assert sorted(_ids(bundle)) == sorted([str(one.public_id), str(two.public_id)])


def test_status_searches_use_fhir_codes(story, fhir_get, hospital_admin_a):
    consultation = str(story.consultation.public_id)

    def ids(kind: str, status: str) -> list[str]:
        return _ids(fhir_get(hospital_admin_a, f"/fhir/r4/{kind}?status={status}"))

    assert consultation in ids("ServiceRequest", "completed")
    assert consultation not in ids("ServiceRequest", "active,draft")
    assert consultation in ids("Task", "http://hl7.org/fhir/task-status|completed")
    assert consultation not in ids("Task", "requested")
    assert ids("Composition", "preliminary") == []


def test_search_results_each_validate_as_their_type(story, fhir_get, hospital_admin_a):
    bundle = fhir_get(hospital_admin_a, "/fhir/r4/ServiceRequest")

    for entry in bundle["entry"]:
        resource = validate(entry["resource"])
        assert entry["fullUrl"].endswith(f"/fhir/r4/ServiceRequest/{resource.id}")


def _selects(client, path: str) -> int:

    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return sum(
        1 for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("SELECT")
    )


def test_a_page_costs_the_same_reads_whatever_its_length(db, client, staff_a):

    def add(n: int) -> None:
        for i in range(n):
            patient = register_patient(
                actor=staff_a, name="患者", medical_record_number=f"Q-{i}-{n}"
            )
            save_consultation(applicant=staff_a, data=consultation_data(patient))

    client.force_login(staff_a)
    add(2)
    paths = [
        "/fhir/r4/ServiceRequest",
        "/fhir/r4/Task",
        "/fhir/r4/Patient",
        "/fhir/r4/Practitioner",
    ]
    few = [_selects(client, p) for p in paths]
    add(5)
    many = [_selects(client, p) for p in paths]

    assert many == few


def test_a_business_about_no_patient_is_a_valid_service_request_and_task(db, fhir_get, staff_a):
    visit = create_request(kind="study_visit", applicant=staff_a, title="进修参观申请")

    service_request = fhir_get(staff_a, f"/fhir/r4/ServiceRequest/{visit.public_id}")
    task = fhir_get(staff_a, f"/fhir/r4/Task/{visit.public_id}")

    assert service_request["subject"] == {"type": "Location", "display": staff_a.hospital.name}
    assert service_request["category"][0]["coding"][0]["code"] == "study_visit"
    assert "for" not in task and task["status"] == "draft"
