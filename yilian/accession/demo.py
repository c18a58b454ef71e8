"""Demo data of hospital accession (a step of ``seed_demo``): the default questionnaire,
and one hospital that applied to join and waits for the demo manager's review. A second
run creates nothing."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from yilian.orgs.demo import SeedContext, register_step
from yilian.orgs.models import Division, Hospital

from . import services

APPLICANT_LICENCE = "PDY33018299"
APPLICANT_PHONE = "13800000020"
LICENCE_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def seed_accession(ctx: SeedContext) -> int:
    created = services.install_default_questionnaire()
    if Hospital.objects.filter(licence_code=APPLICANT_LICENCE).exists():
        return created
    division = (
        Division.objects.filter(code="330100").first()
        or Division.objects.filter(level=Division.Level.PROVINCE).first()
    )
    if division is None:
        return created
    services.apply_to_join(
        services.HospitalData(
            name="建德市第二人民医院",
            short_name="建德二院",
            licence_code=APPLICANT_LICENCE,
            category=Hospital.Category.GENERAL,
            grade=Hospital.Grade.GRADE_2B,
            tier=Hospital.Tier.COUNTY,
            division=division,
            address="建德市寿昌镇",
            phone="0571-64100000",
            beds=260,
            introduction="县域次中心医院，希望开展远程会诊与双向转诊。",
        ),
        services.ContactData(name="徐建国", phone=APPLICANT_PHONE, email="", title=""),
        SimpleUploadedFile("执业许可证.pdf", LICENCE_PDF, content_type="application/pdf"),
    )
    return created + 1


register_step("accession", seed_accession)
