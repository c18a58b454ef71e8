"""The supervision board against a fixture whose figures were computed by hand, and its
query count at two fixture sizes."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from yilian.workflow.models import Status
from yilian.workflow.services import create_request, transition
from yilian.workflow.tests.conftest import MANUAL, ROUTED, Loop

from .. import selectors, services

T0 = timezone.make_aware(datetime(2026, 3, 10, 9, 0))


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


def _step(frozen, hours, request, action, actor, **data):
    frozen.move_to(at(hours))
    return transition(request, action, actor=actor, **data)


@pytest.fixture
def seeded(loop: Loop, staff_b, manager):
    """R1 closed (QC 92) · R2 declined · R3 returned once, then dispatched · R4 a manual
    kind, submitted · R5 submitted two days ago (overdue: approve SLA 24 h) · R6 of
    hospital B, dispatched. Tickets: two resolved after 3 h and 5 h (rated 4 and 5), one
    open."""
    m, e, d = loop.manager, loop.expert, loop.data_for
    with freeze_time(at(-48)) as frozen:
        r5 = transition(loop.new(title="R5"), "submit", actor=loop.applicant)
        frozen.move_to(at(0))
        r1 = transition(loop.new(title="R1"), "submit", actor=loop.applicant)
        r3 = transition(loop.new(title="R3"), "submit", actor=loop.applicant)
        r4 = transition(loop.new(MANUAL, title="R4"), "submit", actor=loop.applicant)
        r1 = _step(frozen, 2, r1, "approve", m)  # approve 2 h; auto-dispatched: 0 h
        r1 = _step(frozen, 5, r1, "confirm", e, **d("confirm"))  # confirm 3 h
        r1 = _step(frozen, 6, r1, "publish", m)
        r1 = _step(frozen, 7, r1, "start", e)  # start: confirmed → started 2 h
        r1 = _step(frozen, 8, r1, "complete", e, **d("complete"))  # 1 h
        r1 = _step(frozen, 10, r1, "feedback", loop.applicant, **d("feedback"))  # 2 h
        r1 = _step(frozen, 11, r1, "close", m, **d("close"))  # 1 h, QC 92
        frozen.move_to(at(1))
        r2 = transition(loop.new(title="R2"), "submit", actor=loop.applicant)
        r2 = _step(frozen, 5, r2, "approve", m)  # approve 4 h
        r2 = _step(frozen, 6, r2, "decline", e, **d("decline"))
        r3 = _step(frozen, 1, r3, "return", m, **d("return"))
        r3 = _step(frozen, 2, r3, "submit", loop.applicant)  # resubmitted at +2 h
        r3 = _step(frozen, 8, r3, "approve", m)  # approve 6 h
        frozen.move_to(at(3))
        r6 = create_request(kind=ROUTED, applicant=staff_b, title="R6")
        r6 = transition(r6, "submit", actor=staff_b)
        r6 = _step(frozen, 4, r6, "approve", m)  # approve 1 h

        tickets = []
        for opened, resolved, rating in ((0, 3, 4), (2, 7, 5)):
            frozen.move_to(at(opened))
            t = services.raise_ticket(
                author=loop.applicant, category="complaint", about="platform", title="慢", body="卡"
            )
            services.answer_ticket(t, actor=manager, answer="已处理")
            frozen.move_to(at(resolved))
            services.resolve_ticket(t, actor=manager)
            services.rate_ticket(t, actor=loop.applicant, rating=rating)
            tickets.append(t)
        services.raise_ticket(
            author=staff_b, category="suggestion", about="platform", title="建议", body="加功能"
        )
    return {"r1": r1, "r2": r2, "r3": r3, "r4": r4, "r5": r5, "r6": r6}


def test_the_board_figures_match_the_hand_computed_values(seeded, loop, hospital_a, hospital_b):
    board = selectors.board(selectors.BoardFilters(), now=at(9))

    assert board.total == 6
    assert {r.key: (r.count, r.overdue) for r in board.in_flight} == {
        Status.SUBMITTED: (2, 1),  # R4, R5 (R5 overdue)
        Status.DISPATCHED: (2, 0),  # R3, R6
        Status.DECLINED: (1, 0),  # R2
    }
    assert (board.in_flight_total, board.overdue_total) == (5, 1)
    medians = {m.kind: m.hours for m in board.medians}
    assert medians[ROUTED] == {
        "approve": 3.0,  # 1, 2, 4, 6 h
        "dispatch": 0.0,
        "confirm": 3.0,
        "start": 2.0,
        "complete": 1.0,
        "feedback": 2.0,
        "close": 1.0,
    }
    hospitals = {h.name: (h.total, h.completed, h.closed) for h in board.hospitals}
    assert hospitals == {hospital_a.name: (5, 1, 1), hospital_b.name: (1, 0, 0)}
    assert [(t.name, t.total, t.completed) for t in board.teams] == [(loop.team.name, 4, 1)]
    assert (board.qc_average, board.qc_count) == (92.0, 1)
    assert (board.returned, board.reviewed, board.return_rate) == (1, 4, 25.0)
    assert (board.declined, board.dispatched, board.decline_rate) == (1, 4, 25.0)
    assert (board.tickets, board.tickets_resolved) == (3, 2)
    assert board.resolution_hours_median == 4.0  # 3 h and 5 h
    assert (board.satisfaction, board.ratings) == (4.5, 2)


def test_the_board_filters_by_hospital_kind_team_and_period(seeded, loop, hospital_b):
    by_hospital = selectors.board(selectors.BoardFilters(hospital=hospital_b), now=at(9))
    assert by_hospital.total == 1
    assert by_hospital.tickets == 1  # staff B's suggestion

    assert selectors.board(selectors.BoardFilters(kind=MANUAL), now=at(9)).total == 1
    assert selectors.board(selectors.BoardFilters(team=loop.team), now=at(9)).total == 4
    day = T0.date()
    period = selectors.BoardFilters(start=day, end=day)
    assert selectors.board(period, now=at(9)).total == 5  # R5 was made two days before


def test_the_drill_down_lists_the_requests_behind_a_figure(client, seeded, manager):
    client.force_login(manager)
    response = client.get(reverse("supervision:board_requests"), {"status": "submitted"})
    assert response.status_code == 200
    body = response.content.decode()
    assert str(seeded["r4"].public_id) in body and str(seeded["r5"].public_id) in body
    assert str(seeded["r1"].public_id) not in body
    returned = client.get(reverse("supervision:board_requests"), {"returned": "1"})
    assert str(seeded["r3"].public_id) in returned.content.decode()
    assert str(seeded["r2"].public_id) not in returned.content.decode()


def _requests(loop: Loop, n: int) -> None:
    for i in range(n):
        request = transition(loop.new(title=f"批量{i}"), "submit", actor=loop.applicant)
        if i % 2:
            transition(request, "approve", actor=loop.manager)


def _board_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        selectors.board(selectors.parse_filters({}))
    return len(ctx.captured_queries)


def test_the_board_query_count_does_not_grow_with_the_requests(
    loop, client, manager, django_assert_max_num_queries
):
    _requests(loop, 2)
    small = _board_queries(client)
    _requests(loop, 12)
    large = _board_queries(client)

    assert small == large
    with django_assert_max_num_queries(10):
        selectors.board(selectors.BoardFilters())
    client.force_login(manager)
    with django_assert_max_num_queries(20):
        assert client.get(reverse("supervision:board")).status_code == 200


def test_only_managers_and_platform_admins_see_the_board(client, staff_a, hospital_admin_a, expert):
    for user in (staff_a, hospital_admin_a, expert):
        client.force_login(user)
        assert client.get(reverse("supervision:board")).status_code == 403
        assert client.get(reverse("supervision:board_requests")).status_code == 403
