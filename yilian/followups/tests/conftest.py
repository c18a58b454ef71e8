"""The cast of follow-up: hospital A's follow-up team (``staff_a`` leads it), an
alliance-wide template, a patient of hospital A, a plan started by ``staff_a``, and a
completed down-referral from hospital B to hospital A (its receiving doctor is a member
of hospital A's referral team)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from django.utils import timezone, translation

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.orgs.models import Department, Hospital, Specialty, Team, TeamService
from yilian.orgs.tests.factories import DepartmentFactory, TeamFactory
from yilian.patients.models import Consent, Patient
from yilian.referrals.models import Direction
from yilian.referrals.services import ReferralData, save_referral
from yilian.workflow.models import BusinessRequest, Status
from yilian.workflow.services import transition

from ..models import FollowUpPlan, FollowUpTemplate
from ..services import save_template, start_plan

QUESTIONS = [
    {"label": "伤口是否愈合良好？", "type": "yes_no", "required": True, "alert": "no"},
    {"label": "疼痛评分", "type": "number", "required": True, "alert": "7"},
    {"label": "服药情况", "type": "choice", "options": ["按时", "偶尔漏服", "停药"]},
    {"label": "其他不适", "type": "text"},
]


@pytest.fixture(autouse=True)
def _english(client) -> Iterator[None]:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def follow_up_team(hospital_a, staff_a) -> Team:
    team = TeamFactory(
        hospital=hospital_a, name="随访组", specialty=Specialty.CARDIOLOGY, lead=staff_a
    )
    TeamService.objects.create(team=team, kind="follow_up")
    return team


@pytest.fixture
def template(manager) -> FollowUpTemplate:
    return save_template(actor=manager, name="出院随访", offsets=[7, 30, 90], questions=QUESTIONS)


@pytest.fixture
def patient_a(hospital_a, staff_a) -> Patient:
    return Patient.objects.create(hospital=hospital_a, name="王某某", created_by=staff_a)


@pytest.fixture
def plan(staff_a, patient_a, template, follow_up_team) -> FollowUpPlan:
    return start_plan(
        doctor=staff_a,
        patient=patient_a,
        template=template,
        start_date=timezone.localdate(),
    )


@pytest.fixture
def receiver(make_user, hospital_a) -> User:
    """A doctor of hospital A on its referral team (sees referrals dispatched to it)."""
    return make_user(Role.STAFF, Role.EXPERT, hospital=hospital_a, name="孙医生")


@pytest.fixture
def down_referral(
    staff_b, manager, receiver, hospital_a, hospital_b, follow_up_team
) -> BusinessRequest:
    """A down-referral from hospital B to hospital A, completed by the receiving team."""
    department: Department = DepartmentFactory(
        hospital=hospital_a, name="康复科", specialty=Specialty.CARDIOLOGY
    )
    team = TeamFactory(hospital=hospital_a, name="康复转诊组", specialty=Specialty.CARDIOLOGY)
    team.members.add(receiver)
    TeamService.objects.create(team=team, kind="referral")
    follow_up_team.members.add(receiver)
    return completed_down_referral(
        sender=staff_b, manager=manager, receiver=receiver, department=department
    )


def completed_down_referral(
    *, sender: User, manager: User, receiver: User, department: Department
) -> BusinessRequest:
    """A patient of ``sender``'s hospital referred down to ``department``'s hospital with a
    signed consent, approved, booked, arrived and completed by ``receiver`` (whose team
    must serve referrals there)."""
    patient = Patient.objects.create(hospital=sender.hospital, name="李某某", created_by=sender)
    request = save_referral(
        applicant=sender,
        data=ReferralData(
            patient=patient,
            direction=Direction.DOWN,
            target_hospital=department.hospital,
            target_department=department,
            diagnosis_code="I21.4",
            diagnosis_text="急性心肌梗死 PCI 术后",
            reason="病情稳定，转回基层康复。",
        ),
    )
    Consent.objects.create(
        patient=patient,
        request=request,
        method=Consent.Method.UPLOAD,
        signer=Consent.Signer.PATIENT,
        signer_name="李某某",
        signed_at=timezone.now(),
        created_by=sender,
    )
    request = transition(request, "submit", actor=sender)
    request = transition(request, "approve", actor=manager)
    assert request.status == Status.DISPATCHED, request.status
    start = timezone.now() + timedelta(days=1)
    request = transition(
        request,
        "confirm",
        actor=receiver,
        form="on_site",
        scheduled_start=start,
        scheduled_end=start + timedelta(hours=1),
        contact="康复科 0571-1234",
        arrangement="康复科门诊",
    )
    request = transition(request, "start", actor=receiver)
    return transition(request, "complete", actor=receiver, body="康复良好，继续随访。")


def after(days: int) -> datetime:
    return timezone.now() + timedelta(days=days)


__all__ = ["QUESTIONS", "Hospital", "after"]
