"""The patient pages: list, search (POSTed), record, register, edit — each audited once."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from yilian.audit.models import AuditEntry
from yilian.core.tests.html import field_errors, field_value, parse
from yilian.orgs.models import Team
from yilian.patients.models import Patient
from yilian.workflow.models import BusinessRequest, Status

from .conftest import make_id

pytestmark = pytest.mark.django_db

LIST = reverse("patients:list")
CREATE = reverse("patients:create")


def _entries(**filters):
    return list(AuditEntry.objects.filter(**filters).order_by("id"))


# --- list and search -----------------------------------------------------------------------


def test_the_list_shows_the_hospitals_patients_masked_and_is_audited(
    login, staff_a, person, register, staff_b, django_assert_max_num_queries
):
    register(actor=staff_b, name="乙院患者", medical_record_number="B-1", national_id="")
    client = login(staff_a)

    with django_assert_max_num_queries(10):
        response = client.get(LIST)

    page = parse(response)
    rows = page.find_all("tr", data_patient=True)
    assert [r.find("a").text for r in rows] == ["王某某"]
    html = response.content.decode()
    assert person.national_id not in html and "13912345678" not in html
    assert person.masked_national_id in html and "139****5678" in html
    assert "乙院患者" not in html
    [entry] = _entries()
    assert (entry.actor, entry.action, entry.outcome) == (staff_a, "list", "ok")
    assert entry.patient is None


def test_the_list_query_count_does_not_grow_with_rows(
    login, staff_a, register, django_assert_max_num_queries
):
    for i in range(25):
        register(name=f"患者{i}", medical_record_number=f"M{i}", national_id="")
    client = login(staff_a)
    with django_assert_max_num_queries(10):
        first = parse(client.get(LIST))
    assert len(first.find_all("tr", data_patient=True)) == 20
    second = parse(client.get(LIST, {"page": 2}))
    assert len(second.find_all("tr", data_patient=True)) == 5


def test_an_empty_hospital_gets_the_empty_state_with_a_way_to_register(login, staff_a):
    page = parse(login(staff_a).get(LIST))
    empty = page.one(data_empty=True)
    assert "not registered any patient" in empty.text
    assert empty.find("a").get("href") == CREATE


def test_the_search_form_is_posted_so_nothing_lands_in_the_url(login, staff_a, person):
    page = parse(login(staff_a).get(LIST))
    form = page.one("form", id="patient-search")
    assert form.get("method") == "post"
    assert form.find("input", name="query") is not None


@pytest.mark.parametrize(
    "query",
    ["王某", "mrn-001", make_id(), make_id().lower(), "139 1234 5678"],
    ids=["name", "mrn", "national-id", "lower-case-id", "phone"],
)
def test_search_finds_by_name_record_number_national_id_or_phone(
    login, staff_a, person, register, query
):
    register(name="李四", medical_record_number="MRN-002", national_id="", phone="13800000000")
    client = login(staff_a)

    response = client.post(LIST, {"query": query})

    rows = parse(response).find_all("tr", data_patient=True)
    assert [r.get("data-patient") for r in rows] == [str(person.public_id)]
    [entry] = _entries()
    assert (entry.action, entry.path) == ("search", LIST)


def test_partial_numbers_find_nothing_and_say_why(login, staff_a, person):
    response = login(staff_a).post(LIST, {"query": person.national_id[:10]})
    page = parse(response)
    assert not page.find_all("tr", data_patient=True)
    assert "only when typed in full" in page.one(data_empty=True).text


def test_search_never_reaches_another_hospital(login, staff_b, person):
    response = login(staff_b).post(LIST, {"query": person.national_id})
    assert not parse(response).find_all("tr", data_patient=True)


def test_pages_of_a_search_are_posted_with_the_query(login, staff_a, register):
    for i in range(22):
        register(name=f"张{i}", medical_record_number=f"M{i}", national_id="")
    client = login(staff_a)
    page = parse(client.post(LIST, {"query": "张"}))
    nav_forms = [f for f in page.find_all("form") if f.find("button", name="page")]
    assert len(nav_forms) == 1 and nav_forms[0].get("method") == "post"
    assert nav_forms[0].find("input", name="query").get("value") == "张"

    second = parse(client.post(LIST, {"query": "张", "page": "2"}))
    assert len(second.find_all("tr", data_patient=True)) == 2


def test_the_htmx_search_returns_only_the_results(login, staff_a, person):
    response = login(staff_a).post(LIST, {"query": "王"}, HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results">')
    assert "<html" not in html


def test_the_list_is_for_staff_and_hospital_admins(
    client, login, expert, manager, platform_admin, patient, hospital_admin_a
):
    for user in (expert, manager, platform_admin, patient):
        assert login(user).get(LIST).status_code == 403, user
        assert client.get(CREATE).status_code == 403
    assert login(hospital_admin_a).get(LIST).status_code == 200
    client.logout()
    assert client.get(LIST).status_code == 302


def test_the_patients_page_is_in_the_medical_menu_for_staff(login, staff_a, expert):
    page = parse(login(staff_a).get(LIST))
    assert page.find("a", href=LIST) is not None
    home = parse(login(expert).get(reverse("web:home")))
    assert home.find("a", href=LIST) is None


# --- detail -----------------------------------------------------------------------------


def test_the_record_shows_everything_to_its_hospital_and_who_accessed_it(
    login, staff_a, hospital_admin_a, person
):
    login(hospital_admin_a).get(reverse("patients:detail", args=[person.public_id]))
    client = login(staff_a)

    response = client.get(reverse("patients:detail", args=[person.public_id]))

    page = parse(response)
    assert page.one(data_national_id=True).text == person.national_id
    assert page.one(data_phone=True).text == "13912345678"
    assert page.one(data_address=True).text == "桐庐县城南街道 88 号"
    log = page.one(id="access-log")
    assert [e.get("data-access") for e in log.find_all("li")] == ["view", "view"]
    assert "赵医生" in log.find_all("li")[0].text  # newest first: this very visit
    assert "甲院管理员" in log.find_all("li")[1].text
    assert page.one("a", id="edit-link")
    entries = _entries(patient=person)
    assert [(e.actor, e.action, e.object_id) for e in entries][-1] == (
        staff_a,
        "view",
        str(person.public_id),
    )


def test_the_access_log_is_paginated(login, staff_a, person, settings):
    settings.YILIAN_PAGE_SIZE = 3
    client = login(staff_a)
    url = reverse("patients:detail", args=[person.public_id])
    for _ in range(4):
        client.get(url)
    page = parse(client.get(url))
    assert len(page.one(id="access-log").find_all("li")) == 3
    older = parse(client.get(url, {"page": 2}, HTTP_HX_REQUEST="true"))
    assert len(older.one(id="access-log").find_all("li")) == 3  # 6 views by now


def test_an_expert_on_an_open_request_sees_the_record_masked_without_the_access_log(
    login, kind, staff_a, person, expert, lead_hospital
):
    team = Team.objects.create(hospital=lead_hospital, name="会诊组", specialty="cardiology")
    team.members.add(expert)
    request = BusinessRequest.objects.create(
        kind=kind.code,
        applicant=staff_a,
        applicant_hospital=staff_a.hospital,
        title="会诊",
        patient=person,
        team=team,
        status=Status.IN_PROGRESS,
    )
    client = login(expert)

    response = client.get(reverse("patients:detail", args=[person.public_id]))

    page = parse(response)
    assert page.one(data_national_id=True).text == person.masked_national_id
    assert page.one(data_phone=True).text == "139****5678"
    assert person.national_id not in response.content.decode()
    assert page.find(data_address=True) is None
    assert page.find(id="access-log") is None
    assert page.find("a", id="edit-link") is None
    assert [a.get("data-request") for a in page.find_all("a", data_request=True)] == [
        str(request.public_id)
    ]
    edit = reverse("patients:edit", args=[person.public_id])
    assert client.get(edit).status_code == 403  # an expert holds no writing role


def test_another_hospital_gets_404_and_the_attempt_is_audited(login, staff_b, person):
    client = login(staff_b)
    for url in (
        reverse("patients:detail", args=[person.public_id]),
        reverse("patients:edit", args=[person.public_id]),
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, {"name": "改名"}).status_code in (404, 405)
    assert Patient.objects.get(pk=person.pk).name == "王某某"
    entries = _entries(actor=staff_b)
    assert entries and {(e.action, e.outcome, e.patient_id) for e in entries} == {
        ("view", "denied", None)
    }


# --- register and edit --------------------------------------------------------------------


def test_registering_a_patient(login, staff_a):
    client = login(staff_a)
    assert client.get(CREATE).status_code == 200
    assert not AuditEntry.objects.exists()  # an empty form shows nobody's data

    response = client.post(
        CREATE,
        {"name": "王某某", "national_id": make_id(), "phone": "13912345678", "sex": ""},
    )

    patient = Patient.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("patients:detail", args=[patient.public_id])
    assert (patient.birth_date, patient.sex) == (date(1960, 5, 17), "male")
    [entry] = _entries()
    assert (entry.action, entry.patient, entry.outcome) == ("create", patient, "ok")


def test_the_form_keeps_what_was_typed_and_shows_errors_by_the_fields(login, staff_a, person):
    client = login(staff_a)
    response = client.post(
        CREATE,
        {
            "name": "王某",
            "national_id": person.national_id,
            "birth_date": "1970-01-01",
            "phone": "123",
            "address": "某地",
        },
    )

    assert response.status_code == 200
    assert field_value(response, "name") == "王某"
    assert field_value(response, "address") == "某地"
    assert field_value(response, "birth_date") == "1970-01-01"
    assert "11-digit mobile" in field_errors(response, "phone")[0]
    assert "born on 1960-05-17" in field_errors(response, "birth_date")[0]
    assert Patient.objects.count() == 1
    assert _entries()[-1].outcome == "failed"


def test_a_duplicate_names_the_existing_record_with_a_link(login, staff_a, person):
    response = login(staff_a).post(CREATE, {"name": "王某", "medical_record_number": "MRN-001"})
    group = parse(response).one("div", id="field-medical_record_number")
    link = group.one("a")
    assert link.get("href") == reverse("patients:detail", args=[person.public_id])
    assert link.text == "王某某"


def test_editing_a_patient(login, staff_a, person):
    client = login(staff_a)
    url = reverse("patients:edit", args=[person.public_id])
    form = client.get(url)
    assert field_value(form, "national_id") == person.national_id
    assert field_value(form, "phone") == "13912345678"

    response = client.post(
        url,
        {
            "name": "王某某",
            "national_id": person.national_id,
            "medical_record_number": "MRN-009",
            "phone": "13800001111",
            "sex": "male",
            "birth_date": "1960-05-17",
        },
    )

    assert response.status_code == 302
    fresh = Patient.objects.get(pk=person.pk)
    assert (fresh.medical_record_number, fresh.phone, fresh.address) == (
        "MRN-009",
        "13800001111",
        "",
    )
    assert [e.action for e in _entries(patient=person)] == ["view", "update"]


def test_a_failed_edit_changes_nothing_and_keeps_the_input(login, staff_a, person):
    client = login(staff_a)
    url = reverse("patients:edit", args=[person.public_id])
    response = client.post(url, {"name": "新名字", "national_id": "", "medical_record_number": ""})
    assert response.status_code == 200
    assert field_value(response, "name") == "新名字"
    assert "at least one" in field_errors(response, "national_id")[0]
    assert Patient.objects.get(pk=person.pk).name == "王某某"
    [entry] = _entries()
    assert (entry.action, entry.outcome, entry.patient) == ("update", "failed", person)
