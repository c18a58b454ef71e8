"""Applications are written through the services: the request and its detail together, or
nothing at all."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from yilian.orgs.models import CooperationPlan, Department
from yilian.orgs.tests.factories import DepartmentFactory
from yilian.workflow.models import BusinessRequest, RequestEvent, Status
from yilian.workflow.services import transition

from .. import services
from ..kinds import ADVANCED_STUDY, CLINICAL_OBSERVATION, STUDY_VISIT
from ..models import AdvancedStudy, Visit, Visitor
from .conftest import apply_study, pdf_upload, soon, study_data, text_upload, visit_data

pytestmark = pytest.mark.django_db


def _counts() -> dict[str, int]:
    return {
        "requests": BusinessRequest.objects.count(),
        "events": RequestEvent.objects.count(),
        "visits": Visit.objects.count(),
        "visitors": Visitor.objects.count(),
        "studies": AdvancedStudy.objects.count(),
    }


def test_a_study_visit_is_a_draft_with_its_visit(staff_a, lead_hospital, cardiology, pathology):
    request = services.save_visit(
        kind=STUDY_VISIT,
        applicant=staff_a,
        data=visit_data(lead_hospital, cardiology, pathology),
    )

    assert request.status == Status.DRAFT
    assert request.kind == STUDY_VISIT
    assert request.title == f"Study visit · 心内科 · {soon(14).isoformat()}"
    assert request.desired_start < request.desired_end
    visit = request.visit
    assert visit.host == lead_hospital
    assert [d.name for d in visit.ordered_departments()] == ["心内科", "病理科"]
    assert [v.name for v in visit.visitors.all()] == ["赵医生", "孙护士"]
    assert visit.visitor_count == 2


def test_a_clinical_observation_uses_the_same_detail(staff_a, lead_hospital, pathology):
    request = services.save_visit(
        kind=CLINICAL_OBSERVATION, applicant=staff_a, data=visit_data(lead_hospital, pathology)
    )

    assert request.title.startswith("Clinical observation · 病理科")
    assert Visit.objects.get(request=request).ordered_departments() == [pathology]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"departments": []}, "departments"),
        ({"date_from": soon(-1), "date_to": soon(1)}, "date_from"),
        ({"date_to": soon(13)}, "date_to"),
        ({"date_to": soon(14 + 31)}, "date_to"),
        ({"date_from": date(9999, 12, 30), "date_to": date(9999, 12, 31)}, "date_to"),
        ({"visitor_count": 3}, "visitor_count"),
        ({"visitor_count": 21}, "visitor_count"),
        ({"purpose": "  "}, "purpose"),
    ],
)
def test_an_invalid_visit_writes_nothing(staff_a, lead_hospital, cardiology, changes, field):
    before = _counts()
    data = visit_data(lead_hospital, cardiology)
    data = services.VisitData(**{**data.__dict__, **changes})

    with pytest.raises(ValidationError) as refused:
        services.save_visit(kind=STUDY_VISIT, applicant=staff_a, data=data)

    assert field in refused.value.message_dict
    assert _counts() == before


def test_departments_must_belong_to_the_host(staff_a, lead_hospital, department_a):
    with pytest.raises(ValidationError) as refused:
        services.save_visit(
            kind=STUDY_VISIT, applicant=staff_a, data=visit_data(lead_hospital, department_a)
        )

    assert refused.value.message_dict["departments"] == ["Choose departments of the host hospital."]


def test_a_failure_after_the_request_was_created_rolls_everything_back(
    staff_a, lead_hospital, cardiology
):
    before = _counts()
    # Passes the checks, but a department that was never saved cannot be linked: the
    # request and the visit were written by then.
    phantom = Department(hospital=lead_hospital, name="不存在", specialty="cardiology")
    created: list[str] = []

    def seen(sender, instance, **kwargs):
        created.append(type(instance).__name__)

    from django.db.models.signals import post_save

    post_save.connect(seen, weak=False, dispatch_uid="linkage-rollback-test")
    try:
        with pytest.raises(ValueError, match="unsaved related object"):
            services.save_visit(
                kind=STUDY_VISIT, applicant=staff_a, data=visit_data(lead_hospital, phantom)
            )
    finally:
        post_save.disconnect(dispatch_uid="linkage-rollback-test")

    assert {"BusinessRequest", "Visit"} <= set(created)  # they had been written …
    assert _counts() == before  # … and were rolled back


def test_the_applicant_updates_a_draft_and_a_returned_request(
    loop, staff_a, lead_hospital, cardiology, pathology
):
    request = services.save_visit(
        kind=STUDY_VISIT, applicant=staff_a, data=visit_data(lead_hospital, cardiology)
    )
    version = request.version

    services.save_visit(
        kind=STUDY_VISIT,
        applicant=staff_a,
        data=visit_data(
            lead_hospital,
            pathology,
            visitor_count=1,
            visitors=[services.VisitorData("钱医生", "resident_physician", "急诊科")],
        ),
        instance=request,
    )

    request.refresh_from_db()
    assert request.title.startswith("Study visit · 病理科")
    assert request.version == version + 1
    assert [v.name for v in request.visit.visitors.all()] == ["钱医生"]
    assert request.visit.ordered_departments() == [pathology]
    assert BusinessRequest.objects.count() == 1

    request = transition(request, "submit", actor=staff_a)
    request = transition(request, "return", actor=loop.manager, note="请补充目的")
    services.save_visit(
        kind=STUDY_VISIT,
        applicant=staff_a,
        data=visit_data(lead_hospital, cardiology, purpose="学习胸痛中心质控"),
        instance=request,
    )
    assert Visit.objects.get(request=request).purpose == "学习胸痛中心质控"


def test_a_submitted_request_cannot_be_changed(staff_a, lead_hospital, cardiology, pathology):
    request = services.save_visit(
        kind=STUDY_VISIT, applicant=staff_a, data=visit_data(lead_hospital, cardiology)
    )
    request = transition(request, "submit", actor=staff_a)

    with pytest.raises(ValidationError, match="can no longer be changed"):
        services.save_visit(
            kind=STUDY_VISIT,
            applicant=staff_a,
            data=visit_data(lead_hospital, pathology),
            instance=request,
        )
    assert Visit.objects.get(request=request).ordered_departments() == [cardiology]


def test_another_person_cannot_change_an_application(
    staff_a, make_user, hospital_a, lead_hospital, cardiology
):
    colleague = make_user("staff", hospital=hospital_a, name="同事")
    request = services.save_visit(
        kind=STUDY_VISIT, applicant=staff_a, data=visit_data(lead_hospital, cardiology)
    )

    with pytest.raises(PermissionDenied):
        services.save_visit(
            kind=STUDY_VISIT,
            applicant=colleague,
            data=visit_data(lead_hospital, cardiology, purpose="改掉"),
            instance=request,
        )
    assert Visit.objects.get(request=request).purpose == "学习胸痛中心建设流程"


def test_an_advanced_study_keeps_its_certificates(staff_a, cardiology):
    from yilian.files.selectors import files_for

    request = apply_study(staff_a, cardiology)

    assert request.kind == ADVANCED_STUDY
    assert request.advanced_study.department == cardiology
    assert request.title.startswith("Advanced study · 心内科 · ")
    licence = files_for(request, "licence")
    assert [f.mime_type for f in licence] == ["application/pdf"]
    assert len(files_for(request, "qualification")) == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"start_date": soon(40).replace(day=2)}, "start_date"),
        ({"start_date": date(9999, 12, 1)}, "start_date"),
        ({"period_months": 4}, "period_months"),
        ({"graduation_year": 1900}, "graduation_year"),
        ({"school": ""}, "school"),
    ],
)
def test_an_invalid_advanced_study_writes_nothing(staff_a, cardiology, changes, field):
    before = _counts()

    with pytest.raises(ValidationError) as refused:
        apply_study(staff_a, cardiology, **changes)

    assert field in refused.value.message_dict
    assert _counts() == before


def test_an_advanced_study_is_for_the_lead_hospital_and_needs_scans(
    staff_a, cardiology, department_a
):
    before = _counts()
    with pytest.raises(ValidationError) as refused:
        services.save_advanced_study(
            applicant=staff_a,
            data=study_data(department_a),
            licence=text_upload(),
            qualification=None,
        )

    errors = refused.value.message_dict
    assert errors["department"] == ["Choose a department of the lead hospital."]
    assert "only PDF" in errors["licence"][0] or "not a file type" in errors["licence"][0]
    assert "qualification" in errors
    assert _counts() == before


def test_a_disabled_linkage_kind_cannot_be_applied_for(staff_a, lead_hospital, cardiology):
    CooperationPlan.objects.create(hospital=staff_a.hospital, disabled_kinds=[STUDY_VISIT])
    before = _counts()

    with pytest.raises(PermissionDenied, match="cooperation plan does not cover"):
        services.save_visit(
            kind=STUDY_VISIT, applicant=staff_a, data=visit_data(lead_hospital, cardiology)
        )

    assert _counts() == before
    # the other linkage kinds stay open
    assert services.save_visit(
        kind=CLINICAL_OBSERVATION, applicant=staff_a, data=visit_data(lead_hospital, cardiology)
    )


def test_a_host_must_be_active(staff_a, hospital_b):
    department = DepartmentFactory(hospital=hospital_b, name="心内科")
    hospital_b.status = hospital_b.Status.SUSPENDED
    hospital_b.save(update_fields=["status"])

    with pytest.raises(ValidationError) as refused:
        services.save_visit(
            kind=STUDY_VISIT, applicant=staff_a, data=visit_data(hospital_b, department)
        )
    assert "host" in refused.value.message_dict


def test_pdf_upload_fixture_is_accepted_by_the_files_check():
    from yilian.files.validators import check_upload

    assert check_upload(pdf_upload(), ["application/pdf"]) == "application/pdf"
