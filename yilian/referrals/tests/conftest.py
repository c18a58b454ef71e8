"""The cast of a referral: the lead hospital's cardiology department and its referral team
(the standard ``expert`` leads it), a city hospital, a patient of hospital A, and
``Refer`` — a helper that drives a referral through the real services, the right person
doing each step."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone, translation

from yilian.accounts.models import User
from yilian.orgs.models import Department, Hospital, Specialty, Team, TeamService
from yilian.orgs.tests.factories import DepartmentFactory, HospitalFactory, TeamFactory
from yilian.patients.identity import check_digit
from yilian.patients.models import Consent, Patient
from yilian.workflow.models import BusinessRequest, Status
from yilian.workflow.services import transition

from ..models import Direction
from ..services import ReferralData, save_referral

NATIONAL_ID_17 = "33010219800101123"
NATIONAL_ID = NATIONAL_ID_17 + check_digit(NATIONAL_ID_17)


@pytest.fixture(autouse=True)
def _english(client) -> Iterator[None]:
    """Messages and pages are asserted in their English source form."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def cardiology(lead_hospital: Hospital) -> Department:
    return DepartmentFactory(
        hospital=lead_hospital, name="心血管内科", specialty=Specialty.CARDIOLOGY
    )


@pytest.fixture
def city_hospital(lead_hospital) -> Hospital:
    return HospitalFactory(
        name="杭州市第一人民医院", alliance=lead_hospital.alliance, tier=Hospital.Tier.CITY
    )


@pytest.fixture
def referral_team(lead_hospital, expert, cardiology) -> Team:
    team = TeamFactory(
        hospital=lead_hospital, name="心内科转诊组", specialty=Specialty.CARDIOLOGY, lead=expert
    )
    TeamService.objects.create(team=team, kind="referral")
    return team


@pytest.fixture
def other_referral_team(lead_hospital, make_user) -> Team:
    # Sorts before the cardiology team by name: the fallback for other departments.
    team = TeamFactory(
        hospital=lead_hospital, name="住院服务中心", specialty=Specialty.ADMINISTRATION
    )
    TeamService.objects.create(team=team, kind="referral")
    return team


@pytest.fixture
def patient_a(hospital_a, staff_a) -> Patient:
    return Patient.objects.create(
        hospital=hospital_a, name="王某某", national_id=NATIONAL_ID, created_by=staff_a
    )


def up_data(patient: Patient | None, department: Department, **changes: Any) -> ReferralData:
    data = ReferralData(
        patient=patient,
        direction=Direction.UP,
        target_hospital=department.hospital,
        target_department=department,
        diagnosis_code="I21.4",
        diagnosis_text="急性非ST段抬高型心肌梗死",
        reason="胸痛 6 小时，肌钙蛋白升高，本院无介入条件，需行冠脉造影。",
        urgency="urgent",
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


def tomorrow_at(hour: int) -> datetime:
    day = timezone.localdate() + timedelta(days=1)
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour))


@dataclass
class Refer:
    applicant: User
    manager: User
    receiver: User
    patient: Patient
    department: Department

    def draft(self, **changes: Any) -> BusinessRequest:
        changes.setdefault("patient", self.patient)
        patient = changes.pop("patient")
        return save_referral(
            applicant=self.applicant, data=up_data(patient, self.department, **changes)
        )

    def submitted(self, **changes: Any) -> BusinessRequest:
        request = self.draft(**changes)
        sign_consent(request, self.applicant)
        return transition(request, "submit", actor=self.applicant)

    def confirmed(self, **changes: Any) -> BusinessRequest:
        request = transition(self.submitted(**changes), "approve", actor=self.manager)
        assert request.status == Status.DISPATCHED, request.status
        return transition(
            request,
            "confirm",
            actor=self.receiver,
            form="on_site",
            scheduled_start=tomorrow_at(9),
            scheduled_end=tomorrow_at(10),
            contact="心内科 住院总 李医生 0571-8888 6666",
            arrangement="直接入住心内科 12 病区 3 床。",
        )

    def arrived(self, **changes: Any) -> BusinessRequest:
        return transition(self.confirmed(**changes), "start", actor=self.receiver)


@pytest.fixture
def refer(staff_a, manager, expert, patient_a, cardiology, referral_team) -> Refer:
    return Refer(
        applicant=staff_a,
        manager=manager,
        receiver=expert,
        patient=patient_a,
        department=cardiology,
    )
