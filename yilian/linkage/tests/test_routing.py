"""Where an approved linkage request goes: a team of the host serving the kind, one of the
first department's specialty first."""

from __future__ import annotations

import pytest

from yilian.orgs.models import Specialty, TeamService
from yilian.orgs.tests.factories import DepartmentFactory, TeamFactory
from yilian.workflow.models import Status

from .. import services
from ..kinds import CLINICAL_OBSERVATION, STUDY_VISIT
from .conftest import apply_study, visit_data

pytestmark = pytest.mark.django_db


def _team(hospital, name, specialty, *kinds):
    team = TeamFactory(hospital=hospital, name=name, specialty=specialty)
    for kind in kinds:
        TeamService.objects.create(team=team, kind=kind)
    return team


def _approved(loop, kind, data):
    request = services.save_visit(kind=kind, applicant=loop.applicant, data=data)
    return loop.advance(request, Status.SUBMITTED)


def test_the_team_of_the_first_departments_specialty_is_preferred(
    loop, lead_hospital, cardiology, pathology, host_team
):
    pathologists = _team(lead_hospital, "病理接待组", Specialty.PATHOLOGY, STUDY_VISIT)

    request = _approved(loop, STUDY_VISIT, visit_data(lead_hospital, pathology, cardiology))
    from yilian.workflow.services import transition

    request = transition(request, "approve", actor=loop.manager)

    assert request.status == Status.DISPATCHED
    assert request.team == pathologists


def test_without_a_matching_specialty_the_first_serving_team_of_the_host_is_chosen(
    loop, lead_hospital, pathology, host_team
):
    from yilian.workflow.services import transition

    request = _approved(loop, CLINICAL_OBSERVATION, visit_data(lead_hospital, pathology))
    request = transition(request, "approve", actor=loop.manager)

    assert request.team == host_team


def test_a_team_of_another_hospital_is_never_chosen(loop, hospital_b, lead_hospital, host_team):
    from yilian.workflow.services import transition

    department = DepartmentFactory(
        hospital=hospital_b, name="心内科", specialty=Specialty.CARDIOLOGY
    )
    _team(hospital_b, "乙院心内科组", Specialty.CARDIOLOGY, STUDY_VISIT)
    other_host_only = _approved(loop, STUDY_VISIT, visit_data(hospital_b, department))
    other_host_only = transition(other_host_only, "approve", actor=loop.manager)
    assert other_host_only.team.hospital == hospital_b

    department_b2 = DepartmentFactory(
        hospital=hospital_b, name="眼科", specialty=Specialty.OPHTHALMOLOGY
    )
    TeamService.objects.filter(team__hospital=hospital_b).delete()
    stranded = _approved(loop, STUDY_VISIT, visit_data(hospital_b, department_b2))
    stranded = transition(stranded, "approve", actor=loop.manager)
    # no team of the host serves the kind: the request waits for a manager to dispatch it
    assert stranded.status == Status.APPROVED
    assert stranded.team is None


def test_an_advanced_study_goes_to_a_team_of_the_lead_hospital(
    loop, staff_a, cardiology, host_team
):
    from yilian.workflow.services import transition

    request = loop.advance(apply_study(staff_a, cardiology), Status.SUBMITTED)
    request = transition(request, "approve", actor=loop.manager)
    assert request.status == Status.DISPATCHED
    assert request.team == host_team
