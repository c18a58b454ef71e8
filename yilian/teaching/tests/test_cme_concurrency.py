"""Learners of different hospitals take the last places of a CME class at the same
moment, each on their own database connection: the quota holds."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from yilian.accounts.models import User
from yilian.core.tests.race import Contender, at_once

from ..cme_services import enrol
from ..models import CmeClass, Enrolment
from .conftest import make_cme_class


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_enrolments_never_exceed_the_quota(manager, staff_a, staff_b, make_user):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("needs PostgreSQL or a file-based SQLite test database")
    cme_class = make_cme_class(manager, quota=2)
    learners = [staff_a, staff_b, make_user("staff", hospital=staff_a.hospital, name="孙医生")]

    def enrolling(user_pk: int) -> Contender:
        def prepare() -> Callable[[], Enrolment]:
            learner = User.objects.get(pk=user_pk)
            target = CmeClass.objects.get(pk=cme_class.pk)
            return lambda: enrol(target, learner=learner)

        return prepare

    results = at_once(*(enrolling(u.pk) for u in learners))

    winners = [r for r in results if isinstance(r, Enrolment)]
    losers = [r for r in results if not isinstance(r, Enrolment)]
    assert len(winners) == 2, results
    assert len(losers) == 1 and isinstance(losers[0], ValidationError), results
    assert "The class is full" in losers[0].messages[0]
    assert Enrolment.objects.filter(cme_class=cme_class).count() == 2
