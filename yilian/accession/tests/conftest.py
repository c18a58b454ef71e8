"""The cast of accession: a hospital that applied (its contact person waits without a
password), and the questionnaire installed."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from yilian.orgs.models import Hospital
from yilian.orgs.tests.factories import division

from .. import services
from ..models import Application, Question

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _english(client) -> Iterator[None]:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def licence() -> SimpleUploadedFile:
    return SimpleUploadedFile("licence.pdf", PDF, content_type="application/pdf")


def hospital_data(**changes) -> services.HospitalData:
    fields = {
        "name": "建德市第一人民医院",
        "short_name": "建德一院",
        "licence_code": "PDY33018211",
        "category": Hospital.Category.GENERAL,
        "grade": Hospital.Grade.GRADE_2A,
        "tier": Hospital.Tier.COUNTY,
        "division": division("330100", "杭州市"),
        "address": "新安江街道",
        "phone": "0571-64700000",
        "beds": 420,
        "introduction": "县域医疗中心",
    }
    fields.update(changes)
    return services.HospitalData(**fields)


CONTACT = services.ContactData(
    name="钱院办", phone="13911112222", email="qian@example.cn", title=""
)


@pytest.fixture
def applied(lead_hospital) -> tuple[Application, str]:
    return services.apply_to_join(hospital_data(), CONTACT, licence())


@pytest.fixture
def accepted(applied, manager) -> Application:
    application, _token = applied
    return services.review_application(application, actor=manager, decision="accept")


def full_answers(**overrides: str) -> dict[str, str]:
    """An answer to every active question: the best one, unless overridden by text."""
    values = {}
    for q in Question.objects.filter(is_active=True):
        if q.type == "number":
            best = max(q.bands, key=lambda b: b["points"])["min"] if q.bands else "0"
            value = str(Decimal(str(best)))
        elif q.type == "choice":
            value = max(q.options, key=lambda o: o["points"])["label"]
        elif q.type == "yes_no":
            value = "yes"
        else:
            value = "心内科、呼吸科"
        values[str(q.public_id)] = overrides.get(q.text, value)
    return values
