"""The auditor's search: by person (name, phone or public id), by object, by patient (public
id, or national ID / mobile number through the lookup hashes without putting them in a
link), by action and period; clear messages for malformed filters; the exports (CSV and
Excel) follow the same filters."""

from __future__ import annotations

import io
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from yilian.accounts.roles import Role
from yilian.audit.models import AuditEntry
from yilian.core.tests.html import parse
from yilian.patients.models import Patient

pytestmark = pytest.mark.django_db

LIST = reverse("audit:entries")
FIND = reverse("audit:find_patient")
XLSX = reverse("audit:export_xlsx")
NATIONAL_ID = "11010119900307451X"
PHONE = "13912345678"


def _entry(actor, action="view", *, day=1, patient=None, object_type="x.y", object_id="abc"):
    return AuditEntry.objects.create(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        patient=patient,
        outcome="ok",
        at=timezone.make_aware(datetime(2026, 3, day, 9, 30)),
    )


def _rows(response) -> list[str]:
    return [tr.get("data-entry") for tr in parse(response).find_all("tr", data_entry=True)]


@pytest.fixture
def auditor(make_user, lead_hospital):
    return make_user(Role.AUDITOR, hospital=lead_hospital, name="审计员")


@pytest.fixture
def client_(login, auditor):
    return login(auditor)


@pytest.fixture
def identified(hospital_a, hospital_b, staff_a, staff_b) -> list[Patient]:
    """One person registered at two hospitals, found by the same national ID."""
    return [
        Patient.objects.create(
            hospital=hospital, name="周某", national_id=NATIONAL_ID, phone=PHONE, created_by=by
        )
        for hospital, by in ((hospital_a, staff_a), (hospital_b, staff_b))
    ]


def test_who_matches_a_persons_public_id(client_, staff_a, staff_b):
    mine = _entry(staff_a)
    _entry(staff_b)

    assert _rows(client_.get(LIST, {"who": str(staff_a.public_id)})) == [str(mine.pk)]


def test_an_object_is_found_by_type_and_id(client_, staff_a):
    wanted = _entry(staff_a, object_type="files.fileasset", object_id="f-1")
    _entry(staff_a, object_type="files.fileasset", object_id="f-2")
    _entry(staff_a, object_type="patients.patient", object_id="f-1")

    response = client_.get(LIST, {"object_type": "files.fileasset", "object_id": "f-1"})

    assert _rows(response) == [str(wanted.pk)]
    assert parse(response).one("input", name="object_id").get("value") == "f-1"


def test_several_patients_public_ids_are_one_filter(client_, staff_a, identified):
    a = _entry(staff_a, patient=identified[0], day=1)
    b = _entry(staff_a, patient=identified[1], day=2)
    _entry(staff_a)
    ids = ",".join(str(p.public_id) for p in identified)

    assert _rows(client_.get(LIST, {"patient": ids})) == [str(b.pk), str(a.pk)]


@pytest.mark.parametrize("identifier", [NATIONAL_ID.lower(), f" {PHONE} "])
def test_a_patient_is_found_by_national_id_or_phone_without_it_in_the_link(
    client_, auditor, staff_a, identified, identifier
):
    about = [_entry(staff_a, patient=p, day=i + 1) for i, p in enumerate(identified)]
    _entry(staff_a)

    response = client_.post(FIND, {"identifier": identifier})

    assert response.status_code == 302
    location = response["Location"]
    assert NATIONAL_ID not in location.upper() and PHONE not in location
    query = parse_qs(urlsplit(location).query)
    assert query["patient"] == [",".join(str(p.public_id) for p in identified)]
    searches = AuditEntry.objects.filter(action="search", actor=auditor)
    assert sorted(s.patient_id for s in searches) == sorted(p.pk for p in identified)
    # The trail of those patients: what was done to them, and this search.
    assert set(_rows(client_.get(location))) == {str(e.pk) for e in [*about, *searches]}


def test_an_unknown_identifier_says_so_keeps_what_was_typed_and_is_recorded(
    client_, auditor, identified
):
    response = client_.post(FIND, {"identifier": "13000000000"}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    page = parse(response)
    assert "No patient of the alliance" in page.one(id="find-patient").text
    assert page.one("input", name="identifier").get("value") == "13000000000"
    search = AuditEntry.objects.get(action="search", actor=auditor)
    assert search.patient is None and "13000000000" not in search.path


def test_other_roles_cannot_look_patients_up(login, make_user, identified):
    response = login(make_user(Role.PLATFORM_ADMIN)).post(FIND, {"identifier": NATIONAL_ID})

    assert response.status_code == 403
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"date_from": "2026-13-01"}, "date_from", "Give the start date as YYYY-MM-DD"),
        ({"date_to": "yesterday"}, "date_to", "Give the end date as YYYY-MM-DD"),
        (
            {"date_from": "2026-03-05", "date_to": "2026-03-01"},
            "date_to",
            "The end date is before the start date",
        ),
        ({"patient": "王某某"}, "patient", "is not a patient's public id"),
        ({"action": "peek"}, "action", "Select a valid choice"),
    ],
)
def test_a_malformed_filter_is_explained_kept_and_finds_nothing(
    client_, staff_a, query, field, message
):
    _entry(staff_a)

    response = client_.get(LIST, query, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    page = parse(response)
    errors = page.one(id="filter-errors")
    assert message in errors.one("li", data_field=field).text
    assert _rows(response) == []
    assert page.find("a", id="export") is None
    if field != "action":
        assert page.one("input", name=field).get("value") == query[field]


def test_htmx_shows_the_message_in_the_results(client_):
    response = client_.get(LIST, {"date_from": "2026-02-30"}, HTTP_HX_REQUEST="true")

    assert parse(response).one(id="results").find(id="filter-errors") is not None


def test_an_export_with_a_malformed_filter_goes_back_to_the_page(client_, staff_a):
    _entry(staff_a)

    response = client_.get(reverse("audit:export"), {"date_from": "03/01/2026"})

    assert response.status_code == 302
    assert response["Location"].startswith(LIST)
    assert not AuditEntry.objects.filter(action="export").exists()


def test_the_excel_export_follows_the_filters_and_is_recorded(
    client_, auditor, staff_a, staff_b, patient_record
):
    wanted = _entry(staff_a, "download", day=2, patient=patient_record, object_id="=cmd")
    _entry(staff_b, "download", day=2)
    _entry(staff_a, "view", day=3)

    response = client_.get(
        XLSX, {"who": staff_a.phone, "action": "download"}, HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    header, *rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert header[:2] == ["When", "Who"]
    assert len(rows) == 1
    assert rows[0][0] == timezone.localtime(wanted.at).isoformat(timespec="seconds")
    assert rows[0][2] == staff_a.phone
    assert rows[0][6] == "'=cmd"  # never a formula
    assert rows[0][7] == str(patient_record.public_id)
    assert AuditEntry.objects.filter(action="export", actor=auditor).count() == 1


def test_the_page_links_both_exports_with_the_same_filters(client_, staff_a):
    _entry(staff_a, object_type="files.fileasset", object_id="f-1")

    page = parse(client_.get(LIST, {"object_type": "files.fileasset", "object_id": "f-1"}))

    for link in ("export", "export-xlsx"):
        query = parse_qs(urlsplit(page.one("a", id=link).get("href")).query)
        assert query == {"object_type": ["files.fileasset"], "object_id": ["f-1"]}


def test_pages_keep_the_filters(client_, staff_a, staff_b, settings):
    settings.YILIAN_PAGE_SIZE = 2
    mine = [_entry(staff_a, day=d) for d in (1, 2, 3)]
    _entry(staff_b, day=4)

    first = client_.get(LIST, {"who": str(staff_a.public_id)})
    (next_link,) = [a for a in parse(first).find_all("a") if "Next" in a.text]
    second = client_.get(LIST + next_link.get("href"))

    assert _rows(first) == [str(mine[2].pk), str(mine[1].pk)]
    assert _rows(second) == [str(mine[0].pk)]
