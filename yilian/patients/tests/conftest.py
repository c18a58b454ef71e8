from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from yilian.accounts.models import User
from yilian.patients.guards import require_consent
from yilian.patients.identity import check_digit
from yilian.patients.models import Patient
from yilian.patients.services import register_patient
from yilian.workflow import registry
from yilian.workflow.models import BusinessRequest
from yilian.workflow.services import create_request

KIND = "consent_kind"
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
# A 1×1 PNG (header and IHDR are what the checks read; filetype sniffs the signature).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)


@pytest.fixture(autouse=True)
def _english(client) -> Iterator[None]:
    """Messages and pages are asserted in their English source form."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def make_id(region: str = "330122", born: date = date(1960, 5, 17), order: str = "123") -> str:
    """A GB 11643 number (order's last digit odd: male)."""
    first17 = f"{region}{born:%Y%m%d}{order}"
    return first17 + check_digit(first17)


@pytest.fixture
def register(staff_a) -> Callable[..., Patient]:
    def make(actor: User | None = None, **fields) -> Patient:
        values = {"name": "王某某", "medical_record_number": "", "national_id": ""} | fields
        if not values["national_id"] and not values["medical_record_number"]:
            values["national_id"] = make_id()
        return register_patient(actor=actor or staff_a, **values)

    return make


@pytest.fixture
def person(register) -> Patient:
    """A patient of hospital A with every identifier filled in."""
    return register(
        name="王某某",
        national_id=make_id(),
        phone="13912345678",
        medical_record_number="MRN-001",
        address="桐庐县城南街道 88 号",
    )


@pytest.fixture
def kind() -> Iterator[registry.Kind]:
    made = registry.register(
        registry.Kind(
            code=KIND,
            label="Remote consultation test",
            description="Experts of the lead hospital give their opinion on the case.",
            module="medical",
            guards={"submit": require_consent},
        )
    )
    yield made
    registry.unregister(KIND)


@pytest.fixture
def draft(kind, staff_a, person) -> BusinessRequest:
    """A draft request of hospital A about ``person``."""
    request = create_request(kind=KIND, applicant=staff_a, title="会诊申请")
    BusinessRequest.objects.filter(pk=request.pk).update(patient=person)
    request.refresh_from_db()
    return request


def pdf_upload(name: str = "consent.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, "application/pdf")


def text_upload(name: str = "consent.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"just some text, not a scan", "application/pdf")
