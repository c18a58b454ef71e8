"""The cast of single-disease management: the demo's STEMI registry defined by the
platform administrator, patients of hospitals A and B, and a helper that reports a case
through the real service."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone, translation

from yilian.accounts.models import User
from yilian.patients.models import Patient

from ..demo import STEMI
from ..models import Case, Registry
from ..services import CaseData, create_case, save_registry

# A fixed period in the past: every case below is discharged inside it unless told.
PERIOD_START = date(2025, 3, 1)
PERIOD_END = date(2025, 3, 31)


@pytest.fixture(autouse=True)
def _english(client) -> Iterator[None]:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def stemi(platform_admin) -> Registry:
    return save_registry(actor=platform_admin, data=STEMI)


@pytest.fixture
def patient_a(hospital_a, staff_a) -> Patient:
    return Patient.objects.create(
        hospital=hospital_a, name="王某某", created_by=staff_a, birth_date=date(1960, 5, 1)
    )


@pytest.fixture
def patient_b(hospital_b, staff_b) -> Patient:
    return Patient.objects.create(hospital=hospital_b, name="钱某某", created_by=staff_b)


def at(day: date, minutes: int, hour: int = 8) -> str:
    """``minutes`` after ``hour``:00 on ``day`` (local time), as the form stores it."""
    start = timezone.make_aware(datetime.combine(day, time(hour, 0)))
    return (start + timedelta(minutes=minutes)).isoformat()


def stemi_answers(
    day: date,
    *,
    aspirin: bool = True,
    aspirin_after: int | None = 30,
    reperfusion: str = "直接 PCI",
    balloon_after: int | None = 60,
    beta_blocker: bool = True,
    contraindicated: bool = False,
    statin: bool = True,
    status: str = "医嘱离院",
) -> dict[str, Any]:
    answers: dict[str, Any] = {
        "arrival_at": at(day, 0),
        "aspirin_given": aspirin,
        "reperfusion": reperfusion,
        "beta_blocker": beta_blocker,
        "statin": statin,
        "discharge_status": status,
    }
    if aspirin and aspirin_after is not None:
        answers["aspirin_at"] = at(day, aspirin_after)
    if balloon_after is not None:
        answers["balloon_at"] = at(day, balloon_after)
    if contraindicated:
        answers["beta_blocker_contraindicated"] = True
    return answers


@pytest.fixture
def report() -> Callable[..., Case]:
    """Report a STEMI case for ``staff``'s hospital (a new patient each time unless one is
    given), admitted the day before ``discharged``."""
    counter = iter(range(1, 1000))

    def make(
        staff: User,
        registry: Registry,
        *,
        discharged: date = date(2025, 3, 10),
        submit: bool = True,
        patient: Patient | None = None,
        code: str = "I21.0",
        **answers: Any,
    ) -> Case:
        if patient is None:
            patient = Patient.objects.create(
                hospital=staff.hospital, name=f"患者{next(counter)}", created_by=staff
            )
        admitted = discharged - timedelta(days=1)
        return create_case(
            actor=staff,
            registry=registry,
            data=CaseData(
                patient=patient,
                diagnosis_code=code,
                admission_date=admitted,
                discharge_date=discharged,
                answers=stemi_answers(admitted, **answers),
            ),
            submit=submit,
        )

    return make
