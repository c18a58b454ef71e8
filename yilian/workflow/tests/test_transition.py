"""The transition service: the happy path, required reasons, idempotency, stale versions,
the timeline, skipped steps and the side effects after commit."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from yilian.accounts.roles import Role
from yilian.notify.models import Notification
from yilian.orgs.models import Hospital
from yilian.orgs.tests.factories import RoomFactory
from yilian.workflow import registry
from yilian.workflow.models import BusinessRequest, Feedback, Opinion, QCReview, Status
from yilian.workflow.selectors import timeline
from yilian.workflow.services import StaleRequest, TransitionError, create_request, transition

from .conftest import MANUAL, ROUTED, snapshot, today_at

pytestmark = pytest.mark.django_db


def test_happy_path_runs_every_step_with_the_right_roles(loop, manager, expert, staff_a, team):
    request = loop.new()
    assert request.status == Status.DRAFT
    assert request.applicant_hospital == staff_a.hospital
    assert request.version == 1

    request = transition(request, "submit", actor=staff_a)
    assert request.status == Status.SUBMITTED
    assert request.submitted_at is not None

    request = transition(request, "approve", actor=manager)
    # Approval routes the request to the team serving the kind, as a separate system event.
    assert request.status == Status.DISPATCHED
    assert request.team == team
    assert request.reviewed_at is not None
    assert request.dispatched_at is not None

    request = transition(request, "confirm", actor=expert, **loop.data_for("confirm"))
    assert request.status == Status.CONFIRMED
    assert request.scheduled_start == today_at(14)
    assert request.scheduled_end == today_at(15)
    assert request.form == "video"
    assert list(request.experts.all()) == [expert]
    assert request.confirmed_at is not None

    request = transition(request, "publish", actor=manager)
    assert (request.status, request.published_at is not None) == (Status.PUBLISHED, True)

    request = transition(request, "start", actor=expert)
    assert (request.status, request.started_at is not None) == (Status.IN_PROGRESS, True)

    request = transition(request, "complete", actor=expert, body="建议冠脉造影。")
    assert request.status == Status.COMPLETED
    opinion = Opinion.objects.get(request=request)
    assert (opinion.author, opinion.body, opinion.is_conclusion) == (expert, "建议冠脉造影。", True)
    assert opinion.signed_at is not None

    request = transition(
        request, "feedback", actor=staff_a, satisfaction=5, timeliness=4, quality=5, comment="好"
    )
    assert request.status == Status.FEEDBACK_GIVEN
    feedback = Feedback.objects.get(request=request)
    assert (feedback.satisfaction, feedback.timeliness, feedback.quality) == (5, 4, 5)

    request = transition(
        request, "close", actor=manager, checklist={"opinion_signed": True}, score=90
    )
    assert request.status == Status.CLOSED
    qc = QCReview.objects.get(request=request)
    assert (qc.reviewer, qc.score, qc.checklist) == (manager, 90, {"opinion_signed": True})
    assert request.closed_at is not None

    stored = BusinessRequest.objects.get(pk=request.pk)
    assert stored.status == Status.CLOSED
    # one version per transition: 8 human steps + the automatic dispatch
    assert stored.version == request.version == 10


def test_timeline_has_one_event_per_step_with_actor_and_statuses(loop, manager, expert, staff_a):
    request = loop.at(Status.CLOSED)
    events = timeline(request)
    assert [(e.action, e.actor, e.from_status, e.to_status) for e in events] == [
        ("create", staff_a, "", "draft"),
        ("submit", staff_a, "draft", "submitted"),
        ("approve", manager, "submitted", "approved"),
        ("dispatch", None, "approved", "dispatched"),
        ("confirm", expert, "dispatched", "confirmed"),
        ("publish", manager, "confirmed", "published"),
        ("start", expert, "published", "in_progress"),
        ("complete", expert, "in_progress", "completed"),
        ("feedback", staff_a, "completed", "feedback_given"),
        ("close", manager, "feedback_given", "closed"),
    ]
    assert events[3].payload["team"] == str(loop.team.public_id)
    assert events[3].payload["auto"] is True
    assert events[8].payload == {"satisfaction": 5, "timeliness": 4, "quality": 5}


def test_events_are_append_only(loop):
    event = timeline(loop.new())[0]
    event.note = "rewritten"
    with pytest.raises(ValueError, match="append-only"):
        event.save()


def test_return_and_resubmit(loop, manager, staff_a):
    request = loop.at(Status.SUBMITTED)
    request = transition(request, "return", actor=manager, note="请补充心电图")
    assert request.status == Status.RETURNED
    request = transition(request, "submit", actor=staff_a)
    assert request.status == Status.SUBMITTED
    events = timeline(request)
    assert [e.action for e in events[-2:]] == ["return", "resubmit"]
    assert events[-2].note == "请补充心电图"


def test_reject_is_final(loop, manager, staff_a):
    request = loop.at(Status.SUBMITTED)
    request = transition(request, "reject", actor=manager, reason="不属于联盟业务范围")
    assert request.status == Status.REJECTED
    assert timeline(request)[-1].note == "不属于联盟业务范围"
    with pytest.raises(TransitionError):
        transition(request, "withdraw", actor=staff_a)


@pytest.mark.parametrize(
    ("status", "action", "actor", "field", "data"),
    [
        (Status.SUBMITTED, "return", "manager", "note", {}),
        (Status.SUBMITTED, "return", "manager", "note", {"note": "   "}),
        (Status.SUBMITTED, "reject", "manager", "reason", {}),
        (Status.SUBMITTED, "reject", "manager", "reason", {"reason": ""}),
        (Status.DISPATCHED, "decline", "expert", "reason", {}),
        (Status.DISPATCHED, "decline", "expert", "reason", {"reason": " \n "}),
        (Status.SUBMITTED, "cancel", "manager", "reason", {}),
    ],
)
def test_reason_is_required(loop, status, action, actor, field, data):
    request = loop.at(status)
    before = snapshot(request)
    with pytest.raises(ValidationError) as excinfo:
        transition(request, action, actor=getattr(loop, actor), **data)
    assert field in excinfo.value.message_dict
    assert not isinstance(excinfo.value, TransitionError)
    assert snapshot(request) == before


def test_decline_then_manager_redispatches_to_another_team(
    loop, manager, expert, other_expert, other_team
):
    request = loop.at(Status.DISPATCHED)
    request = transition(request, "decline", actor=expert, reason="本周专家外出")
    assert request.status == Status.DECLINED
    request = transition(request, "dispatch", actor=manager, team=other_team)
    assert (request.status, request.team) == (Status.DISPATCHED, other_team)
    # the new team confirms; the team that declined no longer sees the request
    with pytest.raises(Http404):
        transition(request, "confirm", actor=expert, **loop.data_for("confirm"))
    request = transition(request, "confirm", actor=other_expert, **loop.data_for("confirm"))
    assert request.status == Status.CONFIRMED


def test_manual_kind_waits_for_dispatch(loop, manager, team):
    request = loop.at(Status.SUBMITTED, kind=MANUAL)
    request = transition(request, "approve", actor=manager)
    assert (request.status, request.team) == (Status.APPROVED, None)
    request = transition(request, "dispatch", actor=manager, team=team)
    assert (request.status, request.team) == (Status.DISPATCHED, team)


def test_approve_without_a_serving_team_stays_approved(loop, manager, team):
    team.services.all().delete()
    request = loop.at(Status.SUBMITTED)
    request = transition(request, "approve", actor=manager)
    assert request.status == Status.APPROVED


def test_dispatch_needs_an_active_team(loop, manager, other_team):
    request = loop.at(Status.APPROVED, kind=MANUAL)
    with pytest.raises(ValidationError) as excinfo:
        transition(request, "dispatch", actor=manager)
    assert "team" in excinfo.value.message_dict
    other_team.is_active = False
    other_team.save(update_fields=["is_active"])
    with pytest.raises(ValidationError):
        transition(request, "dispatch", actor=manager, team=other_team)
    assert BusinessRequest.objects.get(pk=request.pk).status == Status.APPROVED


def test_complete_requires_an_opinion(loop, expert):
    request = loop.at(Status.IN_PROGRESS)
    before = snapshot(request)
    with pytest.raises(ValidationError) as excinfo:
        transition(request, "complete", actor=expert)
    assert "body" in excinfo.value.message_dict
    assert snapshot(request) == before
    # an opinion written beforehand (e.g. drafted and signed on the opinion page) suffices
    Opinion.objects.create(
        request=request, author=expert, body="结论", is_conclusion=True, signed_at=timezone.now()
    )
    assert transition(request, "complete", actor=expert).status == Status.COMPLETED


@pytest.mark.parametrize(
    "data",
    [
        {"satisfaction": 0, "timeliness": 4, "quality": 5},
        {"satisfaction": 6, "timeliness": 4, "quality": 5},
        {"satisfaction": 5, "timeliness": 4},
        {"satisfaction": "x", "timeliness": 4, "quality": 5},
        {"satisfaction": True, "timeliness": 4, "quality": 5},
        {"satisfaction": 4.5, "timeliness": 4, "quality": 5},
    ],
)
def test_feedback_ratings_must_be_1_to_5(loop, staff_a, data):
    request = loop.at(Status.COMPLETED)
    before = snapshot(request)
    with pytest.raises(ValidationError):
        transition(request, "feedback", actor=staff_a, **data)
    assert snapshot(request) == before


@pytest.mark.parametrize(
    "data",
    [
        {"checklist": {"ok": True}, "score": 101},
        {"checklist": {"ok": True}, "score": -1},
        {"checklist": {}, "score": 80},
        {"checklist": ["ok"], "score": 80},
        {"checklist": {"ok": True}},
    ],
)
def test_close_needs_checklist_and_score(loop, manager, data):
    request = loop.at(Status.FEEDBACK_GIVEN)
    before = snapshot(request)
    with pytest.raises(ValidationError):
        transition(request, "close", actor=manager, **data)
    assert snapshot(request) == before


def test_confirm_validates_schedule_and_experts(loop, expert, other_expert):
    request = loop.at(Status.DISPATCHED)
    before = snapshot(request)
    good = loop.data_for("confirm")
    for bad, field in (
        ({**good, "scheduled_end": today_at(13)}, "scheduled_end"),
        ({**good, "scheduled_start": None}, "scheduled_start"),
        ({**good, "form": "fax"}, "form"),
        ({**good, "experts": [other_expert]}, "experts"),
    ):
        with pytest.raises(ValidationError) as excinfo:
            transition(request, "confirm", actor=expert, **bad)
        assert field in excinfo.value.message_dict
    assert snapshot(request) == before
    # asynchronous reads need no session time
    request = transition(request, "confirm", actor=expert, form="async")
    assert (request.status, request.scheduled_start) == (Status.CONFIRMED, None)


def test_a_room_cannot_be_double_booked(loop, expert, lead_hospital):
    room = RoomFactory(hospital=lead_hospital)
    first = loop.at(Status.DISPATCHED)
    transition(first, "confirm", actor=expert, **loop.data_for("confirm"), room=room)
    second = loop.at(Status.DISPATCHED)
    overlapping = {
        **loop.data_for("confirm"),
        "scheduled_start": today_at(14, 30),
        "scheduled_end": today_at(15, 30),
    }
    with pytest.raises(ValidationError) as excinfo:
        transition(second, "confirm", actor=expert, room=room, **overlapping)
    assert room.name in excinfo.value.message_dict["room"][0]
    after = {**overlapping, "scheduled_start": today_at(15), "scheduled_end": today_at(16)}
    assert transition(second, "confirm", actor=expert, room=room, **after).room == room


def test_withdraw_by_applicant_and_cancel_by_manager(loop, staff_a, manager):
    request = loop.at(Status.CONFIRMED)
    request = transition(request, "withdraw", actor=staff_a, reason="患者好转")
    assert request.status == Status.CANCELLED
    assert request.cancelled_at is not None
    other = loop.at(Status.PUBLISHED)
    other = transition(other, "cancel", actor=manager, reason="专家临时手术")
    assert other.status == Status.CANCELLED


@pytest.mark.parametrize("status", [Status.IN_PROGRESS, Status.COMPLETED, Status.CLOSED])
def test_cannot_withdraw_once_the_session_started(loop, staff_a, manager, status):
    request = loop.at(status)
    with pytest.raises(TransitionError):
        transition(request, "withdraw", actor=staff_a)
    with pytest.raises(TransitionError):
        transition(request, "cancel", actor=manager, reason="x")
    assert BusinessRequest.objects.get(pk=request.pk).status == status


# --- idempotency and versions -----------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "action", "actor"),
    [
        (Status.DRAFT, "submit", "applicant"),
        (Status.SUBMITTED, "approve", "manager"),  # approved, then dispatched automatically
        (Status.DISPATCHED, "confirm", "expert"),
        (Status.CONFIRMED, "publish", "manager"),
        (Status.IN_PROGRESS, "complete", "expert"),
        (Status.COMPLETED, "feedback", "applicant"),
        (Status.FEEDBACK_GIVEN, "close", "manager"),
    ],
)
def test_repeating_a_transition_is_a_no_op(loop, status, action, actor):
    request = loop.at(status)
    first = transition(request, action, actor=getattr(loop, actor), **loop.data_for(action))
    before = snapshot(first)
    # a double click: the same request object, the same data, the version the page had
    again = transition(
        request,
        action,
        actor=getattr(loop, actor),
        expected_version=request.version,
        **loop.data_for(action),
    )
    assert again.status == first.status
    assert again.version == first.version
    assert snapshot(first) == before


def test_repeated_manual_dispatch_is_a_no_op_but_another_team_is_refused(
    loop, manager, team, other_team
):
    request = loop.at(Status.APPROVED, kind=MANUAL)
    transition(request, "dispatch", actor=manager, team=team)
    before = snapshot(request)
    assert transition(request, "dispatch", actor=manager, team=team).team == team
    assert snapshot(request) == before
    with pytest.raises(TransitionError, match="already dispatched by 管理团队"):
        transition(request, "dispatch", actor=manager, team=other_team)
    assert snapshot(request) == before


def test_another_manager_repeating_gets_who_did_it(loop, manager, make_user, lead_hospital):
    second = make_user(Role.MANAGER, hospital=lead_hospital, name="张三")
    request = loop.at(Status.SUBMITTED, kind=MANUAL)
    transition(request, "approve", actor=second)
    before = snapshot(request)
    with pytest.raises(TransitionError) as excinfo:
        transition(request, "approve", actor=manager)
    assert "张三" in str(excinfo.value.message)
    assert excinfo.value.by == second
    assert excinfo.value.status == Status.APPROVED
    with pytest.raises(TransitionError, match="already approved by 张三"):
        transition(request, "reject", actor=manager, reason="重复申请")
    assert snapshot(request) == before


def test_action_from_a_wrong_status_names_the_status(loop, manager):
    request = loop.new()
    with pytest.raises(TransitionError, match="draft"):
        transition(request, "publish", actor=manager)


def test_stale_version_is_refused_naming_who_changed_it(loop, manager, staff_a):
    request = loop.at(Status.SUBMITTED)
    seen = request.version
    transition(request, "return", actor=manager, note="补充资料")
    transition(request, "submit", actor=staff_a)
    before = snapshot(request)
    with pytest.raises(StaleRequest) as excinfo:
        transition(request, "approve", actor=manager, expected_version=seen)
    assert staff_a.name in str(excinfo.value.message)
    assert excinfo.value.by == staff_a
    assert excinfo.value.version == seen + 2
    assert snapshot(request) == before
    current = BusinessRequest.objects.get(pk=request.pk).version
    assert transition(request, "approve", actor=manager, expected_version=current).status in {
        Status.APPROVED,
        Status.DISPATCHED,
    }


# --- kinds --------------------------------------------------------------------------------


@pytest.fixture
def async_kind(kinds):
    kind = registry.register(
        registry.Kind(
            code="wf_async",
            label="Async read",
            module="medical",
            steps=registry.STEPS - {"confirm", "publish", "start", "close"},
        )
    )
    yield kind
    registry.unregister(kind.code)


def test_steps_a_kind_leaves_out_are_passed_through(async_kind, loop, manager, expert, staff_a):
    from yilian.orgs.models import TeamService

    TeamService.objects.create(team=loop.team, kind="wf_async")
    request = loop.new(kind="wf_async")
    request = transition(request, "submit", actor=staff_a)
    request = transition(request, "approve", actor=manager)
    # dispatched by routing, then confirm/publish/start passed through by the system
    assert request.status == Status.IN_PROGRESS
    with pytest.raises(TransitionError, match="no step"):
        transition(request, "publish", actor=manager)
    request = transition(request, "complete", actor=expert, body="未见明显异常")
    request = transition(
        request, "feedback", actor=staff_a, satisfaction=5, timeliness=5, quality=5
    )
    assert request.status == Status.CLOSED
    assert not QCReview.objects.filter(request=request).exists()
    auto = [(e.action, e.payload.get("skipped")) for e in timeline(request) if e.actor is None]
    assert auto == [
        ("dispatch", None),
        ("confirm", True),
        ("publish", True),
        ("start", True),
        ("close", True),
    ]


# --- creating -------------------------------------------------------------------------------


def test_create_request_checks_kind_role_and_window(loop, staff_a, expert, patient, kinds):
    with pytest.raises(ValidationError) as excinfo:
        create_request(kind="no_such_kind", applicant=staff_a, title="x", urgency="routine")
    assert "kind" in excinfo.value.message_dict
    for outsider in (expert, patient):
        with pytest.raises(PermissionDenied):
            create_request(kind=ROUTED, applicant=outsider, title="x", urgency="routine")
    with pytest.raises(ValidationError) as excinfo:
        create_request(
            kind=ROUTED,
            applicant=staff_a,
            title="  ",
            urgency="soon",
            desired_start=today_at(10),
            desired_end=today_at(9),
        )
    assert set(excinfo.value.message_dict) == {"title", "urgency"}
    with pytest.raises(ValidationError) as excinfo:
        create_request(
            kind=ROUTED,
            applicant=staff_a,
            title="会诊",
            desired_start=today_at(10),
            desired_end=today_at(9),
        )
    assert "desired_end" in excinfo.value.message_dict
    assert not BusinessRequest.objects.exists()


def test_staff_of_a_suspended_hospital_cannot_apply(loop, staff_a):
    Hospital.objects.filter(pk=staff_a.hospital_id).update(status=Hospital.Status.SUSPENDED)
    staff_a.refresh_from_db()
    with pytest.raises(PermissionDenied):
        create_request(kind=ROUTED, applicant=staff_a, title="会诊")


# --- side effects ---------------------------------------------------------------------------


def test_side_effects_run_after_commit(
    loop, manager, expert, staff_a, monkeypatch, django_capture_on_commit_callbacks
):
    pushed: list[tuple[str, str, dict]] = []
    monkeypatch.setattr(
        "yilian.workflow.services.push_to_user",
        lambda uid, event, payload: pushed.append((str(uid), event, payload)),
    )
    request = loop.new()
    Notification.objects.all().delete()  # the cast's registration notices

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        transition(request, "submit", actor=staff_a)
    assert callbacks, "side effects are registered on commit"
    assert not Notification.objects.exists(), "nothing is sent before the commit"
    for callback in callbacks:
        callback()
    # managers must review; the applicant did it themselves and is not notified
    assert list(Notification.objects.values_list("recipient", "verb")) == [
        (manager.pk, "workflow.submitted")
    ]
    assert pushed[-1] == (
        str(staff_a.public_id),
        "workflow.request",
        {"request": str(request.public_id), "status": "submitted", "version": 2},
    )

    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        transition(request, "approve", actor=manager)
    rows = set(Notification.objects.values_list("recipient", "verb"))
    # the applicant hears of both steps; the team learns it must confirm
    assert rows == {
        (staff_a.pk, "workflow.approve"),
        (staff_a.pk, "workflow.dispatch"),
        (expert.pk, "workflow.dispatched"),
    }
    assert [p[2]["status"] for p in pushed[-2:]] == ["approved", "dispatched"]


def test_denied_transition_registers_no_side_effects(
    loop, staff_b, django_capture_on_commit_callbacks
):
    request = loop.at(Status.SUBMITTED)
    notifications = Notification.objects.count()
    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(Http404):
        transition(request, "approve", actor=staff_b)
    assert callbacks == []
    assert Notification.objects.count() == notifications


def test_unknown_data_is_a_programming_error(loop, staff_a):
    with pytest.raises(TypeError):
        transition(loop.new(), "submit", actor=staff_a, score=3)
    with pytest.raises(ValueError):
        transition(loop.new(), "teleport", actor=staff_a)


def test_routed_kind_and_manual_kind_are_registered(kinds):
    assert registry.get_kind(ROUTED).label == "Test consultation"
    assert registry.get_kind(MANUAL).route(BusinessRequest()) is None
