"""The cast of a remote consultation: the lead hospital's MDT team (the standard ``expert``
leads it; a radiologist and a pathologist of other departments are members), an imaging
team, a patient of hospital A, and ``Consult`` — a helper that drives a consultation
through the real services, the right person doing each step."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
from django.utils import timezone, translation

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.orgs.models import Hospital, Specialty, Team, TeamService
from yilian.orgs.tests.factories import DepartmentFactory, TeamFactory
from yilian.patients.identity import check_digit
from yilian.patients.models import Consent, Patient
from yilian.workflow.models import BusinessRequest, Status
from yilian.workflow.services import transition

from ..models import Mode, Subtype
from ..services import ConsultationData, save_consultation

NATIONAL_ID_17 = "33010219800101123"
NATIONAL_ID = NATIONAL_ID_17 + check_digit(NATIONAL_ID_17)


@pytest.fixture(autouse=True)
def _english(client) -> Iterator[None]:
    """Messages and pages are asserted in their English source form."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def departments(lead_hospital: Hospital) -> dict[str, Any]:
    return {
        "oncology": DepartmentFactory(
            hospital=lead_hospital, name="肿瘤内科", specialty=Specialty.ONCOLOGY
        ),
        "radiology": DepartmentFactory(
            hospital=lead_hospital, name="医学影像科", specialty=Specialty.RADIOLOGY
        ),
        "pathology": DepartmentFactory(
            hospital=lead_hospital, name="病理科", specialty=Specialty.PATHOLOGY
        ),
    }


@pytest.fixture
def radiologist(make_user, lead_hospital, departments) -> User:
    return make_user(
        Role.EXPERT,
        hospital=lead_hospital,
        name="影像专家",
        department=departments["radiology"],
        title=User.Title.CHIEF_PHYSICIAN,
    )


@pytest.fixture
def pathologist(make_user, lead_hospital, departments) -> User:
    return make_user(
        Role.EXPERT,
        hospital=lead_hospital,
        name="病理专家",
        department=departments["pathology"],
        title=User.Title.ASSOCIATE_CHIEF_PHYSICIAN,
    )


@pytest.fixture
def radiologist_2(make_user, lead_hospital, departments) -> User:
    return make_user(
        Role.EXPERT, hospital=lead_hospital, name="影像医师", department=departments["radiology"]
    )


@pytest.fixture
def mdt_team(lead_hospital, expert, departments, radiologist, pathologist, radiologist_2) -> Team:
    expert.department = departments["oncology"]
    expert.save(update_fields=["department"])
    team = TeamFactory(
        hospital=lead_hospital, name="肿瘤多学科会诊组", specialty=Specialty.ONCOLOGY, lead=expert
    )
    team.members.add(expert, radiologist, pathologist, radiologist_2)
    TeamService.objects.create(team=team, kind="consultation")
    return team


@pytest.fixture
def imaging_team(lead_hospital, radiologist) -> Team:
    # Sorts before the MDT team by name: the fallback for specialties nobody serves.
    team = TeamFactory(
        hospital=lead_hospital, name="影像会诊组", specialty=Specialty.RADIOLOGY, lead=radiologist
    )
    TeamService.objects.create(team=team, kind="consultation")
    return team


@pytest.fixture
def patient_a(hospital_a, staff_a) -> Patient:
    return Patient.objects.create(
        hospital=hospital_a, name="王某某", national_id=NATIONAL_ID, created_by=staff_a
    )


@pytest.fixture
def patient_b(hospital_b, staff_b) -> Patient:
    return Patient.objects.create(hospital=hospital_b, name="钱某某", created_by=staff_b)


def mdt_data(patient: Patient | None, **changes: Any) -> ConsultationData:
    data = ConsultationData(
        patient=patient,
        urgency="urgent",
        subtype=Subtype.MDT,
        case_summary="男，62 岁，右肺上叶占位 3 cm，纵隔淋巴结肿大。",
        clinical_question="下一步手术还是新辅助治疗？",
        specialty=Specialty.ONCOLOGY,
        expert_title=User.Title.CHIEF_PHYSICIAN,
        mode=Mode.ASYNC,
        mdt_specialties=(Specialty.ONCOLOGY, Specialty.RADIOLOGY, Specialty.PATHOLOGY),
    )
    return replace(data, **changes)


def sign_consent(request: BusinessRequest, by: User, *, signer_name: str = "王某某") -> Consent:
    assert request.patient is not None
    return Consent.objects.create(
        patient=request.patient,
        request=request,
        method=Consent.Method.UPLOAD,
        signer=Consent.Signer.PATIENT,
        signer_name=signer_name,
        signed_at=timezone.now(),
        created_by=by,
    )


@dataclass
class Consult:
    applicant: User
    manager: User
    lead: User
    experts: list[User]
    patient: Patient

    def draft(self, **changes: Any) -> BusinessRequest:
        return save_consultation(applicant=self.applicant, data=mdt_data(self.patient, **changes))

    def submitted(self, **changes: Any) -> BusinessRequest:
        request = self.draft(**changes)
        sign_consent(request, self.applicant)
        return transition(request, "submit", actor=self.applicant)

    def in_progress(self, **changes: Any) -> BusinessRequest:
        request = self.submitted(**changes)
        request = transition(request, "approve", actor=self.manager)
        assert request.status == Status.DISPATCHED, request.status
        request = transition(
            request, "confirm", actor=self.lead, form="async", experts=self.experts
        )
        request = transition(request, "publish", actor=self.manager)
        return transition(request, "start", actor=self.lead)


@pytest.fixture
def consult(staff_a, manager, expert, radiologist, pathologist, patient_a, mdt_team) -> Consult:
    return Consult(
        applicant=staff_a,
        manager=manager,
        lead=expert,
        experts=[radiologist, pathologist],
        patient=patient_a,
    )
