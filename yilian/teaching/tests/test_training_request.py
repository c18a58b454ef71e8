"""A member hospital's training request through the closed loop: applied for with its
form, approved, dispatched to the teaching team that schedules it, and completed — which
turns it into a CME class the team member organises."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from yilian.orgs.models import Room, TeamService
from yilian.orgs.tests.factories import TeamFactory
from yilian.workflow.models import BusinessRequest
from yilian.workflow.services import transition

from .. import cme_services as services
from ..kinds import TRAINING_REQUEST
from ..models import CmeClass, TrainingRequest
from ..policies import may_manage_class


@pytest.fixture
def teaching_team(lead_hospital, expert):
    team = TeamFactory(hospital=lead_hospital, name="继续教育教学组", lead=expert)
    team.members.add(expert)
    TeamService.objects.create(team=team, kind=TRAINING_REQUEST)
    return team


def _apply(login, user, **overrides) -> tuple[int, BusinessRequest | None]:
    start = timezone.localdate() + timedelta(days=10)
    data = {
        "topic": "基层高血压规范管理",
        "audience": "乡镇卫生院全科医生",
        "participants": "40",
        "preferred_from": start.isoformat(),
        "preferred_to": (start + timedelta(days=5)).isoformat(),
        "intent": "submit",
        **overrides,
    }
    response = login(user).post(reverse("workflow:apply_kind", args=[TRAINING_REQUEST]), data)
    return response.status_code, BusinessRequest.objects.filter(kind=TRAINING_REQUEST).first()


def test_a_hospital_requests_a_class_and_completing_the_request_creates_it(
    login, staff_a, manager, expert, teaching_team, lead_hospital
):
    status, request = _apply(login, staff_a)
    assert status == 302 and request is not None
    assert request.status == "submitted"
    assert TrainingRequest.objects.get(request=request).participants == 40

    request = transition(request, "approve", actor=manager)  # routed to the teaching team
    assert request.team == teaching_team
    room = Room.objects.create(hospital=lead_hospital, name="云教室", kind=Room.Kind.TEACHING)
    start = timezone.now() + timedelta(days=10)
    request = transition(
        request,
        "confirm",
        actor=expert,
        scheduled_start=start,
        scheduled_end=start + timedelta(hours=3),
        form="video",
        room=room,
    )
    request = transition(request, "complete", actor=expert, body="已排期并生成培训班。")

    cme_class = CmeClass.objects.get(training_request=request)
    assert (cme_class.title, cme_class.quota, cme_class.published) == (
        "基层高血压规范管理",
        40,
        False,
    )
    session = cme_class.sessions.get()
    assert (session.room, session.starts_at) == (room, start)
    assert may_manage_class(expert, cme_class)  # the team member organises it
    assert not may_manage_class(staff_a, cme_class)
    event = request.events.get(action="complete")
    assert event.payload["cme_class"] == str(cme_class.public_id)


def test_the_request_form_keeps_what_was_typed_and_explains(login, staff_a, teaching_team):
    start = timezone.localdate() + timedelta(days=10)
    response = login(staff_a).post(
        reverse("workflow:apply_kind", args=[TRAINING_REQUEST]),
        {
            "topic": "心衰管理",
            "audience": "县医院心内科",
            "participants": "10",
            "preferred_from": start.isoformat(),
            "preferred_to": (start - timedelta(days=3)).isoformat(),
            "intent": "submit",
        },
    )
    page = response.content.decode()
    assert response.status_code == 422
    assert "The last preferred date is before the first." in page
    assert "心衰管理" in page and "县医院心内科" in page
    assert not BusinessRequest.objects.filter(kind=TRAINING_REQUEST).exists()


def test_class_from_request_is_made_once(login, staff_a, manager, expert, teaching_team):
    _status, request = _apply(login, staff_a)
    first = services.class_from_request(request, actor=expert)
    assert services.class_from_request(request, actor=expert) == first
    assert CmeClass.objects.count() == 1
