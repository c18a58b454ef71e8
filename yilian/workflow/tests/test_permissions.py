"""Who may take each action: everyone in the cast tries every action on a request in the
status the action leaves. Those who may not see the request get a 404, those who see it
but may not act get PermissionDenied — and the request, its events and documents are
unchanged either way. ``allowed_actions`` offers exactly what the service allows."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.workflow.models import Status
from yilian.workflow.selectors import allowed_actions, get_request_for_user
from yilian.workflow.services import transition

from .conftest import MANUAL, ROUTED, snapshot

pytestmark = pytest.mark.django_db

CAST = (
    "anonymous",
    "manager",
    "platform_admin",
    "auditor",
    "disabled_manager",
    "expert",  # lead and member of the team the request is dispatched to
    "other_expert",  # an expert of another team
    "staff_a",  # the applicant
    "colleague_a",  # other staff of the applicant's hospital
    "hospital_admin_a",
    "staff_b",
    "hospital_admin_b",
    "patient",
)
PLATFORM = {"manager", "platform_admin", "auditor"}
APPLICANT_SIDE = {"staff_a", "colleague_a", "hospital_admin_a"}
SEES_UNASSIGNED = PLATFORM | APPLICANT_SIDE  # before a team is assigned
SEES_ASSIGNED = SEES_UNASSIGNED | {"expert"}

# action, the status it leaves, the kind (MANUAL keeps "approved" from being auto-routed),
# who may see the request then, who may take the action, the status it leads to
MATRIX = [
    ("submit", Status.DRAFT, ROUTED, SEES_UNASSIGNED, {"staff_a"}, Status.SUBMITTED),
    ("withdraw", Status.SUBMITTED, ROUTED, SEES_UNASSIGNED, {"staff_a"}, Status.CANCELLED),
    ("return", Status.SUBMITTED, ROUTED, SEES_UNASSIGNED, {"manager"}, Status.RETURNED),
    ("reject", Status.SUBMITTED, ROUTED, SEES_UNASSIGNED, {"manager"}, Status.REJECTED),
    ("approve", Status.SUBMITTED, MANUAL, SEES_UNASSIGNED, {"manager"}, Status.APPROVED),
    ("dispatch", Status.APPROVED, MANUAL, SEES_UNASSIGNED, {"manager"}, Status.DISPATCHED),
    ("cancel", Status.APPROVED, MANUAL, SEES_UNASSIGNED, {"manager"}, Status.CANCELLED),
    ("decline", Status.DISPATCHED, ROUTED, SEES_ASSIGNED, {"expert"}, Status.DECLINED),
    ("confirm", Status.DISPATCHED, ROUTED, SEES_ASSIGNED, {"expert"}, Status.CONFIRMED),
    ("publish", Status.CONFIRMED, ROUTED, SEES_ASSIGNED, {"manager"}, Status.PUBLISHED),
    ("start", Status.PUBLISHED, ROUTED, SEES_ASSIGNED, {"manager", "expert"}, Status.IN_PROGRESS),
    ("complete", Status.IN_PROGRESS, ROUTED, SEES_ASSIGNED, {"expert"}, Status.COMPLETED),
    ("feedback", Status.COMPLETED, ROUTED, SEES_ASSIGNED, APPLICANT_SIDE, Status.FEEDBACK_GIVEN),
    ("close", Status.FEEDBACK_GIVEN, ROUTED, SEES_ASSIGNED, {"manager"}, Status.CLOSED),
]


@pytest.fixture
def cast(
    make_user,
    manager,
    platform_admin,
    expert,
    other_expert,
    staff_a,
    hospital_admin_a,
    staff_b,
    hospital_admin_b,
    patient,
    hospital_a,
    lead_hospital,
) -> dict[str, object]:
    disabled = make_user(Role.MANAGER, hospital=lead_hospital, name="停用管理员")
    disabled.status = User.Status.DISABLED
    disabled.save(update_fields=["status"])
    return {
        "anonymous": AnonymousUser(),
        "manager": manager,
        "platform_admin": platform_admin,
        "auditor": make_user(Role.AUDITOR, hospital=lead_hospital, name="审计员"),
        "disabled_manager": disabled,
        "expert": expert,
        "other_expert": other_expert,
        "staff_a": staff_a,
        "colleague_a": make_user(Role.STAFF, hospital=hospital_a, name="甲院同事"),
        "hospital_admin_a": hospital_admin_a,
        "staff_b": staff_b,
        "hospital_admin_b": hospital_admin_b,
        "patient": patient,
    }


def _cases() -> list:
    cases = []
    for action, status, kind, sees, may, to_status in MATRIX:
        for who in CAST:
            outcome = "ok" if who in may else ("403" if who in sees else "404")
            cases.append(
                pytest.param(
                    action, status, kind, who, outcome, to_status, id=f"{action}-{who}-{outcome}"
                )
            )
    return cases


@pytest.mark.parametrize(("action", "status", "kind", "who", "outcome", "to_status"), _cases())
def test_permission_matrix(loop, cast, action, status, kind, who, outcome, to_status):
    request = loop.at(status, kind=kind)
    actor = cast[who]
    before = snapshot(request)
    data = loop.data_for(action)

    if outcome == "ok":
        moved = transition(request, action, actor=actor, **data)
        assert moved.status == to_status
        assert snapshot(request)["events"][-1][1] in {action, "resubmit"}
        return

    expected = Http404 if outcome == "404" else PermissionDenied
    with pytest.raises(expected):
        transition(request, action, actor=actor, **data)
    assert snapshot(request) == before


@pytest.mark.parametrize(("action", "status", "kind", "sees", "may", "to_status"), MATRIX)
def test_allowed_actions_offers_what_the_service_allows(
    loop, cast, action, status, kind, sees, may, to_status
):
    request = loop.at(status, kind=kind)
    for who, actor in cast.items():
        offered = allowed_actions(request, actor)  # type: ignore[arg-type]
        assert (action in offered) == (who in may), (who, offered)
        if who not in sees:
            assert offered == []
            with pytest.raises(Http404):
                get_request_for_user(actor, request.public_id)  # type: ignore[arg-type]
        else:
            assert get_request_for_user(actor, request.public_id) == request  # type: ignore[arg-type]


def test_expert_assigned_outside_their_team_sees_the_request(loop, expert, other_expert):
    request = loop.at(Status.DISPATCHED)
    # the lead adds an expert of another team to the session
    loop.team.members.add(other_expert)
    transition(request, "confirm", actor=expert, **loop.data_for("confirm"), experts=[other_expert])
    loop.team.members.remove(other_expert)
    assert get_request_for_user(other_expert, request.public_id) == request
    # but being assigned is not being in the team: they may not complete it
    request = loop.advance(request, Status.IN_PROGRESS)
    assert "complete" not in allowed_actions(request, other_expert)
    with pytest.raises(PermissionDenied):
        transition(request, "complete", actor=other_expert, body="意见")


def test_a_malformed_public_id_is_a_404(loop, manager):
    with pytest.raises(Http404):
        get_request_for_user(manager, "not-a-uuid")
