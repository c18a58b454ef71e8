"""The referral's pages: applying (with the departments of the chosen hospital), the
request page with its detail, the referral letter PDF, and other hospitals (404)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from yilian.audit.models import AuditAction, AuditEntry
from yilian.core.tests.pdf import embedded_cjk_fonts, needs_poppler, pdf_text
from yilian.workflow.models import BusinessRequest
from yilian.workflow.services import transition

from .conftest import NATIONAL_ID

pytestmark = pytest.mark.django_db


def _detail(request) -> str:
    return reverse("workflow:detail", args=[request.public_id])


def _letter(request) -> str:
    return reverse("referrals:letter", args=[request.public_id])


def test_the_apply_page_keeps_what_was_typed_and_shows_the_error_by_the_field(
    client, staff_a, patient_a, cardiology, referral_team
):
    client.force_login(staff_a)
    url = reverse("workflow:apply_kind", args=["referral"])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert patient_a.masked_national_id in html
    assert NATIONAL_ID not in html
    assert "浙江省人民医院" in html

    response = client.post(
        url,
        {
            "patient": str(patient_a.public_id),
            "direction": "up",
            "urgency": "urgent",
            "target_hospital": str(cardiology.hospital.public_id),
            "target_department": str(cardiology.public_id),
            "diagnosis_code": "I214",
            "diagnosis_text": "急性心肌梗死",
            "reason": "胸痛 6 小时，需行冠脉造影。",
            "intent": "draft",
        },
    )

    assert response.status_code == 422
    html = response.content.decode()
    assert "Give an ICD-10 code such as I21.4 or J18." in html
    assert "胸痛 6 小时，需行冠脉造影。" in html
    assert "心血管内科" in html  # the chosen hospital's departments stay offered
    assert not BusinessRequest.objects.exists()

    response = client.post(
        url,
        {
            "patient": str(patient_a.public_id),
            "direction": "up",
            "urgency": "urgent",
            "target_hospital": str(cardiology.hospital.public_id),
            "target_department": str(cardiology.public_id),
            "diagnosis_code": "i21.4",
            "diagnosis_text": "急性心肌梗死",
            "reason": "胸痛 6 小时，需行冠脉造影。",
            "intent": "draft",
        },
    )
    assert response.status_code == 302
    request = BusinessRequest.objects.get(kind="referral")
    assert request.referral.diagnosis_code == "I21.4"
    assert request.patient == patient_a


def test_the_departments_of_the_chosen_hospital(client, staff_a, cardiology, hospital_b):
    client.force_login(staff_a)
    url = reverse("referrals:departments")

    html = client.get(url, {"target_hospital": str(cardiology.hospital.public_id)}).content
    assert str(cardiology.public_id) in html.decode()
    assert "心血管内科" in html.decode()

    assert "心血管内科" not in client.get(url, {"target_hospital": "nonsense"}).content.decode()
    assert "心血管内科" not in client.get(url).content.decode()


def test_the_request_page_shows_the_referral_and_the_consent(client, refer):
    request = refer.draft()
    client.force_login(refer.applicant)

    html = client.get(_detail(request)).content.decode()

    assert "data-referral-detail" in html
    assert "I21.4" in html and "急性非ST段抬高型心肌梗死" in html
    assert "本院无介入条件" in html
    assert "浙江省人民医院 · 心血管内科" in html
    assert "Patient arrived" in html
    assert 'data-consent="missing"' in html
    assert "data-referral-letter" not in html  # not booked yet


def test_after_arrival_and_completion_the_sending_side_reads_the_summary(client, refer):
    request = refer.arrived()
    transition(request, "complete", actor=refer.receiver, body="出院小结：PCI 术后，回当地复查。")
    client.force_login(refer.applicant)

    html = client.get(_detail(request)).content.decode()

    assert "Discharge summary" in html
    assert "出院小结：PCI 术后，回当地复查。" in html
    assert "data-referral-letter" in html
    assert "李医生 0571-8888 6666" in html


@needs_poppler
def test_the_referral_letter(client, refer, staff_a):
    request = refer.confirmed()
    client.force_login(staff_a)

    response = client.get(_letter(request))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    text = pdf_text(response.content)
    for expected in (
        "桐庐县人民医院",
        "浙江省人民医院",
        "心血管内科",
        "王某某",
        refer.patient.masked_national_id,
        "I21.4",
        "急性非ST段抬高型心肌梗死",
        "本院无介入条件",
        "李医生 0571-8888 6666",
    ):
        assert expected in text, expected
    assert NATIONAL_ID not in text
    assert embedded_cjk_fonts(response.content)
    entry = AuditEntry.objects.get(action=AuditAction.DOWNLOAD)
    assert entry.actor == staff_a
    assert entry.patient == refer.patient
    assert entry.object_id == str(request.public_id)


def test_the_receiving_team_and_managers_may_download_the_letter(client, refer):
    request = refer.confirmed()
    for user in (refer.receiver, refer.manager):
        client.force_login(user)
        assert client.get(_letter(request)).status_code == 200, user


def test_no_letter_before_the_booking(client, refer):
    request = refer.submitted()
    client.force_login(refer.applicant)
    assert client.get(_letter(request)).status_code == 404


def test_other_hospitals_get_404(client, refer, staff_b, hospital_admin_b):
    request = refer.confirmed()
    for user in (staff_b, hospital_admin_b):
        client.force_login(user)
        assert client.get(_letter(request)).status_code == 404
        assert client.get(_detail(request)).status_code == 404
    assert not AuditEntry.objects.filter(action=AuditAction.DOWNLOAD).exists()
