"""Two doctors refer the same patient at the same moment, each on its own database
connection: exactly one referral is created, the other is told one is already open."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import connection

from yilian.accounts.models import User
from yilian.core.tests.race import Contender, at_once
from yilian.referrals.services import save_referral
from yilian.workflow.models import BusinessRequest

from .conftest import up_data


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_referrals_of_one_patient_at_once_have_exactly_one_winner(
    staff_a, make_user, patient_a, cardiology, referral_team
):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks across real connections)")
    colleague = make_user("staff", hospital=staff_a.hospital, name="钱医生")
    doctors = [staff_a, colleague]

    def referring(user_pk: int) -> Contender:
        def prepare() -> Callable[[], BusinessRequest]:
            applicant = User.objects.get(pk=user_pk)
            data = up_data(patient_a, cardiology)
            return lambda: save_referral(applicant=applicant, data=data)

        return prepare

    results = at_once(*(referring(d.pk) for d in doctors))

    winners = [r for r in results if isinstance(r, BusinessRequest)]
    losers = [r for r in results if not isinstance(r, BusinessRequest)]
    assert len(winners) == 1, results
    assert len(losers) == 1, results
    assert "open referral" in " ".join(getattr(losers[0], "messages", [str(losers[0])])).lower()
    assert BusinessRequest.objects.filter(kind="referral", patient=patient_a).count() == 1
