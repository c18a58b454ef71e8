"""Two managers dispatch the same approved request at the same moment, to different teams,
each on their own database connection: exactly one wins, the other is told who did it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.core.tests.race import Contender, at_once
from yilian.orgs.models import Team
from yilian.workflow.models import Action, BusinessRequest, Status
from yilian.workflow.services import TransitionError, transition

from .conftest import MANUAL


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_dispatch_has_exactly_one_winner(
    loop, make_user, lead_hospital, team, other_team
):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        # Threads share an in-memory SQLite database through its shared cache, whose table
        # locks fail at once ("database table is locked") instead of waiting busy_timeout.
        # A file database (production, or YILIAN_TEST_DB_NAME=/tmp/t.sqlite3) runs this.
        pytest.skip("needs PostgreSQL or a file-based SQLite test database")
    second_manager = make_user(Role.MANAGER, hospital=lead_hospital, name="张三")
    request = loop.at(Status.APPROVED, kind=MANUAL)
    contenders = [(loop.manager.pk, team.pk), (second_manager.pk, other_team.pk)]

    def dispatching(manager_pk: int, team_pk: int) -> Contender:
        def prepare() -> Callable[[], BusinessRequest]:
            # Everything read on this thread's own connection.
            actor = User.objects.get(pk=manager_pk)
            chosen = Team.objects.get(pk=team_pk)
            target = BusinessRequest.objects.get(pk=request.pk)
            return lambda: transition(target, "dispatch", actor=actor, team=chosen)

        return prepare

    outcomes = at_once(*(dispatching(*c) for c in contenders))
    results = dict(zip((m for m, _team in contenders), outcomes, strict=True))

    winners = {pk: r for pk, r in results.items() if isinstance(r, BusinessRequest)}
    losers = {pk: r for pk, r in results.items() if not isinstance(r, BusinessRequest)}
    assert len(winners) == 1, results
    assert len(losers) == 1, results
    (winner_pk,) = winners
    (error,) = losers.values()
    assert isinstance(error, TransitionError), repr(error)
    winner = User.objects.get(pk=winner_pk)
    assert f"already dispatched by {winner.name}" in str(error.message)

    stored = BusinessRequest.objects.get(pk=request.pk)
    assert stored.status == Status.DISPATCHED
    assert stored.team_id == dict(contenders)[winner_pk]
    assert stored.events.filter(action=Action.DISPATCH).count() == 1
    assert stored.version == request.version + 1
