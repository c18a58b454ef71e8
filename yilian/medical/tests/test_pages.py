"""The consultation's pages: applying, the request page with its detail and the experts'
parts, writing a part, the opinion PDF, and other hospitals (404)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from yilian.core.tests.pdf import needs_poppler, pdf_text
from yilian.files.selectors import files_for
from yilian.patients.models import Consent
from yilian.workflow.models import BusinessRequest, Opinion, Status
from yilian.workflow.services import transition

from ..services import save_consultation, write_part
from .conftest import NATIONAL_ID, mdt_data, sign_consent

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _detail(request) -> str:
    return reverse("workflow:detail", args=[request.public_id])


def test_the_apply_page_keeps_what_was_typed_and_shows_the_error_by_the_field(
    client, staff_a, patient_a
):
    client.force_login(staff_a)
    url = reverse("workflow:apply_kind", args=["consultation"])
    page = client.get(url)
    assert page.status_code == 200
    assert patient_a.name in page.content.decode()
    assert patient_a.masked_national_id in page.content.decode()
    assert NATIONAL_ID not in page.content.decode()

    response = client.post(
        url,
        {
            "patient": str(patient_a.public_id),
            "urgency": "urgent",
            "subtype": "mdt",
            "mdt_specialties": ["oncology"],
            "specialty": "oncology",
            "mode": "video",
            "case_summary": "右肺上叶占位 3 cm。",
            "clinical_question": "手术还是新辅助治疗？",
            "intent": "draft",
        },
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert "An MDT consultation involves at least two specialties" in html
    assert "右肺上叶占位 3 cm。" in html
    assert "手术还是新辅助治疗？" in html
    assert not BusinessRequest.objects.exists()


def test_submitting_from_the_apply_page_without_consent_keeps_a_draft_and_says_why(
    client, staff_a, patient_a
):
    client.force_login(staff_a)
    url = reverse("workflow:apply_kind", args=["consultation"])
    response = client.post(
        url,
        {
            "patient": str(patient_a.public_id),
            "urgency": "routine",
            "subtype": "general",
            "specialty": "cardiology",
            "mode": "video",
            "case_summary": "胸痛 2 小时。",
            "clinical_question": "是否需要急诊介入？",
            "attachments": [SimpleUploadedFile("心电图.pdf", PDF)],
            "intent": "submit",
        },
    )

    assert response.status_code == 422
    assert "informed consent is missing" in response.content.decode()
    assert not BusinessRequest.objects.exists()  # the whole save was rolled back


def test_the_request_page_shows_the_consultation_and_the_masked_patient(client, consult, staff_a):
    request = consult.draft()
    client.force_login(staff_a)

    html = client.get(_detail(request)).content.decode()

    assert 'data-medical-detail="consultation"' in html
    assert "下一步手术还是新辅助治疗？" in html
    assert "纵隔淋巴结肿大" in html
    assert consult.patient.name in html
    assert consult.patient.masked_national_id in html
    assert NATIONAL_ID not in html
    assert "medical imaging" in html and "pathology" in html  # the MDT specialties
    assert "asynchronous" in html


def test_an_assigned_expert_writes_their_part_on_the_request_page(
    client, consult, radiologist, pathologist
):
    request = consult.in_progress()
    client.force_login(radiologist)

    html = client.get(_detail(request)).content.decode()
    assert "data-part-form" in html
    assert reverse("medical:part", args=[request.public_id]) in html

    response = client.post(
        reverse("medical:part", args=[request.public_id]), {"body": "影像：考虑周围型肺癌。"}
    )
    assert response.status_code == 302
    assert response["Location"].endswith("#mdt-parts")
    assert Opinion.objects.get(request=request, author=radiologist).body == "影像：考虑周围型肺癌。"

    html = client.get(_detail(request)).content.decode()
    assert "影像：考虑周围型肺癌。" in html
    assert "Change my part" in html

    # the lead expert sees the parts but has no part to write
    client.force_login(consult.lead)
    html = client.get(_detail(request)).content.decode()
    assert "影像：考虑周围型肺癌。" in html
    assert "data-part-form" not in html
    assert "Not written yet." in html


def test_an_empty_part_shows_the_error_on_the_part_page(client, consult, radiologist):
    request = consult.in_progress()
    client.force_login(radiologist)

    response = client.post(reverse("medical:part", args=[request.public_id]), {"body": ""})

    assert response.status_code == 422
    assert "This field is required." in response.content.decode()


def test_completing_too_early_names_who_is_missing_on_the_page(client, consult, radiologist):
    request = consult.in_progress()
    write_part(request, actor=radiologist, body="影像意见")
    client.force_login(consult.lead)

    response = client.post(
        reverse("workflow:act", args=[request.public_id, "complete"]),
        {"complete-expected_version": request.version, "complete-body": "综合结论"},
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert "Still missing: 病理专家." in html
    assert "综合结论" in html  # kept


@needs_poppler
def test_the_opinion_pdf_carries_every_part_the_conclusion_and_the_consent(
    client, consult, radiologist, pathologist
):
    request = consult.in_progress()
    Consent.objects.filter(request=request).update(signer_name="王家属", signer="relative")
    write_part(request, actor=radiologist, body="影像：右肺上叶周围型肺癌可能。")
    write_part(request, actor=pathologist, body="病理：浸润性腺癌。")
    transition(request, "complete", actor=consult.lead, body="建议新辅助化疗后手术。")
    client.force_login(consult.applicant)

    response = client.get(reverse("workflow:opinion_pdf", args=[request.public_id]))

    assert response.status_code == 200
    text = pdf_text(response.content)
    for expected in (
        "影像：右肺上叶周围型肺癌可能。",
        "影像专家",
        "病理：浸润性腺癌。",
        "病理专家",
        "建议新辅助化疗后手术。",
        "王专家",
        "Conclusion",
        "Informed consent",
        "王家属",
        "close relative",
        "signed form uploaded",
    ):
        assert expected in text, expected


def test_another_hospital_gets_a_404_for_the_request_and_its_files(
    client, staff_a, staff_b, patient_a
):
    request = save_consultation(
        applicant=staff_a,
        data=mdt_data(patient_a),
        files=[SimpleUploadedFile("CT.pdf", PDF)],
    )
    sign_consent(request, staff_a)
    (asset,) = files_for(request)
    client.force_login(staff_b)

    assert client.get(_detail(request)).status_code == 404
    assert client.get(reverse("files:download", args=[asset.public_id])).status_code == 404
    assert client.get(reverse("medical:part", args=[request.public_id])).status_code == 404
    assert (
        client.post(reverse("medical:part", args=[request.public_id]), {"body": "x"}).status_code
        == 404
    )

    client.force_login(staff_a)
    assert client.get(reverse("files:download", args=[asset.public_id])).status_code == 200
    assert request.status == Status.DRAFT
