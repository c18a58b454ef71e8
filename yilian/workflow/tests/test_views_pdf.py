"""The team's concluding opinion as a printable PDF."""

from __future__ import annotations

import pytest
from django.urls import reverse

from yilian.core.tests.pdf import embedded_cjk_fonts, needs_poppler, pdf_text
from yilian.workflow.models import Status

pytestmark = pytest.mark.django_db


def _url(request) -> str:
    return reverse("workflow:opinion_pdf", args=[request.public_id])


@needs_poppler
def test_the_opinion_is_a_pdf_with_chinese_text_and_an_embedded_font(
    loop, client, hospital_a, lead_hospital
):
    request = loop.at(Status.COMPLETED, title="急性心梗术后会诊")
    client.force_login(loop.applicant)

    response = client.get(_url(request))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    assert str(request.public_id) in response["Content-Disposition"]
    text = pdf_text(response.content)
    for expected in (
        "急性心梗术后会诊",
        "建议冠脉造影，继续双抗治疗。",
        "赵医生",
        hospital_a.name,
        lead_hospital.name,
        "心血管会诊组",
        "王专家",
    ):
        assert expected in text, expected
    assert embedded_cjk_fonts(response.content)


def test_no_conclusion_yet_is_a_404(loop, client):
    request = loop.at(Status.IN_PROGRESS)
    client.force_login(loop.applicant)

    assert client.get(_url(request)).status_code == 404


def test_other_hospitals_get_a_404(loop, client, staff_b):
    request = loop.at(Status.COMPLETED)
    client.force_login(staff_b)

    assert client.get(_url(request)).status_code == 404


def test_anonymous_visitor_is_sent_to_login(loop, client):
    request = loop.at(Status.COMPLETED)

    response = client.get(_url(request))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
