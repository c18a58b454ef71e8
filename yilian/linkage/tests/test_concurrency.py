"""Two teams confirm the last advanced-study seat at the same moment, each on its own
database connection: exactly one gets it, the other is told the quota is full."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.utils import translation

from yilian.accounts.models import User
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
    barrier = threading.Barrier(len(contenders), timeout=30)
    results: dict[int, object] = {}
    data = loop.data_for("confirm")

    def confirm(request_pk: int) -> None:
        try:
            actor = User.objects.get(pk=loop.expert.pk)
            target = BusinessRequest.objects.get(pk=request_pk)
            barrier.wait()
            with translation.override("en"):
                results[request_pk] = transition(target, "confirm", actor=actor, **data)
        except Exception as exc:
            results[request_pk] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=confirm, args=(r.pk,)) for r in contenders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads)

    winners = [r for r in results.values() if isinstance(r, BusinessRequest)]
    losers = [r for r in results.values() if not isinstance(r, BusinessRequest)]
    assert len(winners) == 1, results
    assert len(losers) == 1, results
    assert "seats are full (1/1)" in " ".join(getattr(losers[0], "messages", [str(losers[0])]))
    statuses = sorted(
        BusinessRequest.objects.filter(pk__in=[r.pk for r in contenders]).values_list(
            "status", flat=True
        )
    )
    assert statuses == sorted([Status.CONFIRMED, Status.DISPATCHED])
