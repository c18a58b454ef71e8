"""Demo data of imaging and pathology (a step of ``seed_demo``): the demo staff member's
imaging consultation about the third demo patient with a de-identified synthetic CT study
(24 slices), and a pathology consultation with a small synthetic pyramidal slide. Both are
submitted with the patient's consent. A second run creates nothing."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile

from yilian.accounts.models import User
from yilian.core.pdf import placeholder_pdf
from yilian.medical.demo import _demo_staff, _patient
from yilian.medical.models import Consultation, Mode, Subtype
from yilian.medical.services import ConsultationData, save_consultation
from yilian.orgs.demo import SeedContext, register_step
from yilian.orgs.models import Specialty
from yilian.patients.demo import DEMO_PATIENTS
from yilian.patients.models import Consent
from yilian.patients.services import record_uploaded_consent
from yilian.workflow.models import BusinessRequest, Urgency
from yilian.workflow.services import transition

from . import services
from .synthetic import ct_series, pyramidal_tiff

PATIENT = DEMO_PATIENTS[2][5]
CASES = {
    Subtype.IMAGING: (
        Specialty.RADIOLOGY,
        "男，41 岁。咳嗽 3 周，低热。胸部 CT 示右肺上叶片状影，边界欠清。",
        "请阅片：炎症还是肿瘤？是否需要增强 CT 或穿刺？",
    ),
    Subtype.PATHOLOGY: (
        Specialty.PATHOLOGY,
        "男，41 岁。支气管镜活检组织一块，HE 染色切片已扫描。",
        "请会诊病理诊断及是否需要免疫组化。",
    ),
}


def _request(staff: User, subtype: str) -> BusinessRequest | None:
    patient = _patient(staff, PATIENT)
    if patient is None:
        return None
    if Consultation.objects.filter(
        request__applicant=staff, request__patient=patient, subtype=subtype
    ).exists():
        return None
    specialty, summary, question = CASES[subtype]
    request = save_consultation(
        applicant=staff,
        data=ConsultationData(
            patient=patient,
            urgency=Urgency.URGENT,
            subtype=subtype,
            case_summary=summary,
            clinical_question=question,
            specialty=specialty,
            mode=Mode.ASYNC,
        ),
    )
    record_uploaded_consent(
        request,
        actor=staff,
        upload=SimpleUploadedFile(
            "知情同意书.pdf", placeholder_pdf("Informed consent (demo)"), "application/pdf"
        ),
        signer=Consent.Signer.PATIENT,
        signer_name=patient.name,
    )
    return request


def seed_imaging(ctx: SeedContext) -> int:
    staff = _demo_staff()
    if staff is None or staff.hospital_id is None:
        return 0
    created = 0
    request = _request(staff, Subtype.IMAGING)
    if request is not None:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for i, data in enumerate(ct_series(24, size=128)):
                archive.writestr(f"CT/IM{i:04d}.dcm", data)
        services.add_study(
            request,
            SimpleUploadedFile("ct-chest.zip", buffer.getvalue(), "application/zip"),
            actor=staff,
            deidentify=True,
        )
        transition(request, "submit", actor=staff)
        created += 1
    request = _request(staff, Subtype.PATHOLOGY)
    if request is not None:
        with tempfile.TemporaryDirectory() as folder:
            path = pyramidal_tiff(Path(folder) / "HE-biopsy.tiff", size=1024)
            with open(path, "rb") as handle:
                source = UploadedFile(handle, name=path.name, size=path.stat().st_size)
                services.add_slide(request, source, actor=staff)
        transition(request, "submit", actor=staff)
        created += 1
    return created


register_step("imaging", seed_imaging, after="medical_requests")
