"""The cast of standards promotion: a standard published (version 1) to county-tier
hospitals — hospital A is one, hospital B is a city hospital — for staff and hospital
administrators, by the platform manager."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from yilian.core.pdf import placeholder_pdf
from yilian.orgs.models import Hospital

from ..models import Standard, StandardVersion
from ..services import publish_version, save_standard


@pytest.fixture(autouse=True)
def _english(client) -> Iterator[None]:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def pdf_upload(text: str = "Specification") -> SimpleUploadedFile:
    return SimpleUploadedFile("spec.pdf", placeholder_pdf(text), content_type="application/pdf")


@pytest.fixture
def tiers(hospital_a, hospital_b) -> None:
    Hospital.objects.filter(pk=hospital_a.pk).update(tier=Hospital.Tier.COUNTY)
    Hospital.objects.filter(pk=hospital_b.pk).update(tier=Hospital.Tier.CITY)
    hospital_a.refresh_from_db()
    hospital_b.refresh_from_db()


@pytest.fixture
def publish(manager) -> Callable[..., StandardVersion]:
    def make(standard: Standard, label: str = "2024 edition") -> StandardVersion:
        return publish_version(standard, actor=manager, upload=pdf_upload(label), label=label)

    return make


@pytest.fixture
def standard(manager, tiers, publish) -> Standard:
    standard = save_standard(
        actor=manager,
        title="Chest pain pathway",
        code="WS/T 001-2024",
        tiers=[Hospital.Tier.COUNTY],
    )
    publish(standard)
    standard.refresh_from_db()
    return standard
