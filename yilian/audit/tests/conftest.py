from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation

from yilian.patients.models import Patient


@pytest.fixture(autouse=True)
def _english(client) -> Iterator[None]:
    """Pages and exports are asserted in their English source form."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def patient_record(hospital_a, staff_a) -> Patient:
    return Patient.objects.create(hospital=hospital_a, name="王某某", created_by=staff_a)
