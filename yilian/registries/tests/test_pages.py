"""The pages of single-disease management: who may open what (another hospital's case is
a 404), the audit trail of every case read, the case form's messages, the designer, the
indicator dashboard, coverage and the exports."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.urls import reverse

from yilian.accounts.roles import Role
from yilian.audit.models import AuditAction, AuditEntry, Outcome
from yilian.core.tests.html import field_errors, field_value, parse

from ..models import Case, CaseRevision, CaseStatus, DischargeCount, Registry
from ..services import set_discharge_count

pytestmark = pytest.mark.django_db


def _detail(case: Case) -> str:
    return reverse("registries:case_detail", args=[case.public_id])


# --- who may see a case -------------------------------------------------------------------


def test_the_reporting_hospital_reads_a_case_and_the_read_is_audited(
    login, staff_a, stemi, report, patient_a
):
    case = report(staff_a, stemi, patient=patient_a)

    response = login(staff_a).get(_detail(case))

    assert response.status_code == 200
    page = parse(response)
    assert page.one("span", id="case-status").get("data-status") == "submitted"
    assert page.one("dd", data_answer="statin").text == "yes"
    assert page.one("dd", data_derived="door_to_balloon_minutes").text.startswith("60")
    assert page.one("li", data_indicator="d2b_90").get("data-outcome") == "met"
    entry = AuditEntry.objects.filter(action=AuditAction.VIEW).latest("id")
    assert (entry.actor, entry.patient, entry.object_id, entry.outcome) == (
        staff_a,
        patient_a,
        str(case.public_id),
        Outcome.OK,
    )
    assert "王某某" not in entry.path and str(case.public_id) in entry.path


def test_another_hospitals_case_is_a_404_and_the_attempt_audited(
    login, staff_a, staff_b, stemi, report
):
    case = report(staff_a, stemi)

    for url in (_detail(case), reverse("registries:case_edit", args=[case.public_id])):
        assert login(staff_b).get(url).status_code == 404
    response = login(staff_b).post(reverse("registries:case_delete", args=[case.public_id]))

    assert response.status_code == 404
    assert Case.objects.filter(pk=case.pk).exists()
    denied = AuditEntry.objects.filter(actor=staff_b, outcome=Outcome.DENIED)
    assert denied.count() == 3 and not denied.filter(patient__isnull=False).exists()


@pytest.mark.parametrize("who", ["anonymous", "patient", "manager", "expert"])
def test_people_outside_the_hospital_get_nothing(
    client, login, request, who, staff_a, stemi, report
):
    case = report(staff_a, stemi)
    if who != "anonymous":
        login(request.getfixturevalue(who))

    for url in (_detail(case), reverse("registries:cases"), reverse("registries:case_new")):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        assert case.patient.name.encode() not in response.content
    assert not AuditEntry.objects.filter(patient=case.patient).exists()


# --- the case list ------------------------------------------------------------------------


def test_the_case_list_shows_the_hospitals_cases_only(login, staff_a, staff_b, stemi, report):
    own = report(staff_a, stemi)
    other = report(staff_b, stemi)

    response = login(staff_a).get(reverse("registries:cases"))

    rows = [
        r.get("data-case")
        for r in parse(response).one("table", id="case-table").find_all("tr", data_case=True)
    ]
    assert rows == [str(own.public_id)]
    assert str(other.public_id) not in response.content.decode()
    assert AuditEntry.objects.filter(actor=staff_a, action=AuditAction.LIST).exists()


def test_filters_and_a_posted_search_find_cases(login, staff_a, stemi, report, patient_a):
    found = report(staff_a, stemi, patient=patient_a, discharged=date(2025, 3, 10))
    report(staff_a, stemi, discharged=date(2025, 4, 10))
    draft = report(staff_a, stemi, submit=False, discharged=date(2025, 4, 12))
    client = login(staff_a)

    by_month = client.get(reverse("registries:cases"), {"month": "2025-03"})
    drafts = client.get(reverse("registries:cases"), {"status": "draft"})
    searched = client.post(reverse("registries:cases"), {"query": "王某某"})
    by_reference = client.post(reverse("registries:cases"), {"query": found.reference})

    def ids(response):
        return [r.get("data-case") for r in parse(response).find_all("tr", data_case=True)]

    assert ids(by_month) == [str(found.public_id)]
    assert ids(drafts) == [str(draft.public_id)]
    assert ids(searched) == [str(found.public_id)]
    assert ids(by_reference) == [str(found.public_id)]
    search = AuditEntry.objects.filter(action=AuditAction.SEARCH).latest("id")
    assert "王某某" not in search.path


def test_the_case_list_query_count_does_not_grow_with_rows(
    login, staff_a, stemi, report, django_assert_max_num_queries
):
    for _ in range(12):
        report(staff_a, stemi)
    client = login(staff_a)
    with django_assert_max_num_queries(15):
        response = client.get(reverse("registries:cases"))
    assert len(parse(response).find_all("tr", data_case=True)) == 12


# --- the case form ------------------------------------------------------------------------


def _post_data(patient, **changes):
    data = {
        "patient": str(patient.public_id),
        "diagnosis_code": "i21.0",
        "admission_date": "2025-03-09",
        "discharge_date": "2025-03-15",
        "a_arrival_at": "2025-03-09T08:00",
        "a_aspirin_given": "yes",
        "a_aspirin_at": "2025-03-09T08:20",
        "a_reperfusion": "直接 PCI",
        "a_balloon_at": "2025-03-09T09:10",
        "a_lvef": "45",
        "a_beta_blocker": "yes",
        "a_statin": "yes",
        "a_discharge_status": "医嘱离院",
        "submit": "1",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_the_case_form_offers_the_hospitals_patients_only(
    login, staff_a, stemi, patient_a, patient_b
):
    response = login(staff_a).get(reverse("registries:case_new"), {"registry": stemi.public_id})

    assert response.status_code == 200
    options = [
        o.get("value") for o in parse(response).one("select", name="patient").find_all("option")
    ]
    assert str(patient_a.public_id) in options and str(patient_b.public_id) not in options


def test_a_wrong_case_is_explained_field_by_field_and_the_input_kept(
    login, staff_a, stemi, patient_a
):
    url = f"{reverse('registries:case_new')}?registry={stemi.public_id}"
    bad = _post_data(patient_a, diagnosis_code="I63.9", a_lvef="150", a_statin=None)

    response = login(staff_a).post(url, bad)

    assert response.status_code == 422
    assert field_errors(response, "diagnosis_code") == [
        "I63.9 is not a diagnosis of this registry (I21.*)."
    ]
    assert field_errors(response, "a_lvef") == ["Enter a number of at most 90."]
    assert field_errors(response, "a_statin") == ["This field is required."]
    assert field_value(response, "a_lvef") == "150"
    assert field_value(response, "diagnosis_code") == "I63.9"
    assert field_value(response, "a_balloon_at") == "2025-03-09T09:10"
    assert not Case.objects.exists()


def test_a_case_is_submitted_from_the_form(login, staff_a, stemi, patient_a):
    url = f"{reverse('registries:case_new')}?registry={stemi.public_id}"

    response = login(staff_a).post(url, _post_data(patient_a))

    case = Case.objects.get()
    assert response.status_code == 302 and response.url == _detail(case)
    assert case.status == CaseStatus.SUBMITTED and case.diagnosis_code == "I21.0"
    assert case.answers["lvef"] == 45 and case.answers["aspirin_given"] is True
    assert AuditEntry.objects.filter(action=AuditAction.CREATE, patient=patient_a).exists()


def test_a_draft_is_saved_without_the_required_answers(login, staff_a, stemi, patient_a):
    url = f"{reverse('registries:case_new')}?registry={stemi.public_id}"
    draft = {
        "patient": str(patient_a.public_id),
        "diagnosis_code": "I21.4",
        "admission_date": "2025-03-09",
        "a_statin": "no",
        "draft": "1",
    }

    response = login(staff_a).post(url, draft)

    assert response.status_code == 302
    case = Case.objects.get()
    assert case.status == CaseStatus.DRAFT and case.answers == {"statin": False}


def test_correcting_a_submitted_case_is_audited_and_shown(login, staff_a, stemi, report, patient_a):
    case = report(staff_a, stemi, patient=patient_a)
    client = login(staff_a)
    edit = reverse("registries:case_edit", args=[case.public_id])
    form = parse(client.get(edit)).one("form", id="case-form")
    assert form.one("input", name="version").get("value") == str(case.version)
    assert form.one("input", name="a_statin", value="yes").get("checked") is not None
    data = _post_data(
        patient_a,
        admission_date=case.admission_date.isoformat(),
        discharge_date=case.discharge_date.isoformat(),
        diagnosis_code=case.diagnosis_code,
        a_statin="no",
        version=str(case.version),
        submit=None,
        save="1",
    )

    response = client.post(edit, data)

    assert response.status_code == 302
    revision = CaseRevision.objects.get(case=case)
    assert revision.changes["answers.statin"] == [True, False]
    assert AuditEntry.objects.filter(
        action=AuditAction.UPDATE, patient=patient_a, outcome=Outcome.OK
    ).exists()
    page = parse(client.get(_detail(case)))
    assert "answers.statin" in page.one("ul", id="revisions").text


def test_a_stale_edit_form_is_refused_with_a_message(login, staff_a, stemi, report, patient_a):
    case = report(staff_a, stemi, patient=patient_a)
    data = _post_data(
        patient_a,
        admission_date=case.admission_date.isoformat(),
        discharge_date=case.discharge_date.isoformat(),
        a_statin="no",
        version="0",
    )

    response = login(staff_a).post(reverse("registries:case_edit", args=[case.public_id]), data)

    assert response.status_code == 422
    assert "Someone else saved this case" in parse(response).one("div", id="form-errors").text
    case.refresh_from_db()
    assert case.answers["statin"] is True


def test_a_draft_is_deleted_after_confirmation(login, staff_a, stemi, report):
    draft = report(staff_a, stemi, submit=False)
    client = login(staff_a)
    page = parse(client.get(_detail(draft)))
    assert page.one("div", id="delete-modal") is not None

    response = client.post(reverse("registries:case_delete", args=[draft.public_id]))

    assert response.status_code == 302 and not Case.objects.exists()


# --- the designer -------------------------------------------------------------------------


def _registry_post(**changes):
    data = {
        "name": "测试登记",
        "code": "test",
        "icd_patterns": "I21.*, I22",
        "fields": json.dumps(
            [
                {"key": "aspirin", "label": "阿司匹林", "type": "yes_no", "required": True},
                {"key": "lvef", "label": "LVEF", "type": "number", "min": 5, "max": 90},
            ]
        ),
        "derived": "",
        "indicators": json.dumps(
            [
                {
                    "code": "aspirin",
                    "name": "阿司匹林",
                    "numerator": {"field": "aspirin", "op": "eq", "value": True},
                }
            ]
        ),
        "is_active": "on",
    }
    data.update(changes)
    return data


def test_only_platform_administrators_open_the_designer(login, platform_admin, manager, staff_a):
    url = reverse("registries:designer")
    assert login(platform_admin).get(url).status_code == 200
    assert login(manager).get(url).status_code == 403
    assert (
        login(staff_a).post(reverse("registries:registry_new"), _registry_post()).status_code == 403
    )
    assert not Registry.objects.exists()


def test_the_designer_refuses_an_unknown_field_and_bad_json(login, platform_admin):
    client = login(platform_admin)
    unknown = json.dumps(
        [{"code": "x", "name": "X", "numerator": {"field": "asprin", "op": "eq", "value": True}}]
    )

    response = client.post(reverse("registries:registry_new"), _registry_post(indicators=unknown))
    broken = client.post(reverse("registries:registry_new"), _registry_post(fields="[{"))

    assert response.status_code == 422
    assert field_errors(response, "indicators") == [
        "Indicator 1 (x) · numerator: unknown field “asprin”."
    ]
    assert field_value(response, "indicators") == unknown
    assert broken.status_code == 422
    assert field_errors(broken, "fields")[0].startswith("This is not valid JSON (line 1")
    assert not Registry.objects.exists()


def test_the_designer_saves_and_edits_a_registry(login, platform_admin):
    client = login(platform_admin)

    response = client.post(reverse("registries:registry_new"), _registry_post())

    assert response.status_code == 302
    registry = Registry.objects.get()
    assert registry.icd_patterns == ["I21.*", "I22"]
    assert [i.code for i in registry.quality_indicators] == ["aspirin"]
    edit = reverse("registries:registry_edit", args=[registry.public_id])
    assert field_value(client.get(edit), "icd_patterns") == "I21.*, I22"
    client.post(edit, _registry_post(name="改名"))
    registry.refresh_from_db()
    assert registry.name == "改名"


# --- indicators ---------------------------------------------------------------------------

PERIOD = {"start": "2025-03", "end": "2025-03"}


@pytest.fixture
def cases(stemi, staff_a, staff_b, report):
    report(staff_a, stemi)  # all met
    report(staff_a, stemi, statin=False)
    report(staff_b, stemi, statin=False, beta_blocker=False)


def test_managers_see_every_hospital_beside_the_alliance(
    login, manager, cases, hospital_a, hospital_b
):
    response = login(manager).get(reverse("registries:indicators"), PERIOD)

    assert response.status_code == 200
    page = parse(response)
    rows = page.one("table", id="rate-table").find_all("tr", data_hospital=True)
    assert {r.get("data-hospital") for r in rows} == {
        str(hospital_a.public_id),
        str(hospital_b.public_id),
    }
    statin = list(page.one("tr", id="alliance-row").find_all("td", data_rate=True))[3]
    assert statin.get("data-rate") == "33.3"  # 1 of 3
    charts = json.loads(page.one("script", id="chart-data").text)
    by_code = {i["code"]: i for i in charts["indicators"]}
    assert by_code["statin"]["alliance"] == 33.3 and by_code["statin"]["target"] == 90.0
    assert sorted(h["rate"] for h in by_code["statin"]["hospitals"]) == [0.0, 50.0]
    assert page.find("script", src=True) is not None
    assert not [
        s
        for s in page.find_all("script")
        if not s.get("src") and s.get("type") != "application/json"
    ]


def test_a_hospital_admin_sees_their_hospital_beside_the_alliance(login, hospital_admin_b, cases):
    response = login(hospital_admin_b).get(reverse("registries:indicators"), PERIOD)

    page = parse(response)
    statin = page.one("table", id="own-table").one("tr", data_indicator="statin")
    assert statin.one("td", data_own_rate=True).get("data-own-rate") == "0.0"
    assert statin.one("td", data_alliance_rate=True).get("data-alliance-rate") == "33.3"
    assert page.find("table", id="rate-table") is None  # no other hospital by name
    chart = json.loads(page.one("script", id="chart-data").text)
    assert all(indicator["hospitals"] == [] for indicator in chart["indicators"])
    # json_script escapes non-ASCII, so look for the name as the page encodes it too.
    other = "桐庐县人民医院"
    body = response.content.decode()
    assert other not in body
    assert json.dumps(other)[1:-1] not in body


def test_staff_do_not_open_the_indicator_dashboard(login, staff_a, cases):
    assert login(staff_a).get(reverse("registries:indicators")).status_code == 403


def test_the_indicator_export_holds_the_tables_figures(login, manager, cases):
    response = login(manager).get(reverse("registries:indicators_export", args=["csv"]), PERIOD)

    assert response.status_code == 200
    lines = response.content.decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("Hospital,Cases,")
    alliance = lines[-1].split(",")
    assert alliance[:2] == ["Alliance", "3"]
    # statin is the fourth indicator: numerator, denominator, rate, excluded, incomplete
    assert alliance[2 + 15 : 2 + 20] == ["1", "3", "33.3", "0", "0"]


# --- coverage -----------------------------------------------------------------------------


def test_a_hospital_enters_discharges_and_sees_its_coverage(login, staff_a, stemi, report):
    report(staff_a, stemi, discharged=date(2025, 3, 10))
    report(staff_a, stemi, discharged=date(2025, 3, 20))
    report(staff_a, stemi, discharged=date(2025, 3, 21), submit=False)  # drafts do not count
    client = login(staff_a)

    response = client.post(
        f"{reverse('registries:coverage')}?start=2025-01&end=2025-06",
        {"registry": str(stemi.public_id), "month": "2025-03", "count": "8"},
    )

    assert response.status_code == 302
    page = parse(client.get(reverse("registries:coverage"), {"start": "2025-01", "end": "2025-06"}))
    row = page.one("table", id="coverage-table").one(
        "tr", data_row=f"{staff_a.hospital.public_id}:stemi:2025-03"
    )
    assert row.one("td", data_coverage=True).get("data-coverage") == "25.0"  # 2 of 8


def test_a_bad_discharge_count_is_explained(login, staff_a, stemi):
    response = login(staff_a).post(
        reverse("registries:coverage"),
        {"registry": str(stemi.public_id), "month": "March", "count": "-1"},
    )

    assert response.status_code == 422
    assert field_errors(response, "month") == ["Give a month as YYYY-MM."]
    assert field_errors(response, "count")
    assert not DischargeCount.objects.exists()


def test_coverage_is_the_hospitals_own_and_the_managers_all(
    login, staff_a, staff_b, manager, stemi, report
):
    report(staff_a, stemi)
    report(staff_b, stemi)
    set_discharge_count(actor=staff_b, registry=stemi, month=date(2025, 3, 1), count=4)
    period = {"start": "2025-03", "end": "2025-03"}

    def rows(user):
        page = parse(login(user).get(reverse("registries:coverage"), period))
        return {r.get("data-row").split(":")[0] for r in page.find_all("tr", data_row=True)}

    assert rows(staff_a) == {str(staff_a.hospital.public_id)}
    assert rows(manager) == {str(staff_a.hospital.public_id), str(staff_b.hospital.public_id)}
    export = login(manager).get(reverse("registries:coverage_export", args=["csv"]), period)
    body = export.content.decode("utf-8-sig")
    assert "2025-03,平阳县人民医院," in body and ",4,1,25.0" in body
    assert login(manager).post(reverse("registries:coverage"), {"count": "1"}).status_code == 403


def test_the_reporting_roles_reach_the_pages_from_the_quality_menu(login, make_user, hospital_a):
    user = make_user(Role.STAFF, hospital=hospital_a)
    response = login(user).get(reverse("web:home"))
    links = [a.get("href") for a in parse(response).one("nav", class_="yl-sidebar").find_all("a")]
    assert reverse("registries:cases") in links and reverse("registries:coverage") in links


def _xlsx(rows) -> bytes:
    import io

    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_discharge_counts_are_imported_from_a_workbook(login, staff_a, stemi):
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = _xlsx(
        [["registry", "month", "count"], ["stemi", "2025-01", 7], ["stemi", "2025-02", 9]]
    )
    upload = SimpleUploadedFile("counts.xlsx", content)

    response = login(staff_a).post(
        reverse("registries:coverage"), {"form": "import", "file": upload}
    )

    assert response.status_code == 302
    rows = DischargeCount.objects.order_by("month").values_list("month", "count", "hospital")
    assert list(rows) == [
        (date(2025, 1, 1), 7, staff_a.hospital_id),
        (date(2025, 2, 1), 9, staff_a.hospital_id),
    ]


def test_a_file_with_bad_rows_names_each_and_saves_nothing(login, staff_a, stemi):
    from django.core.files.uploadedfile import SimpleUploadedFile

    csv = "\n".join(
        [
            "registry,month,count",
            "stemi,2025-01,7",
            "stroke,2025-01,3",
            "stemi,January,3",
            "stemi,2025-02,-4",
            "stemi,2025-01,8",
        ]
    )
    upload = SimpleUploadedFile("counts.csv", csv.encode("utf-8-sig"))

    response = login(staff_a).post(
        reverse("registries:coverage"), {"form": "import", "file": upload}
    )

    assert response.status_code == 422
    assert field_errors(response, "file") == [
        "Row 3: no registry has the code “stroke”.",
        "Row 4: give a past or current month as YYYY-MM.",
        "Row 5: the count must be a whole number from 0.",
        "Row 6: this registry and month are already in the file.",
    ]
    assert not DischargeCount.objects.exists()


def test_a_benchmarking_chart_keeps_the_lowest_and_highest_rates(
    monkeypatch, login, manager, stemi, make_user, lead_hospital, report
):
    from yilian.orgs.tests.factories import HospitalFactory

    from .. import views

    monkeypatch.setattr(views, "CHART_HOSPITALS", 4)
    for n, statin in enumerate([True, False, True, True, False, True]):
        hospital = HospitalFactory(name=f"医院{n}", alliance=lead_hospital.alliance)
        report(make_user(Role.STAFF, hospital=hospital), stemi, statin=statin)

    page = parse(login(manager).get(reverse("registries:indicators"), PERIOD))

    charts = json.loads(page.one("script", id="chart-data").text)
    statin = next(i for i in charts["indicators"] if i["code"] == "statin")
    assert [h["rate"] for h in statin["hospitals"]] == [0.0, 0.0, 100.0, 100.0]
    assert len(page.one("table", id="rate-table").find_all("tr", data_hospital=True)) == 6
