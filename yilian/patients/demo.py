"""Demo patients (a step of ``seed_demo``): a few clearly fictional people registered at
the demo staff member's hospital through the real service, with national IDs that pass the
GB 11643 check (region = the hospital's division, check digit computed). Patients are
looked up by medical record number first: a second run creates nothing."""

from __future__ import annotations

from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.core.pdf import placeholder_pdf
from yilian.orgs.demo import DEMO_LOGINS, SeedContext, register_step
from yilian.workflow.models import BusinessRequest

from .identity import check_digit
from .models import Consent, Patient
from .services import record_uploaded_consent, register_patient

# Name, sex, birth date, order number (odd: male), mobile, medical record number, address.
# 张三, 李四 and 王五 are the Chinese placeholder names; "（演示）" marks them as demo data.
DEMO_PATIENTS: tuple[tuple[str, str, date, int, str, str, str], ...] = (
    ("张三（演示）", "male", date(1958, 3, 14), 11, "13900000101", "DEMO-0001", "演示路 1 号"),
    ("李四（演示）", "female", date(1972, 11, 2), 22, "13900000102", "DEMO-0002", "演示路 2 号"),
    ("王五（演示）", "male", date(1985, 6, 30), 33, "13900000103", "DEMO-0003", "演示路 3 号"),
    ("赵六（演示）", "female", date(1949, 1, 8), 44, "", "DEMO-0004", ""),
    ("钱七（演示）", "male", date(2012, 9, 21), 55, "13900000105", "DEMO-0005", "演示路 5 号"),
    # The demo patient login's own record (the same mobile number): what the login sees of
    # its follow-up (health education) comes from this record's plans.
    ("刘芳（演示）", "female", date(1966, 5, 12), 66, "13800000009", "DEMO-0006", "演示路 6 号"),
)


def demo_national_id(region: str, born: date, order: int, sex: str) -> str:
    """A number that passes GB 11643: region, birth date, a three-digit order number whose
    last digit is odd for men and even for women, then the check digit."""
    last = order % 10
    if (last % 2 == 1) != (sex == "male"):
        order += 1
    first17 = f"{region}{born:%Y%m%d}{order % 1000:03d}"
    return first17 + check_digit(first17)


def upload_demo_consent(request: BusinessRequest, *, staff: User) -> None:
    """A signed consent form (a placeholder PDF) for ``request``'s patient, uploaded."""
    assert request.patient is not None
    record_uploaded_consent(
        request,
        actor=staff,
        upload=SimpleUploadedFile(
            "知情同意书.pdf", placeholder_pdf("Informed consent (demo)"), "application/pdf"
        ),
        signer=Consent.Signer.PATIENT,
        signer_name=request.patient.name,
    )


def seed_patients(ctx: SeedContext) -> int:
    phone = next(d.phone for d in DEMO_LOGINS if d.role == Role.STAFF)
    staff = User.objects.select_related("hospital").filter(phone=phone).first()
    if staff is None or staff.hospital is None:
        return 0
    region = staff.hospital.division_id or "330122"
    existing = set(
        Patient.objects.filter(hospital=staff.hospital).values_list(
            "medical_record_number", flat=True
        )
    )
    created = 0
    for name, sex, born, order, mobile, mrn, address in DEMO_PATIENTS:
        if mrn in existing:
            continue
        register_patient(
            actor=staff,
            name=name,
            sex=sex,
            birth_date=born,
            national_id=demo_national_id(region, born, order, sex),
            phone=mobile,
            medical_record_number=mrn,
            address=address,
        )
        created += 1
    return created


register_step("patients", seed_patients, after="rooms")
