"""The linkage cast: departments of the lead hospital, the team that receives visitors and
students there (the standard ``expert`` leads it), and a ``Loop`` that drives requests
through the real services."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from yilian.accounts.models import User
from yilian.orgs.models import Department, Hospital, Specialty, Team, TeamService
from yilian.orgs.tests.factories import DepartmentFactory, TeamFactory
from yilian.workflow.tests.conftest import Loop

from .. import services
from ..kinds import ADVANCED_STUDY, CLINICAL_OBSERVATION, SPECIAL_BUSINESS, STUDY_VISIT
from ..models import StudyQuota, add_months

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def pdf_upload(name: str = "licence.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, "application/pdf")


def text_upload(name: str = "licence.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"just some text, not a scan", "application/pdf")


@pytest.fixture
def cardiology(lead_hospital: Hospital) -> Department:
    return DepartmentFactory(hospital=lead_hospital, name="心内科", specialty=Specialty.CARDIOLOGY)


@pytest.fixture
def pathology(lead_hospital: Hospital) -> Department:
    return DepartmentFactory(hospital=lead_hospital, name="病理科", specialty=Specialty.PATHOLOGY)


@pytest.fixture
def host_team(lead_hospital: Hospital, expert: User) -> Team:
    team = TeamFactory(
        hospital=lead_hospital, name="进修与参观接待组", specialty=Specialty.CARDIOLOGY, lead=expert
    )
    team.members.add(expert)
    for kind in (STUDY_VISIT, CLINICAL_OBSERVATION, ADVANCED_STUDY, SPECIAL_BUSINESS):
        TeamService.objects.create(team=team, kind=kind)
    return team


@pytest.fixture
def loop(manager: User, expert: User, staff_a: User, host_team: Team) -> Loop:
    return Loop(manager=manager, expert=expert, applicant=staff_a, team=host_team)


def soon(days: int = 14) -> date:
    return timezone.localdate() + timedelta(days=days)


def next_month(months: int = 1) -> date:
    return add_months(timezone.localdate().replace(day=1), months)


def visit_data(host: Hospital, *departments: Department, **changes) -> services.VisitData:
    fields = {
        "host": host,
        "departments": list(departments),
        "date_from": soon(14),
        "date_to": soon(15),
        "visitor_count": 2,
        "visitors": [
            services.VisitorData("赵医生", User.Title.ATTENDING_PHYSICIAN, "心血管内科"),
            services.VisitorData("孙护士", User.Title.NURSE, "护理部"),
        ],
        "purpose": "学习胸痛中心建设流程",
    }
    fields.update(changes)
    return services.VisitData(**fields)


def study_data(department: Department, **changes) -> services.StudyData:
    fields = {
        "education": "bachelor",
        "school": "浙江大学医学院",
        "major": "临床医学",
        "graduation_year": 2015,
        "years_in_practice": 9,
        "current_position": "心内科主治医师",
        "professional_title": User.Title.ATTENDING_PHYSICIAN,
        "clinical_experience": "独立完成冠脉造影 200 余例",
        "department": department,
        "period_months": 6,
        "start_date": next_month(),
    }
    fields.update(changes)
    return services.StudyData(**fields)


def apply_study(applicant: User, department: Department, **changes):
    return services.save_advanced_study(
        applicant=applicant,
        data=study_data(department, **changes),
        licence=pdf_upload(),
        qualification=pdf_upload("qualification.pdf"),
    )


@pytest.fixture
def quota(cardiology: Department) -> StudyQuota:
    return StudyQuota.objects.create(department=cardiology, month=next_month(), seats=2)


@pytest.fixture(autouse=True)
def _english_pages(client) -> None:
    """Pages are asserted in their English source form too."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
