"""The closed loop's cast: a throwaway business kind, the lead hospital's execution team
(the standard ``expert`` is its lead and member) and a ``Loop`` that drives requests
through the real services to any status, with the right person doing each step."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

import pytest
from django.utils import timezone, translation

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.orgs.models import Hospital, Team, TeamService
from yilian.orgs.tests.factories import TeamFactory
from yilian.workflow import registry
from yilian.workflow.models import BusinessRequest, Status
from yilian.workflow.services import create_request, transition

ROUTED = "wf_test"  # approved requests are dispatched automatically (TeamService)
MANUAL = "wf_manual"  # no routing: approved requests wait for a manager to dispatch


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """The engine's messages are asserted in their English source form."""
    with translation.override("en"):
        yield


@pytest.fixture
def kinds() -> Iterator[dict[str, registry.Kind]]:
    made = {
        ROUTED: registry.register(
            registry.Kind(
                code=ROUTED,
                label="Test consultation",
                module="medical",
                sla_hours={"approve": 24, "confirm": 12},
            )
        ),
        MANUAL: registry.register(
            registry.Kind(
                code=MANUAL,
                label="Manually dispatched test business",
                module="linkage",
                route=lambda request: None,
            )
        ),
    }
    yield made
    for code in made:
        registry.unregister(code)


@pytest.fixture
def team(kinds, lead_hospital: Hospital, expert: User) -> Team:
    team = TeamFactory(hospital=lead_hospital, name="心血管会诊组", lead=expert)
    team.members.add(expert)
    TeamService.objects.create(team=team, kind=ROUTED)
    return team


@pytest.fixture
def other_expert(make_user, lead_hospital) -> User:
    return make_user(Role.EXPERT, hospital=lead_hospital, name="李专家")


@pytest.fixture
def other_team(kinds, lead_hospital: Hospital, other_expert: User) -> Team:
    team = TeamFactory(hospital=lead_hospital, name="影像会诊组", lead=other_expert)
    team.members.add(other_expert)
    return team


def today_at(hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate(), time(hour, minute)))


# The forward path and who takes each step (by ``Loop`` attribute).
PATH: tuple[tuple[str, str, str], ...] = (
    (Status.DRAFT, "submit", "applicant"),
    (Status.SUBMITTED, "approve", "manager"),
    (Status.APPROVED, "dispatch", "manager"),
    (Status.DISPATCHED, "confirm", "expert"),
    (Status.CONFIRMED, "publish", "manager"),
    (Status.PUBLISHED, "start", "expert"),
    (Status.IN_PROGRESS, "complete", "expert"),
    (Status.COMPLETED, "feedback", "applicant"),
    (Status.FEEDBACK_GIVEN, "close", "manager"),
)
ORDER = [p[0] for p in PATH] + [Status.CLOSED]


@dataclass
class Loop:
    manager: User
    expert: User
    applicant: User
    team: Team

    def data_for(self, action: str) -> dict[str, Any]:
        """Valid data for each step."""
        return {
            "return": {"note": "请补充检查报告"},
            "reject": {"reason": "不属于联盟业务范围"},
            "decline": {"reason": "本周专家外出"},
            "cancel": {"reason": "患者已转院"},
            "dispatch": {"team": self.team},
            "confirm": {
                "scheduled_start": today_at(14),
                "scheduled_end": today_at(15),
                "form": "video",
                "arrangement": "14:00 视频会诊",
            },
            "complete": {"body": "建议冠脉造影，继续双抗治疗。"},
            "feedback": {"satisfaction": 5, "timeliness": 4, "quality": 5, "comment": "及时"},
            "close": {"checklist": {"opinion_signed": True, "on_time": True}, "score": 92},
        }.get(action, {})

    def new(self, kind: str = ROUTED, **fields: Any) -> BusinessRequest:
        fields.setdefault("title", "急性心梗术后会诊")
        fields.setdefault("urgency", "urgent")
        return create_request(kind=kind, applicant=self.applicant, **fields)

    def advance(self, request: BusinessRequest, status: str) -> BusinessRequest:
        """Drive ``request`` forward along the happy path until it reaches ``status``."""
        steps = {s: (a, who) for s, a, who in PATH}
        while request.status != status:
            if ORDER.index(request.status) > ORDER.index(status):
                raise AssertionError(f"{request.status} is past {status}")
            action, who = steps[request.status]
            request = transition(request, action, actor=getattr(self, who), **self.data_for(action))
        return request

    def at(self, status: str, kind: str = ROUTED, **fields: Any) -> BusinessRequest:
        return self.advance(self.new(kind, **fields), status)


@pytest.fixture
def loop(kinds, manager: User, expert: User, staff_a: User, team: Team) -> Loop:
    return Loop(manager=manager, expert=expert, applicant=staff_a, team=team)


def snapshot(request: BusinessRequest) -> dict[str, Any]:
    """Everything a denied action must leave untouched."""
    request = BusinessRequest.objects.get(pk=request.pk)
    row = {f.attname: getattr(request, f.attname) for f in BusinessRequest._meta.concrete_fields}
    row["experts"] = sorted(request.experts.values_list("pk", flat=True))
    row["events"] = list(request.events.values_list("pk", "action", "to_status"))
    row["opinions"] = request.opinions.count()
    row["has_feedback"] = hasattr(request, "feedback")
    row["has_qc"] = hasattr(request, "qc_review")
    return row
