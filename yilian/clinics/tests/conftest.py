"""The cast of the e-clinic and the ward round: an expert holding an e-clinic in a team
serving e-clinics and ward rounds, patients of hospitals A and B, and helpers that drive
requests through the real services, the right person doing each step."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, time, timedelta

import pytest
from django.utils import timezone, translation

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.orgs.models import Hospital, Team, TeamService
from yilian.orgs.tests.factories import TeamFactory
from yilian.patients.models import Consent, Patient
from yilian.workflow.models import BusinessRequest, Status
from yilian.workflow.services import transition

from ..models import ClinicSchedule, ClinicSlot
from ..services import (
    RowData,
    ScheduleData,
    VisitData,
    WardRoundData,
    save_schedule,
    save_visit,
    save_ward_round,
)


@pytest.fixture(autouse=True)
def _english(client) -> Iterator[None]:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def second_expert(make_user, lead_hospital) -> User:
    return make_user(Role.EXPERT, hospital=lead_hospital, name="李专家")


@pytest.fixture
def clinic_team(lead_hospital, expert, second_expert) -> Team:
    team = TeamFactory(hospital=lead_hospital, name="心内科专家门诊", lead=expert)
    team.members.add(expert, second_expert)
    TeamService.objects.create(team=team, kind="e_clinic")
    TeamService.objects.create(team=team, kind="ward_round")
    return team


@pytest.fixture
def patients_a(hospital_a: Hospital, staff_a: User) -> list[Patient]:
    return [
        Patient.objects.create(hospital=hospital_a, name=name, created_by=staff_a)
        for name in ("王某某", "张某某", "陈某某")
    ]


@pytest.fixture
def patient_b(hospital_b, staff_b) -> Patient:
    return Patient.objects.create(hospital=hospital_b, name="钱某某", created_by=staff_b)


def weekly(expert: User, day: date, **changes: object) -> ClinicSchedule:
    """A clinic on ``day``'s weekday, 09:00–10:00 in 20-minute slots (three slots)."""
    data = ScheduleData(
        weekday=day.weekday(),
        start_time=time(9, 0),
        end_time=time(10, 0),
        slot_minutes=20,
        valid_from=timezone.localdate(),
    )
    for name, value in changes.items():
        data = ScheduleData(**{**data.__dict__, name: value})
    return save_schedule(expert=expert, data=data)


def slots_on(expert: User, day: date) -> list[ClinicSlot]:
    return list(ClinicSlot.objects.filter(expert=expert, start__date=day).order_by("start"))


def sign_consent(request: BusinessRequest, by: User) -> Consent:
    assert request.patient is not None
    return Consent.objects.create(
        patient=request.patient,
        request=request,
        method=Consent.Method.UPLOAD,
        signer=Consent.Signer.PATIENT,
        signer_name=request.patient.name,
        signed_at=timezone.now(),
        created_by=by,
    )


@dataclass
class Clinic:
    applicant: User
    expert: User
    patient: Patient

    def book(self, slot: ClinicSlot, patient: Patient | None = None) -> BusinessRequest:
        return save_visit(
            applicant=self.applicant,
            data=VisitData(slot=slot, patient=patient or self.patient, complaint="胸闷两周"),
        )

    def submitted(self, slot: ClinicSlot, patient: Patient | None = None) -> BusinessRequest:
        request = self.book(slot, patient)
        sign_consent(request, self.applicant)
        return transition(request, "submit", actor=self.applicant)


@pytest.fixture
def clinic(staff_a, expert, patients_a, clinic_team) -> Clinic:
    return Clinic(applicant=staff_a, expert=expert, patient=patients_a[0])


def round_rows(patients: list[Patient], **changes: object) -> list[RowData]:
    return [
        RowData(
            patient=p,
            bed=f"{n + 1}床",
            summary="术后第三天，发热。",
            question="抗生素是否需要调整？",
            consent_on_file=True,
            **changes,  # type: ignore[arg-type]
        )
        for n, p in enumerate(patients)
    ]


@dataclass
class Round:
    applicant: User
    manager: User
    lead: User
    experts: list[User]
    patients: list[Patient]

    def draft(self) -> BusinessRequest:
        return save_ward_round(
            applicant=self.applicant,
            data=WardRoundData(ward="外科二病区", rows=round_rows(self.patients)),
        )

    def in_progress(self) -> BusinessRequest:
        request = transition(self.draft(), "submit", actor=self.applicant)
        request = transition(request, "approve", actor=self.manager)
        assert request.status == Status.DISPATCHED, request.status
        start = timezone.now() + timedelta(days=1)
        request = transition(
            request,
            "confirm",
            actor=self.lead,
            scheduled_start=start,
            scheduled_end=start + timedelta(hours=1),
            experts=self.experts,
        )
        request = transition(request, "publish", actor=self.manager)
        return transition(request, "start", actor=self.lead)


@pytest.fixture
def ward_round(staff_a, manager, expert, patients_a, clinic_team) -> Round:
    return Round(
        applicant=staff_a,
        manager=manager,
        lead=expert,
        experts=[expert],
        patients=patients_a,
    )
