"""Two teams confirm the last advanced-study seat at the same moment, each on its own
database connection: exactly one gets it, the other is told the quota is full."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection

from yilian.accounts.models import User
from yilian.core.tests.race import Contender, at_once
from yilian.workflow.models import BusinessRequest, Status
from yilian.workflow.services import transition

from .conftest import apply_study


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_confirmations_of_the_last_seat_have_exactly_one_winner(
    loop, staff_a, cardiology, quota
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks across real connections)")
    quota.seats = 1
    quota.save(update_fields=["seats"])
    contenders = [
        loop.advance(apply_study(staff_a, cardiology), Status.DISPATCHED) for _ in range(2)
    ]
    data = loop.data_for("confirm")

    def confirming(request_pk: int) -> Contender:
        def prepare() -> Callable[[], BusinessRequest]:
            actor = User.objects.get(pk=loop.expert.pk)
            target = BusinessRequest.objects.get(pk=request_pk)
            return lambda: transition(target, "confirm", actor=actor, **data)

        return prepare

    results = at_once(*(confirming(r.pk) for r in contenders))

    winners = [r for r in results if isinstance(r, BusinessRequest)]
    losers = [r for r in results if not isinstance(r, BusinessRequest)]
    assert len(winners) == 1, results
    assert len(losers) == 1, results
    assert "seats are full (1/1)" in " ".join(getattr(losers[0], "messages", [str(losers[0])]))
    statuses = sorted(
        BusinessRequest.objects.filter(pk__in=[r.pk for r in contenders]).values_list(
            "status", flat=True
        )
    )
    assert statuses == sorted([Status.CONFIRMED, Status.DISPATCHED])
