"""The workbench queues: who finds which request where, at a fixed query count; SLA marks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yilian.accounts.models import User
from yilian.workflow.models import BusinessRequest, Status
from yilian.workflow.selectors import (
    QUEUES,
    is_overdue,
    queue_counts,
    queues_for,
    requests_for_queue,
)
from yilian.workflow.services import transition

from .conftest import MANUAL, ROUTED

pytestmark = pytest.mark.django_db

# queue, whose queue (Loop attribute), the status its requests wait in, the kind
QUEUE_CASES = [
    ("to_review", "manager", Status.SUBMITTED, ROUTED),
    ("to_dispatch", "manager", Status.APPROVED, MANUAL),
    ("to_confirm", "expert", Status.DISPATCHED, ROUTED),
    ("to_publish", "manager", Status.CONFIRMED, ROUTED),
    ("today", "expert", Status.CONFIRMED, ROUTED),
    ("to_write_opinion", "expert", Status.IN_PROGRESS, ROUTED),
    ("to_give_feedback", "applicant", Status.COMPLETED, ROUTED),
    ("to_qc", "manager", Status.FEEDBACK_GIVEN, ROUTED),
    ("mine", "applicant", Status.DRAFT, ROUTED),
]


def test_every_queue_is_covered():
    assert {case[0] for case in QUEUE_CASES} == set(QUEUES)


def _read_queue(user: User, queue: str) -> tuple[int, int]:
    """Queries and rows for rendering a queue as a list page would (fresh user: one page
    load reads the roles once)."""
    user = User.objects.get(pk=user.pk)
    with CaptureQueriesContext(connection) as ctx:
        rows = list(requests_for_queue(user, queue))
        for row in rows:
            _ = (
                row.applicant.name,
                row.applicant_hospital.name,
                row.team.name if row.team else "",
                row.room.name if row.room else "",
                row.get_status_display(),
            )
    return len(ctx.captured_queries), len(rows)


@pytest.mark.parametrize(("queue", "owner", "status", "kind"), QUEUE_CASES)
def test_queue_query_count_does_not_grow_with_rows(loop, queue, owner, status, kind):
    user = getattr(loop, owner)
    for _ in range(3):
        loop.at(status, kind=kind)
    queries_3, rows_3 = _read_queue(user, queue)
    for _ in range(27):
        loop.at(status, kind=kind)
    queries_30, rows_30 = _read_queue(user, queue)
    assert (rows_3, rows_30) == (3, 30)
    assert queries_30 == queries_3
    # the user's roles, the queue, then its rows' applicants, hospitals, teams and rooms
    assert queries_3 <= 6


@pytest.mark.parametrize(("queue", "owner", "status", "kind"), QUEUE_CASES)
def test_queue_holds_its_requests_and_nothing_else(loop, queue, owner, status, kind):
    user = getattr(loop, owner)
    waiting = loop.at(status, kind=kind)
    # one request in every other status
    for other_status in (Status.SUBMITTED, Status.DISPATCHED, Status.COMPLETED, Status.CLOSED):
        if other_status != status:
            loop.at(other_status)
    if status != Status.APPROVED:
        loop.at(Status.APPROVED, kind=MANUAL)
    if queue == "mine":
        expected = set(BusinessRequest.objects.filter(applicant=user).values_list("pk", flat=True))
    else:
        expected = {waiting.pk}
    assert set(requests_for_queue(user, queue).values_list("pk", flat=True)) == expected
    assert queue_counts(user)[queue] == len(expected)


def test_queues_are_scoped_to_the_people_concerned(
    loop, staff_b, hospital_admin_a, other_expert, patient, other_team
):
    submitted = loop.at(Status.SUBMITTED)
    dispatched = loop.at(Status.DISPATCHED)
    confirmed = loop.at(Status.CONFIRMED)
    completed = loop.at(Status.COMPLETED)
    for queue in QUEUES:
        assert not requests_for_queue(staff_b, queue).exists(), queue
        assert not requests_for_queue(patient, queue).exists(), queue
        assert not requests_for_queue(other_expert, queue).exists(), queue
    # staff of the applicant's hospital: feedback and today's sessions, no management queues
    assert list(requests_for_queue(hospital_admin_a, "to_give_feedback")) == [completed]
    assert list(requests_for_queue(hospital_admin_a, "today")) == [confirmed]
    assert not requests_for_queue(hospital_admin_a, "to_review").exists()
    assert not requests_for_queue(hospital_admin_a, "mine").exists()
    # the expert confirms for their team only; the manager reviews
    assert list(requests_for_queue(loop.expert, "to_confirm")) == [dispatched]
    assert list(requests_for_queue(loop.manager, "to_review")) == [submitted]
    assert list(requests_for_queue(loop.manager, "to_publish")) == [confirmed]
    assert not requests_for_queue(loop.expert, "to_publish").exists()
    assert [q.key for q in queues_for(patient)] == []
    assert "to_review" not in [q.key for q in queues_for(loop.expert)]
    assert queue_counts(staff_b) == dict.fromkeys(QUEUES, 0)


def test_declined_requests_wait_for_dispatch_and_leave_the_teams_queue(loop, expert):
    request = loop.at(Status.DISPATCHED)
    transition(request, "decline", actor=expert, reason="专家外出")
    assert list(requests_for_queue(loop.manager, "to_dispatch")) == [request]
    assert not requests_for_queue(expert, "to_confirm").exists()


def test_emergencies_come_first(loop):
    routine = loop.at(Status.SUBMITTED, urgency="routine")
    emergency = loop.at(Status.SUBMITTED, urgency="emergency")
    urgent = loop.at(Status.SUBMITTED, urgency="urgent")
    assert list(requests_for_queue(loop.manager, "to_review")) == [emergency, urgent, routine]


def test_today_excludes_other_days(loop, expert):
    tomorrow = loop.at(Status.DISPATCHED)
    data = loop.data_for("confirm")
    transition(
        tomorrow,
        "confirm",
        actor=expert,
        **{
            **data,
            "scheduled_start": data["scheduled_start"] + timedelta(days=1),
            "scheduled_end": data["scheduled_end"] + timedelta(days=1),
        },
    )
    today = loop.at(Status.PUBLISHED)
    assert list(requests_for_queue(expert, "today")) == [today]
    assert list(requests_for_queue(loop.manager, "today")) == [today]


def test_unknown_queue_is_a_programming_error(loop):
    with pytest.raises(ValueError):
        requests_for_queue(loop.manager, "everything")


def test_sla_deadline_follows_the_kind(loop):
    submitted = loop.at(Status.SUBMITTED)
    assert submitted.due_at == submitted.submitted_at + timedelta(hours=24)
    assert not is_overdue(submitted)
    assert is_overdue(submitted, now=submitted.submitted_at + timedelta(hours=25))
    dispatched = loop.at(Status.DISPATCHED)
    assert dispatched.due_at == dispatched.dispatched_at + timedelta(hours=12)
    # no SLA for publishing in this kind
    assert loop.at(Status.CONFIRMED).due_at is None
    assert loop.at(Status.SUBMITTED, kind=MANUAL).due_at is None
