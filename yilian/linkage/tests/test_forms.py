"""The application forms: valid input saves; each invalid case keeps what was typed and
says why next to the field."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict

from yilian.workflow.models import BusinessRequest

from ..forms import AdvancedStudyForm, ClinicalObservationForm, StudyVisitForm
from ..kinds import CLINICAL_OBSERVATION, STUDY_VISIT
from .conftest import PDF, PNG, next_month, soon

pytestmark = pytest.mark.django_db


def _visit_post(lead_hospital, *departments, visitors=2, **changes) -> QueryDict:
    data = QueryDict(mutable=True)
    data["host"] = str(lead_hospital.public_id)
    data.setlist("departments", [str(d.public_id) for d in departments])
    data["date_from"] = soon(14).isoformat()
    data["date_to"] = soon(15).isoformat()
    data["visitor_count"] = str(visitors)
    data["purpose"] = "学习胸痛中心建设"
    data["visitors-TOTAL_FORMS"] = str(visitors)
    data["visitors-INITIAL_FORMS"] = "0"
    data["visitors-MIN_NUM_FORMS"] = "1"
    data["visitors-MAX_NUM_FORMS"] = "20"
    for i in range(visitors):
        data[f"visitors-{i}-name"] = f"访客{i}"
        data[f"visitors-{i}-title"] = "attending_physician"
        data[f"visitors-{i}-department"] = "心血管内科"
    for key, value in changes.items():
        data[key] = value
    return data


def test_a_valid_visit_form_saves_a_draft(staff_a, lead_hospital, cardiology, pathology):
    form = StudyVisitForm(_visit_post(lead_hospital, pathology, cardiology), applicant=staff_a)

    assert form.is_valid(), (form.errors, form.visitors.errors)
    request = form.save()

    assert request.kind == STUDY_VISIT
    assert request.visit.visitors.count() == 2
    assert request.visit.ordered_departments() == [pathology, cardiology]


def test_the_form_starts_with_the_lead_hospital_and_the_applicant_as_visitor(
    staff_a, lead_hospital, cardiology
):
    form = ClinicalObservationForm(applicant=staff_a)

    assert form["host"].value() == lead_hospital.public_id
    assert form.visitors.forms[0]["name"].value() == "赵医生"
    assert cardiology in form.fields["departments"].queryset
    html = form.render()
    assert f'data-hospital="{lead_hospital.public_id}"' in html
    assert "data-formset-add" in html
    assert "yilian/linkage.js" in html


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"date_from": "2001-01-01"}, "date_from", "The visit cannot start in the past."),
        ({"date_to": soon(13).isoformat()}, "date_to", "The last day cannot be before the first."),
        ({"visitor_count": "3"}, "visitor_count", "You said 3 visitors but listed 2"),
        ({"visitor_count": "25"}, "visitor_count", "less than or equal to 20"),
        ({"purpose": ""}, "purpose", "This field is required."),
    ],
)
def test_an_invalid_visit_keeps_the_input_and_says_why(
    staff_a, lead_hospital, cardiology, changes, field, message
):
    form = StudyVisitForm(_visit_post(lead_hospital, cardiology, **changes), applicant=staff_a)

    assert not form.is_valid()
    assert any(message in e for e in form.errors[field]), form.errors
    assert form["purpose"].value() == changes.get("purpose", "学习胸痛中心建设")
    assert form.visitors.forms[0]["name"].value() == "访客0"
    assert not BusinessRequest.objects.exists()


def test_departments_are_required(staff_a, lead_hospital):
    form = StudyVisitForm(_visit_post(lead_hospital), applicant=staff_a)
    assert not form.is_valid()
    assert "departments" in form.errors


def test_a_visitor_row_needs_a_name(staff_a, lead_hospital, cardiology):
    form = StudyVisitForm(
        _visit_post(lead_hospital, cardiology, **{"visitors-1-name": ""}), applicant=staff_a
    )
    assert not form.is_valid()
    assert form.visitors.forms[1].errors["name"]
    assert "Check the visitors' details below." in form.non_field_errors()


def test_a_removed_visitor_row_is_not_counted(staff_a, lead_hospital, cardiology):
    data = _visit_post(lead_hospital, cardiology, visitors=2, visitor_count="1")
    data["visitors-1-DELETE"] = "on"
    form = StudyVisitForm(data, applicant=staff_a)

    assert form.is_valid(), form.errors
    assert [v.name for v in form.save().visit.visitors.all()] == ["访客0"]


def test_more_than_twenty_visitor_rows_are_refused(staff_a, lead_hospital, cardiology):
    form = StudyVisitForm(
        _visit_post(lead_hospital, cardiology, visitors=21, visitor_count="20"), applicant=staff_a
    )
    assert not form.is_valid()


def test_editing_a_draft_starts_from_what_was_saved(staff_a, lead_hospital, cardiology):
    request = StudyVisitForm(_visit_post(lead_hospital, cardiology), applicant=staff_a)
    assert request.is_valid()
    draft = request.save()

    form = StudyVisitForm(applicant=staff_a, instance=draft)

    assert form["purpose"].value() == "学习胸痛中心建设"
    assert [f["name"].value() for f in form.visitors.forms] == ["访客0", "访客1"]
    assert form.kind == STUDY_VISIT
    assert ClinicalObservationForm(applicant=staff_a, instance=draft).kind == STUDY_VISIT
    assert CLINICAL_OBSERVATION != STUDY_VISIT


def _study_post(department, **changes):
    data = {
        "education": "master",
        "school": "温州医科大学",
        "major": "内科学",
        "graduation_year": "2016",
        "years_in_practice": "8",
        "current_position": "主治医师",
        "professional_title": "attending_physician",
        "clinical_experience": "心内科临床工作八年",
        "department": str(department.public_id),
        "period_months": "6",
        "start_date": next_month().strftime("%Y-%m"),
    }
    data.update(changes)
    return data


def _scans(licence=PDF, qualification=PNG):
    return {
        "licence": SimpleUploadedFile("licence.pdf", licence),
        "qualification": SimpleUploadedFile("qualification.png", qualification),
    }


def test_a_valid_advanced_study_form_saves(staff_a, cardiology):
    form = AdvancedStudyForm(_study_post(cardiology), _scans(), applicant=staff_a)

    assert form.is_valid(), form.errors
    request = form.save()
    assert request.advanced_study.start_date == next_month()
    assert request.advanced_study.period_months == 6


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"start_date": soon(40).replace(day=3).isoformat()}, "start_date"),
        ({"start_date": "2001-03"}, "start_date"),
        ({"period_months": "4"}, "period_months"),
        ({"education": ""}, "education"),
        ({"graduation_year": "2999"}, "graduation_year"),
    ],
)
def test_an_invalid_advanced_study_says_why(staff_a, cardiology, changes, field):
    form = AdvancedStudyForm(_study_post(cardiology, **changes), _scans(), applicant=staff_a)

    assert not form.is_valid()
    assert field in form.errors
    assert form["school"].value() == "温州医科大学"


def test_a_certificate_must_be_a_scan(staff_a, cardiology):
    form = AdvancedStudyForm(
        _study_post(cardiology), _scans(licence=b"MZ\x90\x00 an executable"), applicant=staff_a
    )

    assert not form.is_valid()
    assert "licence" in form.errors
    assert not BusinessRequest.objects.exists()


def test_the_lead_hospitals_departments_only(staff_a, cardiology, department_a):
    form = AdvancedStudyForm(_study_post(department_a), _scans(), applicant=staff_a)
    assert not form.is_valid()
    assert "department" in form.errors


def test_an_error_only_the_service_finds_is_shown_once_next_to_its_field(
    client, staff_a, lead_hospital, hospital_b, host_team
):
    from django.urls import reverse

    from yilian.core.tests.html import field_errors
    from yilian.orgs.models import Department
    from yilian.orgs.tests.factories import DepartmentFactory

    # A department of another hospital passes the form's list but not the service's check.
    elsewhere = DepartmentFactory(hospital=hospital_b, name="外院心内科")
    other_team = host_team.__class__.objects.create(
        hospital=hospital_b, name="乙院接待组", specialty=host_team.specialty
    )
    other_team.services.create(kind=STUDY_VISIT)
    assert Department.objects.filter(pk=elsewhere.pk).exists()
    client.force_login(staff_a)

    response = client.post(
        reverse("workflow:apply_kind", args=[STUDY_VISIT]),
        _visit_post(lead_hospital, elsewhere, intent="submit"),
    )

    assert response.status_code == 422
    assert field_errors(response, "departments") == ["Choose departments of the host hospital."]
    assert not BusinessRequest.objects.exists()
