"""The stored step deadline (``due_at``): written by every step and every change of
urgency, read by the queues' overdue ordering, rewritten by ``refresh_deadlines``."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from yilian.workflow.models import BusinessRequest, Status
from yilian.workflow.services import refresh_deadlines, transition

from .conftest import MANUAL, ORDER

pytestmark = pytest.mark.django_db

# Hours per step, all different, so a deadline shows which step and which clock it took.
HOURS = {"approve": 1, "dispatch": 2, "confirm": 3, "publish": 4, "start": 5, "feedback": 7}
# What a request in each status waits for, and the timestamp its clock starts from.
WAITS = {
    Status.SUBMITTED: ("approve", "submitted_at"),
    Status.APPROVED: ("dispatch", "reviewed_at"),
    Status.DISPATCHED: ("confirm", "dispatched_at"),
    Status.CONFIRMED: ("publish", "confirmed_at"),
    Status.PUBLISHED: ("start", "published_at"),
    Status.COMPLETED: ("feedback", "completed_at"),
}


@pytest.fixture
def every_step_timed(settings):
    settings.YILIAN_SLA_HOURS = {f"{MANUAL}.{step}": hours for step, hours in HOURS.items()}


def _stored(request: BusinessRequest) -> BusinessRequest:
    return BusinessRequest.objects.get(pk=request.pk)


def test_each_step_stores_the_deadline_of_the_next(loop, every_step_timed):
    request = loop.new(MANUAL)
    assert _stored(request).due_at is None  # a draft waits for nobody

    seen = set()
    for status in ORDER[1:]:
        request = _stored(loop.advance(request, status))
        if status in WAITS:
            step, clock = WAITS[status]
            expected = getattr(request, clock) + timedelta(hours=HOURS[step])
            assert request.due_at == expected, status
            seen.add(status)
        else:  # no deadline for completing or closing here, none once closed
            assert request.due_at is None, status
    assert seen == set(WAITS)


def test_declining_and_returning_start_a_new_clock(loop, every_step_timed):
    declined = loop.at(Status.APPROVED, kind=MANUAL)
    declined = transition(declined, "dispatch", actor=loop.manager, team=loop.team)
    declined = _stored(
        transition(declined, "decline", actor=loop.expert, **loop.data_for("decline"))
    )
    declined_at = declined.events.latest("id").created_at
    assert declined.due_at == declined_at + timedelta(hours=HOURS["dispatch"])

    returned = loop.at(Status.SUBMITTED, kind=MANUAL)
    returned = _stored(
        transition(returned, "return", actor=loop.manager, **loop.data_for("return"))
    )
    assert returned.due_at is None  # resubmitting has no deadline here


def test_refresh_rewrites_deadlines_after_the_sla_settings_change(loop, settings):
    waiting = loop.at(Status.SUBMITTED)  # approve: 24 h by the kind
    closed = loop.at(Status.CLOSED)
    assert _stored(waiting).due_at == waiting.submitted_at + timedelta(hours=24)

    settings.YILIAN_SLA_HOURS = {"wf_test.approve": 2}
    assert _stored(waiting).due_at == waiting.submitted_at + timedelta(hours=24)  # as stored

    out = StringIO()
    call_command("refresh_deadlines", stdout=out)

    assert "1 request deadlines rewritten" in out.getvalue()
    assert _stored(waiting).due_at == waiting.submitted_at + timedelta(hours=2)
    assert _stored(closed).due_at is None
    assert refresh_deadlines() == 0  # nothing left to change


def test_refresh_fills_deadlines_a_database_has_never_stored(loop):
    waiting = [loop.at(Status.SUBMITTED) for _ in range(3)]
    BusinessRequest.objects.update(due_at=None)  # as after upgrading to a version that keeps them

    assert refresh_deadlines(batch_size=2) == 3

    for request in waiting:
        assert _stored(request).due_at == request.submitted_at + timedelta(hours=24)
