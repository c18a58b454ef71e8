"""Two doctors of different hospitals book the same e-clinic slot at the same moment, each
on their own database connection: exactly one gets it, the other is told it was just
taken."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone, translation

from yilian.accounts.models import User
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
    barrier = threading.Barrier(len(contenders), timeout=30)
    results: dict[int, object] = {}

    def book(user_pk: int, patient_pk: int) -> None:
        try:
            applicant = User.objects.get(pk=user_pk)
            patient = Patient.objects.get(pk=patient_pk)
            target = ClinicSlot.objects.get(pk=slot.pk)
            barrier.wait()
            with translation.override("en"):
                results[user_pk] = save_visit(
                    applicant=applicant,
                    data=VisitData(slot=target, patient=patient, complaint="胸闷"),
                )
        except Exception as exc:
            results[user_pk] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=book, args=c) for c in contenders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads)

    winners = [r for r in results.values() if isinstance(r, BusinessRequest)]
    losers = [r for r in results.values() if not isinstance(r, BusinessRequest)]
    assert len(winners) == 1, results
    assert len(losers) == 1 and isinstance(losers[0], ValidationError), results
    assert "was just taken" in losers[0].message_dict["slot"][0]
    assert ClinicVisit.objects.filter(slot=slot).count() == 1
