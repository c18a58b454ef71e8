"""The cast of the FHIR tests: a remote consultation of hospital A's patient driven through
the real services to its signed opinion (with a case file and a held video session), a
follow-up visit the patient answered, hospital A's submitted capability assessment, and
hospital B's own patient and draft — the things A's people must never see.

``fhir_get`` reads an endpoint and checks the body validates with ``fhir.resources``
(R4B models, see ``validate``): every test that reads output goes through it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone, translation
from fhir.resources.R4B import get_fhir_model_class

from yilian.accession.models import Assessment
from yilian.accession.services import start_reassessment, submit_assessment
from yilian.accession.tests.conftest import full_answers
from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.files.models import FileAsset
from yilian.files.services import store_upload
from yilian.followups.models import FollowUpVisit
from yilian.followups.services import answer_visit, create_answer_link, save_template, start_plan
from yilian.medical.models import Mode, Subtype
from yilian.medical.services import ConsultationData, save_consultation
from yilian.orgs.models import Specialty, Team, TeamService
from yilian.orgs.tests.factories import DepartmentFactory, TeamFactory
from yilian.patients.identity import check_digit
from yilian.patients.models import Patient
from yilian.patients.services import record_uploaded_consent, register_patient
from yilian.realtime.models import RoomSession
from yilian.realtime.services import open_request_session
from yilian.workflow.models import BusinessRequest, Opinion
from yilian.workflow.services import transition

NATIONAL_ID_17 = "33010219800101123"
NATIONAL_ID = NATIONAL_ID_17 + check_digit(NATIONAL_ID_17)
PHONE = "13912345678"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _english(client) -> Iterator[None]:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def validate(body: dict[str, Any]) -> Any:
    """Parse ``body`` with the fhir.resources model of its resourceType (R4B, whose
    structures are R4's for every resource served here); raises on any invalid element."""
    model = get_fhir_model_class(body["resourceType"])
    return model.model_validate(body)


@pytest.fixture
def fhir_get(client) -> Callable[..., Any]:
    def get(user: User | None, path: str, *, status: int = 200, **headers: Any) -> Any:
        client.logout()
        if user is not None:
            client.force_login(user)
        response = client.get(path, **headers)
        assert response.status_code == status, response.content[:500]
        assert response["Content-Type"].startswith("application/fhir+json")
        body = json.loads(response.content)
        validate(body)
        return body

    return get


def pdf(name: str = "case.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, "application/pdf")


def sign_consent(request: BusinessRequest, applicant: User) -> None:
    record_uploaded_consent(
        request, actor=applicant, upload=pdf("consent.pdf"), signer="patient", signer_name="王某某"
    )


@pytest.fixture
def auditor(make_user, lead_hospital) -> User:
    return make_user(Role.AUDITOR, hospital=lead_hospital, name="审计员")


@pytest.fixture
def patient_user(make_user) -> User:
    return make_user(Role.PATIENT, name="孙患者")


@pytest.fixture
def consultation_team(lead_hospital, expert) -> Team:
    department = DepartmentFactory(
        hospital=lead_hospital, name="心血管内科", specialty=Specialty.CARDIOLOGY
    )
    expert.department = department
    expert.save(update_fields=["department"])
    team = TeamFactory(
        hospital=lead_hospital, name="心内科会诊组", specialty=Specialty.CARDIOLOGY, lead=expert
    )
    TeamService.objects.create(team=team, kind="consultation")
    return team


@pytest.fixture
def patient_a(staff_a) -> Patient:
    return register_patient(
        actor=staff_a,
        name="王某某",
        national_id=NATIONAL_ID,
        phone=PHONE,
        medical_record_number="MR-0001",
        address="浙江省桐庐县城南街道 1 号",
    )


@pytest.fixture
def patient_b(staff_b) -> Patient:
    return register_patient(actor=staff_b, name="钱某某", medical_record_number="B-0001")


def consultation_data(patient: Patient) -> ConsultationData:
    return ConsultationData(
        patient=patient,
        urgency="urgent",
        subtype=Subtype.GENERAL,
        case_summary="男，46 岁，反复胸痛 2 周。",
        clinical_question="是否需要冠脉造影？",
        specialty=Specialty.CARDIOLOGY,
        mode=Mode.VIDEO,
    )


@dataclass
class Story:
    consultation: BusinessRequest
    session: RoomSession
    opinion: Opinion
    document: FileAsset
    visit: FollowUpVisit
    assessment: Assessment
    patient_a: Patient
    patient_b: Patient
    draft_b: BusinessRequest


@pytest.fixture
def story(
    staff_a, staff_b, manager, expert, hospital_a, hospital_admin_a, consultation_team,
    patient_a, patient_b,
) -> Story:  # fmt: skip
    request = save_consultation(applicant=staff_a, data=consultation_data(patient_a))
    document = store_upload(pdf(), owner=staff_a, target=request, purpose="case")
    sign_consent(request, staff_a)
    request = transition(request, "submit", actor=staff_a)
    request = transition(request, "approve", actor=manager)
    start = timezone.now() + timedelta(hours=1)
    request = transition(
        request,
        "confirm",
        actor=expert,
        form="video",
        scheduled_start=start,
        scheduled_end=start + timedelta(hours=1),
    )
    request = transition(request, "publish", actor=manager)
    session = open_request_session(request, actor=expert)
    request = transition(request, "start", actor=expert)
    request = transition(request, "complete", actor=expert, body="建议行冠脉造影。\n择期住院。")
    session.refresh_from_db()

    follow_up_team = TeamFactory(
        hospital=hospital_a, name="随访组", specialty=Specialty.CARDIOLOGY, lead=staff_a
    )
    TeamService.objects.create(team=follow_up_team, kind="follow_up")
    template = save_template(
        actor=manager,
        name="出院随访",
        offsets=[1, 30],
        questions=[
            {"label": "伤口是否愈合良好？", "type": "yes_no", "required": True},
            {"label": "疼痛评分", "type": "number", "required": True},
            {"label": "其他不适", "type": "text"},
        ],
    )
    plan = start_plan(
        doctor=staff_a,
        patient=patient_a,
        template=template,
        start_date=timezone.localdate() - timedelta(days=1),
    )
    first = plan.visits.order_by("number").first()
    link = create_answer_link(first, actor=staff_a)
    visit = answer_visit(link.token, {"q1": "yes", "q2": "3", "q3": "偶有头晕"})

    assessment = start_reassessment(hospital_a, actor=manager, year=timezone.now().year + 1)
    assessment = submit_assessment(assessment, full_answers(), by=hospital_admin_a)

    draft_b = save_consultation(applicant=staff_b, data=consultation_data(patient_b))
    return Story(
        consultation=request,
        session=session,
        opinion=request.opinions.get(is_conclusion=True),
        document=document,
        visit=visit,
        assessment=assessment,
        patient_a=patient_a,
        patient_b=patient_b,
        draft_b=draft_b,
    )


@pytest.fixture
def as_user(client) -> Callable[[User], Client]:
    def login(user: User) -> Client:
        client.logout()
        client.force_login(user)
        return client

    return login
