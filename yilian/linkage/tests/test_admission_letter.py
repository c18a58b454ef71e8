"""The admission letter: a PDF for who may see a confirmed advanced study, 404 otherwise."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from yilian.core.tests.pdf import embedded_cjk_fonts, needs_poppler, pdf_text
from yilian.linkage.models import add_months
from yilian.workflow.models import Status
from yilian.workflow.services import transition

from .conftest import apply_study

pytestmark = pytest.mark.django_db


def _url(request) -> str:
    return reverse("linkage:admission_letter", args=[request.public_id])


@pytest.fixture
def confirmed(loop, staff_a, cardiology, quota):
    request = loop.advance(apply_study(staff_a, cardiology), Status.DISPATCHED)
    return transition(
        request,
        "confirm",
        actor=loop.expert,
        **loop.data_for("confirm"),
        contact="心内科 教学秘书 王老师 0571-8888 6666",
    )


@needs_poppler
def test_the_applicant_downloads_the_letter(client, staff_a, confirmed, lead_hospital):
    client.force_login(staff_a)

    response = client.get(_url(confirmed))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "private, no-store"
    text = pdf_text(response.content)
    for expected in (
        lead_hospital.name,
        "赵医生",
        "桐庐县人民医院",
        "心内科",
        "王老师 0571-8888 6666",
    ):
        assert expected in text, expected
    assert "JX-" in text
    study = confirmed.advanced_study
    last_day = add_months(study.start_date, study.period_months) - timedelta(days=1)
    assert f"{study.start_date:%Y-%m-%d} – {last_day:%Y-%m-%d}" in text  # the last day, inclusive
    assert embedded_cjk_fonts(response.content)


def test_the_team_and_managers_may_download_it_too(
    client, confirmed, expert, manager, hospital_admin_a
):
    for user in (expert, manager, hospital_admin_a):
        client.force_login(user)
        assert client.get(_url(confirmed)).status_code == 200, user


def test_another_hospital_gets_404(client, staff_b, hospital_admin_b, confirmed):
    for user in (staff_b, hospital_admin_b):
        client.force_login(user)
        assert client.get(_url(confirmed)).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client, confirmed):
    response = client.get(_url(confirmed))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_before_confirmation_there_is_no_letter(client, loop, staff_a, cardiology, quota):
    request = loop.advance(apply_study(staff_a, cardiology), Status.DISPATCHED)
    client.force_login(staff_a)

    assert client.get(_url(request)).status_code == 404


def test_a_cancelled_registration_has_no_letter(client, loop, staff_a, confirmed):
    transition(confirmed, "cancel", actor=loop.manager, reason="本人放弃")
    client.force_login(staff_a)

    assert client.get(_url(confirmed)).status_code == 404


def test_the_detail_links_to_the_letter_once_confirmed(confirmed, loop, staff_a, cardiology):
    from django.template.loader import render_to_string

    html = render_to_string(
        "linkage/detail/advanced_study.html",
        {"request": confirmed, "detail": confirmed.advanced_study},
    )
    assert _url(confirmed) in html
    assert "licence.pdf" in html

    draft = apply_study(staff_a, cardiology)
    html = render_to_string(
        "linkage/detail/advanced_study.html", {"request": draft, "detail": draft.advanced_study}
    )
    assert "admission-letter" not in html
