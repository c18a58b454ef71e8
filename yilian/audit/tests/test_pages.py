"""The auditors' pages: who may open them, the filters, the CSV export and its own entry."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from asgiref.sync import async_to_sync
from django.urls import reverse
from django.utils import timezone

from yilian.accounts.roles import Role
from yilian.audit.models import AuditEntry
from yilian.core.tests.html import parse

pytestmark = pytest.mark.django_db

LIST = reverse("audit:entries")
EXPORT = reverse("audit:export")


def _entry(actor, action="view", *, day=1, patient=None, outcome="ok", object_type="x.y"):
    return AuditEntry.objects.create(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id="abc",
        patient=patient,
        outcome=outcome,
        ip_address="10.0.0.9",
        path="/somewhere/",
        at=timezone.make_aware(datetime(2026, 3, day, 9, 30)),
    )


def _rows(response) -> list[str]:
    return [tr.get("data-entry") for tr in parse(response).find_all("tr", data_entry=True)]


def _csv(response) -> list[list[str]]:
    """Read the stream as the ASGI server does (asynchronously, chunk by chunk)."""
    assert response.streaming and response.is_async

    async def read() -> bytes:
        return b"".join([chunk async for chunk in response.streaming_content])

    body = async_to_sync(read)()
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.fixture
def auditor(make_user, lead_hospital):
    return make_user(Role.AUDITOR, hospital=lead_hospital, name="审计员")


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.SECURITY_ADMIN])
def test_auditors_and_security_admins_open_the_trail(login, make_user, role, staff_a):
    entry = _entry(staff_a)

    response = login(make_user(role)).get(LIST)

    assert response.status_code == 200
    assert _rows(response) == [str(entry.pk)]


@pytest.mark.parametrize("role", [Role.STAFF, Role.MANAGER, Role.PLATFORM_ADMIN, Role.EXPERT])
@pytest.mark.parametrize("url", [LIST, EXPORT])
def test_everyone_else_gets_403_and_nothing_is_recorded(login, make_user, role, url, staff_a):
    _entry(staff_a)

    assert login(make_user(role)).get(url).status_code == 403
    assert AuditEntry.objects.count() == 1


@pytest.mark.parametrize("url", [LIST, EXPORT])
def test_anonymous_visitor_is_sent_to_login(client, url):
    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    assert not AuditEntry.objects.exists()


def test_the_list_is_newest_first_and_filtered_by_the_query(login, auditor, staff_a, staff_b):
    old = _entry(staff_a, day=1)
    new = _entry(staff_a, day=3)
    denied = _entry(staff_b, "download", day=2, outcome="denied")
    client = login(auditor)

    assert _rows(client.get(LIST)) == [str(new.pk), str(denied.pk), str(old.pk)]
    assert _rows(client.get(LIST, {"who": "钱医生"})) == [str(denied.pk)]
    assert _rows(client.get(LIST, {"outcome": "denied", "action": "download"})) == [str(denied.pk)]
    assert _rows(client.get(LIST, {"date_from": "2026-03-02", "date_to": "2026-03-02"})) == [
        str(denied.pk)
    ]
    page = parse(client.get(LIST, {"who": "钱医生"}))
    assert page.one("input", name="who").get("value") == "钱医生"


def test_filtering_by_patient_uses_the_public_id_and_never_shows_the_name(
    login, auditor, staff_a, patient_record
):
    about = _entry(staff_a, patient=patient_record)
    _entry(staff_a)

    response = login(auditor).get(LIST, {"patient": str(patient_record.public_id)})

    assert _rows(response) == [str(about.pk)]
    html = response.content.decode()
    assert "王某某" not in html
    assert str(patient_record.public_id) in parse(response).one(id="patient-filter").text


def test_htmx_gets_only_the_results(login, auditor, staff_a):
    _entry(staff_a)

    response = login(auditor).get(LIST, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert parse(response).find("form") is None
    assert parse(response).one(id="results")


def test_nothing_found_shows_the_empty_state_and_no_export(login, auditor):
    page = parse(login(auditor).get(LIST, {"who": "nobody"}))

    assert page.one(data_empty=True)
    assert page.find("a", id="export") is None


def test_the_list_is_paginated(login, auditor, staff_a, settings):
    settings.YILIAN_PAGE_SIZE = 2
    entries = [_entry(staff_a, day=d) for d in (1, 2, 3)]
    client = login(auditor)

    assert _rows(client.get(LIST)) == [str(entries[2].pk), str(entries[1].pk)]
    assert _rows(client.get(LIST, {"page": 2})) == [str(entries[0].pk)]


def test_the_list_has_a_query_budget(
    login, auditor, staff_a, staff_b, django_assert_max_num_queries
):
    for day in range(1, 11):
        _entry(staff_a if day % 2 else staff_b, day=day)
    client = login(auditor)

    with django_assert_max_num_queries(9):
        assert len(_rows(client.get(LIST))) == 10


def test_the_export_is_the_filtered_list_as_csv_for_excel(
    login, auditor, staff_a, staff_b, patient_record, hospital_a
):
    _entry(staff_b, day=1)
    entry = _entry(staff_a, "download", day=2, outcome="denied", patient=patient_record)

    response = login(auditor).get(EXPORT, {"who": "赵医生"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    header, *rows = _csv(response)
    assert header[:5] == ["When", "Who", "Phone", "Hospital", "Action"]
    assert rows == [
        [
            timezone.localtime(entry.at).isoformat(timespec="seconds"),
            "赵医生",
            staff_a.phone,
            hospital_a.name,
            "downloaded",
            "x.y",
            "abc",
            str(patient_record.public_id),
            "denied",
            "10.0.0.9",
            "/somewhere/",
        ]
    ]
    assert "王某某" not in str(rows)


def test_the_export_is_itself_recorded(login, auditor, staff_a):
    _entry(staff_a)

    response = login(auditor).get(EXPORT, {"action": "export"}, REMOTE_ADDR="10.2.3.4")

    export = AuditEntry.objects.get(action="export")
    assert (export.actor, export.outcome, export.path, export.ip_address) == (
        auditor,
        "ok",
        EXPORT,
        "10.2.3.4",
    )
    assert export.patient is None
    _header, *rows = _csv(response)
    assert [(r[1], r[4]) for r in rows] == [("审计员", "exported")]


def test_text_that_looks_like_a_formula_is_exported_as_text(login, auditor, make_user):
    _entry(make_user(Role.STAFF, name="=HYPERLINK(1)"))

    _header, *rows = _csv(login(auditor).get(EXPORT, {"action": "view"}))

    assert rows[0][1] == "'=HYPERLINK(1)"
