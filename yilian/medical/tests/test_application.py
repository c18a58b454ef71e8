"""Applying for a remote consultation: the form and the service, the title, the consent
needed to submit, routing to a team of the wanted specialty and the per-urgency deadlines."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from yilian.files.models import FileAsset
from yilian.files.selectors import files_for
from yilian.orgs.models import Specialty
from yilian.workflow.models import BusinessRequest, Status
from yilian.workflow.registry import get_kind
from yilian.workflow.services import transition

from ..forms import ConsultationForm
from ..models import Consultation, Subtype
from ..services import save_consultation
from .conftest import NATIONAL_ID, mdt_data, sign_consent

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _post(patient, **changes):
    data = {
        "patient": str(patient.public_id) if patient else "",
        "urgency": "urgent",
        "subtype": "mdt",
        "mdt_specialties": ["oncology", "radiology"],
        "specialty": "oncology",
        "expert_title": "chief_physician",
        "mode": "async",
        "case_summary": "右肺上叶占位 3 cm。",
        "clinical_question": "手术还是新辅助治疗？",
    }
    data.update(changes)
    return data


def test_the_form_creates_a_draft_about_the_patient_with_its_case_files(staff_a, patient_a):
    report = SimpleUploadedFile("CT报告.pdf", PDF, content_type="application/pdf")
    form = ConsultationForm(_post(patient_a), {"attachments": [report]}, applicant=staff_a)

    assert form.is_valid(), form.errors
    request = form.save()

    assert request.kind == "consultation"
    assert request.status == Status.DRAFT
    assert request.patient == patient_a
    assert request.urgency == "urgent"
    detail = Consultation.objects.get(request=request)
    assert detail.subtype == Subtype.MDT
    assert detail.mdt_specialties == ["oncology", "radiology"]
    assert detail.mode == "async"
    assert [(f.original_name, f.purpose) for f in files_for(request)] == [("CT报告.pdf", "case")]


def test_the_title_names_the_kind_specialty_and_date_never_the_patient(staff_a, patient_a):
    form = ConsultationForm(_post(patient_a), {}, applicant=staff_a)
    assert form.is_valid(), form.errors
    request = form.save()

    assert "MDT" in request.title
    assert "oncology" in request.title
    assert timezone.localdate(request.created_at).isoformat() in request.title  # the local day
    for secret in (patient_a.name, NATIONAL_ID, NATIONAL_ID[-4:], str(patient_a.public_id)):
        assert secret not in request.title


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"clinical_question": "   "}, "clinical_question", "This field is required."),
        ({"mdt_specialties": ["oncology"]}, "mdt_specialties", "at least two specialties"),
        ({"specialty": "astrology"}, "specialty", "Select a valid choice"),
        ({"urgency": ""}, "urgency", "This field is required."),
    ],
)
def test_the_form_says_what_is_wrong_next_to_the_field_and_keeps_the_rest(
    staff_a, patient_a, changes, field, message
):
    form = ConsultationForm(_post(patient_a, **changes), {}, applicant=staff_a)

    assert not form.is_valid()
    assert message in " ".join(form.errors[field])
    assert form["case_summary"].value() == "右肺上叶占位 3 cm。"
    assert not BusinessRequest.objects.exists()


def test_a_patient_of_another_hospital_cannot_be_chosen(staff_a, patient_b):
    form = ConsultationForm(_post(patient_b), {}, applicant=staff_a)
    assert not form.is_valid()
    assert "patient" in form.errors

    with pytest.raises(ValidationError) as refused:
        save_consultation(applicant=staff_a, data=mdt_data(patient_b))
    assert refused.value.message_dict["patient"] == ["Choose a patient of your hospital."]


def test_the_service_checks_what_the_form_checks(staff_a, patient_a):
    with pytest.raises(ValidationError) as refused:
        save_consultation(
            applicant=staff_a,
            data=mdt_data(None, case_summary=" ", mdt_specialties=("oncology", "oncology")),
        )
    errors = refused.value.message_dict
    assert errors["patient"] == ["Choose the patient."]
    assert "Summarise the case" in errors["case_summary"][0]
    assert "at least two specialties" in errors["mdt_specialties"][0]
    assert not BusinessRequest.objects.exists()


def test_a_file_that_is_not_a_document_writes_nothing(staff_a, patient_a):
    script = SimpleUploadedFile("report.pdf", b"#!/bin/sh\necho hi\n", content_type="text/plain")

    with pytest.raises(ValidationError) as refused:
        save_consultation(applicant=staff_a, data=mdt_data(patient_a), files=[script])

    assert "attachments" in refused.value.message_dict
    assert not BusinessRequest.objects.exists()
    assert not FileAsset.objects.exists()


def test_the_applicant_changes_a_draft(staff_a, patient_a):
    request = save_consultation(applicant=staff_a, data=mdt_data(patient_a))
    form = ConsultationForm(applicant=staff_a, instance=request)
    assert form["clinical_question"].value() == "下一步手术还是新辅助治疗？"

    form = ConsultationForm(
        _post(patient_a, subtype="imaging", specialty="radiology", urgency="emergency"),
        {},
        applicant=staff_a,
        instance=request,
    )
    assert form.is_valid(), form.errors
    changed = form.save()

    assert changed.pk == request.pk
    assert changed.urgency == "emergency"
    detail = Consultation.objects.get(request=request)
    assert (detail.subtype, detail.specialty, detail.mdt_specialties) == (
        "imaging",
        "radiology",
        [],
    )
    assert "imaging" in changed.title


def test_submitting_needs_the_patients_signed_consent(consult):
    request = consult.draft()

    with pytest.raises(ValidationError, match="informed consent is missing"):
        transition(request, "submit", actor=consult.applicant)
    assert BusinessRequest.objects.get(pk=request.pk).status == Status.DRAFT

    sign_consent(request, consult.applicant)
    request = transition(request, "submit", actor=consult.applicant)
    assert request.status == Status.SUBMITTED


def test_approval_routes_to_a_team_of_the_wanted_specialty(consult, mdt_team, imaging_team):
    request = transition(consult.submitted(), "approve", actor=consult.manager)

    assert request.status == Status.DISPATCHED
    assert request.team == mdt_team  # oncology, though the imaging team sorts first


def test_without_a_team_of_that_specialty_any_consultation_team_takes_it(
    consult, mdt_team, imaging_team
):
    request = consult.submitted(specialty=Specialty.CARDIOLOGY)
    request = transition(request, "approve", actor=consult.manager)

    assert request.team == imaging_team


def test_deadlines_depend_on_the_urgency(consult):
    kind = get_kind("consultation")
    assert kind.sla("approve", "emergency") == timedelta(minutes=30)
    assert kind.sla("approve", "urgent") == timedelta(hours=4)
    assert kind.sla("approve", "routine") == timedelta(hours=24)

    emergency = consult.submitted(urgency="emergency")
    routine = consult.submitted(urgency="routine")

    assert emergency.due_at == emergency.submitted_at + timedelta(minutes=30)
    assert routine.due_at == routine.submitted_at + timedelta(hours=24)
