"""Two doctors of different hospitals book the same e-clinic slot at the same moment, each
on their own database connection: exactly one gets it, the other is told it was just
taken."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from yilian.accounts.models import User
from yilian.core.tests.race import Contender, at_once
from yilian.patients.models import Patient
from yilian.workflow.models import BusinessRequest

from ..models import ClinicSlot, ClinicVisit
from ..services import VisitData, save_visit
from .conftest import slots_on, weekly


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_booking_of_one_slot_has_exactly_one_winner(clinic, staff_b, patient_b):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("needs PostgreSQL or a file-based SQLite test database")
    day = timezone.localdate() + timedelta(days=1)
    weekly(clinic.expert, day)
    slot = slots_on(clinic.expert, day)[0]
    contenders = [(clinic.applicant.pk, clinic.patient.pk), (staff_b.pk, patient_b.pk)]

    def booking(user_pk: int, patient_pk: int) -> Contender:
        def prepare() -> Callable[[], BusinessRequest]:
            applicant = User.objects.get(pk=user_pk)
            data = VisitData(
                slot=ClinicSlot.objects.get(pk=slot.pk),
                patient=Patient.objects.get(pk=patient_pk),
                complaint="胸闷",
            )
            return lambda: save_visit(applicant=applicant, data=data)

        return prepare

    results = at_once(*(booking(*c) for c in contenders))

    winners = [r for r in results if isinstance(r, BusinessRequest)]
    losers = [r for r in results if not isinstance(r, BusinessRequest)]
    assert len(winners) == 1, results
    assert len(losers) == 1 and isinstance(losers[0], ValidationError), results
    assert "was just taken" in losers[0].message_dict["slot"][0]
    assert ClinicVisit.objects.filter(slot=slot).count() == 1
