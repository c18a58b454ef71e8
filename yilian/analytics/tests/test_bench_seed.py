"""The benchmark dataset (``bench/seed.py``) at a tiny scale, written into the test
database: what it says it wrote is there, its daily and monthly rollups are what
``rebuild_rollups`` computes from its events, and the fixtures the load scenarios use
work."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import Count, F
from django.urls import reverse

from yilian.accounts.models import User
from yilian.analytics.models import ActivityEvent, DailyRollup, MonthlyRollup
from yilian.analytics.services import rebuild_rollups
from yilian.api.tokens import find_token
from yilian.orgs.models import Hospital, Team
from yilian.realtime.models import ChatMessage, RoomSession
from yilian.realtime.selectors import may_enter
from yilian.workflow import selectors
from yilian.workflow.models import (
    TERMINAL_STATUSES,
    BusinessRequest,
    Feedback,
    Opinion,
    QCReview,
    RequestEvent,
    Status,
)
from yilian.workflow.services import refresh_deadlines, transition

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

SCALE = 0.0005


@pytest.fixture
def dataset() -> dict[str, Any]:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (the seeder writes with COPY)")
    from bench.seed import seed_into

    description = seed_into(connection, SCALE, fast=False)
    connection.check_constraints()  # every foreign key the COPYs wrote points at a row
    return description


def _rollup_rows() -> set[tuple[Any, ...]]:
    return set(
        DailyRollup.objects.values_list("date", "hospital_id", "kind", "metric", "count", "total")
    )


def _monthly_rows() -> set[tuple[Any, ...]]:
    return set(
        MonthlyRollup.objects.values_list(
            "month", "hospital_id", "kind", "metric", "count", "total"
        )
    )


def test_the_description_counts_what_was_written(dataset):
    assert dataset["scale"] == SCALE
    assert dataset["hospitals"] == Hospital.objects.count() > 0
    assert dataset["users"] == User.objects.count()
    assert dataset["requests"] == BusinessRequest.objects.count() >= 500
    assert dataset["request_events"] == RequestEvent.objects.count()
    assert dataset["activity_events"] == ActivityEvent.objects.count()
    assert dataset["chat_messages"] == ChatMessage.objects.count() > 0
    # Every request event is an activity of the applicant hospital, as the service counts it.
    business = ActivityEvent.objects.exclude(kind="").exclude(kind="cme_class")
    assert business.count() == dataset["request_events"]
    assert ActivityEvent.objects.filter(action="login").exists()
    # The version is bumped once per event after the first.
    stale = BusinessRequest.objects.annotate(n=Count("events")).exclude(version=F("n"))
    assert not stale.exists()
    assert {status for status in BusinessRequest.objects.values_list("status", flat=True)} >= {
        Status.CLOSED,
        Status.SUBMITTED,
        Status.DECLINED,
        Status.DISPATCHED,
    }


def test_the_documents_follow_the_status(dataset):
    human_close = RequestEvent.objects.filter(action="close").exclude(actor=None)
    assert QCReview.objects.count() == human_close.count() > 0
    human_feedback = RequestEvent.objects.filter(action="feedback").exclude(actor=None)
    assert Feedback.objects.count() == human_feedback.count() > 0
    completed = RequestEvent.objects.filter(action="complete")
    assert Opinion.objects.filter(is_conclusion=True).count() == completed.count() > 0
    assert not BusinessRequest.objects.filter(status=Status.CLOSED, closed_at=None).exists()
    assert not BusinessRequest.objects.filter(
        status=Status.CONFIRMED, scheduled_start=None, form="video"
    ).exists()


def test_the_rollups_are_what_rebuild_rollups_computes(dataset):
    written, written_monthly = _rollup_rows(), _monthly_rows()
    assert written
    assert len({row[0] for row in written_monthly}) > 12  # the history spans years
    rebuild_rollups()
    assert _rollup_rows() == written
    assert _monthly_rows() == written_monthly


def test_the_deadlines_are_what_refresh_deadlines_computes(dataset):
    waiting = BusinessRequest.objects.exclude(due_at=None)
    assert waiting.exists()
    assert not BusinessRequest.objects.filter(status__in=TERMINAL_STATUSES).exclude(due_at=None)
    assert refresh_deadlines() == 0


def test_the_fixtures_work(dataset, client):
    fixtures = dataset["fixtures"]
    staff = User.objects.get(public_id=fixtures["staff"]["public_id"])
    manager = User.objects.get(phone=fixtures["manager"]["phone"])
    expert = User.objects.get(public_id=fixtures["expert"]["public_id"])
    assert User.objects.get(phone=fixtures["hospital_admin"]["phone"]).hospital == staff.hospital
    assert staff.check_password(fixtures["password"])

    assert selectors.requests_for_queue(expert, "to_confirm").exists()
    assert selectors.requests_for_queue(manager, "to_review").exists()
    assert selectors.requests_for_queue(staff, "mine").exists()
    assert BusinessRequest.objects.filter(title__contains=fixtures["search_term"]).exists()

    ids = fixtures["request_public_ids"]
    assert ids
    for public_id in ids:
        selectors.get_request_for_user(staff, public_id)  # a 404 would raise
    assert fixtures["request_path"].format(public_id=ids[0]) == reverse(
        "workflow:detail", args=[ids[0]]
    )

    # Every kind's request page renders what the seeder wrote (its detail row included).
    client.force_login(manager)
    for kind in BusinessRequest.objects.values_list("kind", flat=True).distinct():
        one = BusinessRequest.objects.filter(kind=kind).order_by("pk").first()
        assert client.get(reverse("workflow:detail", args=[one.public_id])).status_code == 200

    dispatchable = fixtures["dispatchable_request_public_ids"]
    team_fixture = fixtures["dispatch_team"]
    rows = BusinessRequest.objects.filter(public_id__in=dispatchable)
    assert rows.count() == len(dispatchable) > 0
    assert set(rows.values_list("status", "version")) == {
        (Status.DECLINED, team_fixture["expected_version"])
    }
    team = Team.objects.get(public_id=team_fixture["team_public_id"])
    moved = transition(
        rows.first(),
        "dispatch",
        actor=manager,
        expected_version=team_fixture["expected_version"],
        team=team,
    )
    assert moved.status == Status.DISPATCHED

    token = find_token(fixtures["api_token"])
    assert token is not None and token.user == staff and not token.may_write

    room = fixtures["chat_room"]
    session = RoomSession.objects.get(public_id=room["session_public_id"])
    people = User.objects.filter(public_id__in=[u["public_id"] for u in room["users"]])
    assert people.count() == len(room["users"]) > 0
    assert all(may_enter(user, session) for user in people[:20])
