from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse

from yilian.accounts.models import RoleChange, User
from yilian.accounts.roles import Role
from yilian.core.tests.html import field_errors, field_value, parse
from yilian.notify.sms import BaseSMSBackend
from yilian.orgs.models import Hospital

from ..models import Application, Assessment, Question
from .conftest import PDF, full_answers


def _form(**changes):
    data = {
        "name": "淳安县第一人民医院",
        "licence_code": "PDY33012711",
        "category": Hospital.Category.GENERAL,
        "grade": Hospital.Grade.GRADE_2A,
        "tier": Hospital.Tier.COUNTY,
        "province": "330000",
        "division_code": "330100",
        "beds": "300",
        "contact_name": "孙主任",
        "contact_phone": "13922223333",
        "contact_email": "sun@example.cn",
    }
    data.update(changes)
    return data


def _pdf():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("licence.pdf", PDF, content_type="application/pdf")


def test_the_join_page_is_public_and_keeps_what_was_typed_on_error(client, lead_hospital):
    from yilian.orgs.tests.factories import division

    division("330100", "杭州市")
    assert client.get(reverse("accession:join")).status_code == 200

    response = client.post(reverse("accession:join"), _form(contact_phone="123"))

    assert response.status_code == 422
    assert field_errors(response, "contact_phone")
    assert field_errors(response, "licence")
    assert field_value(response, "name") == "淳安县第一人民医院"
    assert not Application.objects.exists()


class Texts(BaseSMSBackend):
    """Keeps the text messages (the log redacts the private links)."""

    sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        Texts.sent.append((phone, text))


@pytest.fixture
def texts(settings) -> list[tuple[str, str]]:
    settings.YILIAN_SMS_BACKEND = f"{__name__}.Texts"
    Texts.sent = []
    return Texts.sent


def test_a_hospital_applies_is_accepted_answers_gets_a_plan_and_its_admin_logs_in(
    client, lead_hospital, manager, django_capture_on_commit_callbacks, texts
):
    from yilian.orgs.tests.factories import division

    division("330100", "杭州市")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accession:join"), {**_form(), "licence": _pdf()})
    assert response.status_code == 302
    assert response["Location"] == reverse("accession:join_received")
    # The private link reaches the contact's mobile number, not the page.
    [(phone, text)] = texts
    assert phone == "13922223333"
    status_url = re.search(r"/join/[^/\s]+/", text).group(0)
    token = status_url.rstrip("/").split("/")[-1]
    page = parse(client.get(status_url))
    assert page.one(id="application-status").get("data-status") == "submitted"

    application = Application.objects.get()
    client.force_login(manager)
    response = client.post(
        reverse("accession:review", args=[application.public_id]), {"decision": "accept"}
    )
    assert response.status_code == 302
    client.logout()

    assessment_url = reverse("accession:join_assessment", args=[token])
    assert client.post(assessment_url, {}).status_code == 422  # required answers missing
    response = client.post(assessment_url, full_answers())
    assert response.status_code == 302
    assessment = Assessment.objects.get()
    assert assessment.status == Assessment.Status.SUBMITTED

    client.force_login(manager)
    detail = client.get(reverse("accession:assessment", args=[assessment.public_id]))
    plan = parse(detail).one("form", id="plan-form")
    assert plan is not None
    data = {
        "tier": "core",
        "enabled_kinds": ["referral", "consultation"],
        "quota_consultation": "20",
        "per_consultation": "month",
        "scope": "会诊与转诊",
        "contact_name": "孙主任",
        "contact_phone": "13922223333",
        "year": "2026",
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accession:approve", args=[assessment.public_id]), data)
    assert response.status_code == 302
    client.logout()

    admin = User.objects.get(phone="13922223333")
    assert admin.has_role(Role.HOSPITAL_ADMIN)
    assert RoleChange.objects.filter(user=admin, role=Role.HOSPITAL_ADMIN).count() == 1
    body = next(m.body for m in mail.outbox if "set-password" in m.body)
    link = re.search(r"https?://\S+/accounts/set-password/[^/\s]+/", body).group(0)
    path = link.split("8000", 1)[-1] if "8000" in link else link
    weak = client.post(path, {"new_password1": "123", "new_password2": "123"})
    assert weak.status_code == 422
    done = client.post(path, {"new_password1": "Quiet-River-42", "new_password2": "Quiet-River-42"})
    assert done.status_code == 302
    assert client.get(path).status_code == 410  # once only
    signed_in = client.post(
        reverse("accounts:login"), {"username": "13922223333", "password": "Quiet-River-42"}
    )
    assert signed_in.status_code == 302
    assert client.get(reverse("accession:my_plan")).status_code == 200


def test_an_unknown_applicant_link_is_a_404(client, db):
    assert client.get(reverse("accession:join_status", args=["nope"])).status_code == 404


def test_applications_are_the_platforms_only(client, applied, staff_a, hospital_admin_a):
    application, _token = applied
    for user in (staff_a, hospital_admin_a):
        client.force_login(user)
        assert client.get(reverse("accession:applications")).status_code == 403
        response = client.post(
            reverse("accession:review", args=[application.public_id]), {"decision": "accept"}
        )
        assert response.status_code == 403
    application.refresh_from_db()
    assert application.status == Application.Status.SUBMITTED


def test_a_platform_admin_adds_a_question_in_the_page_and_the_next_assessment_shows_it(
    client, applied, accepted, platform_admin
):
    applied_token = applied[1]
    client.force_login(platform_admin)
    bad = client.post(
        reverse("accession:question_new"),
        {"section": "technical", "text": "CT?", "type": "choice", "options": "CT", "weight": "1"},
    )
    assert bad.status_code == 422
    assert field_errors(bad, "options")

    response = client.post(
        reverse("accession:question_new"),
        {
            "section": "technical",
            "text": "Teleradiology workstations",
            "type": "number",
            "bands": "0 = 0\n2 = 3\n5 = 6",
            "weight": "2",
            "required": "on",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    added = Question.objects.get(text="Teleradiology workstations")
    assert added.bands == [
        {"min": "0", "points": 0},
        {"min": "2", "points": 3},
        {"min": "5", "points": 6},
    ]
    client.logout()

    application = accepted
    token = applied_token
    token_url = reverse("accession:join_assessment", args=[token])
    form = parse(client.get(token_url))
    assert form.find("input", data_question=str(added.public_id)) is not None
    answers = full_answers(**{"Teleradiology workstations": "3"})
    assert client.post(token_url, answers).status_code == 302
    assessment = Assessment.objects.get(hospital=application.hospital)
    scored = next(a for a in assessment.answers if a["question"] == str(added.public_id))
    assert (scored["points"], scored["max"]) == (3, 6)


def test_a_manager_starts_the_annual_reassessment_and_the_hospital_admin_answers_it(
    client, manager, hospital_admin_a, hospital_a
):
    client.force_login(manager)
    response = client.post(reverse("accession:reassess", args=[hospital_a.public_id]))
    assert response.status_code == 302
    assessment = Assessment.objects.get(hospital=hospital_a)

    client.force_login(hospital_admin_a)
    fill = reverse("accession:fill", args=[assessment.public_id])
    assert client.get(fill).status_code == 200
    assert client.post(fill, full_answers()).status_code == 302
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.SUBMITTED
    assert assessment.submitted_by == hospital_admin_a


def test_another_hospitals_admin_cannot_open_the_reassessment(
    client, manager, hospital_admin_b, hospital_a
):
    client.force_login(manager)
    client.post(reverse("accession:reassess", args=[hospital_a.public_id]))
    assessment = Assessment.objects.get(hospital=hospital_a)

    client.force_login(hospital_admin_b)
    fill = reverse("accession:fill", args=[assessment.public_id])
    assert client.get(fill).status_code == 404
    assert client.post(fill, full_answers()).status_code == 404
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.OPEN


def _apply(client, **changes):
    from yilian.orgs.tests.factories import division

    division("330100", "杭州市")
    return client.post(reverse("accession:join"), {**_form(**changes), "licence": _pdf()})


def test_a_mobile_number_with_an_account_gets_the_same_outcome_and_nothing_is_made(
    client, lead_hospital, manager, patient, django_capture_on_commit_callbacks, texts
):
    from yilian.files.models import FileAsset
    from yilian.notify.models import Notification

    fresh = _apply(client, contact_phone="13922229999", licence_code="PDY33012799")
    counts = (Hospital.objects.count(), User.objects.count(), FileAsset.objects.count())

    with django_capture_on_commit_callbacks(execute=True):
        taken = _apply(client, contact_phone=patient.phone)

    assert (taken.status_code, taken["Location"]) == (fresh.status_code, fresh["Location"])
    assert "already" not in client.get(taken["Location"]).content.decode()
    assert (Hospital.objects.count(), User.objects.count(), FileAsset.objects.count()) == counts
    assert Application.objects.count() == 1
    note = Notification.objects.get(recipient=manager, verb="accession.phone_in_use")
    assert patient.phone not in note.body  # masked
    assert patient.masked_phone in note.body
    assert [phone for phone, _text in texts] == [patient.phone]
    assert "your mobile number" in texts[0][1]
    assert "/join/" not in texts[0][1]


def test_a_licence_code_already_applied_stays_an_explicit_error(client, lead_hospital, applied):
    application, _token = applied

    response = _apply(client, licence_code=application.hospital.licence_code)

    assert response.status_code == 422
    assert field_errors(response, "licence_code")
    assert Application.objects.count() == 1


def test_public_join_submissions_are_limited_per_address_and_nothing_is_made_beyond(
    client, lead_hospital, settings
):
    settings.YILIAN_JOIN_RATE = "2/h"
    first = _apply(client, contact_phone="13922220001", licence_code="PDY33010001")
    second = _apply(client, contact_phone="13922220002", licence_code="PDY33010002")

    third = _apply(client, contact_phone="13922220003", licence_code="PDY33010003")

    assert (first.status_code, second.status_code) == (302, 302)
    assert third.status_code == 429
    assert int(third["Retry-After"]) > 0
    assert parse(third).one(id="rate-limited") is not None
    assert Application.objects.count() == 2
    assert not User.objects.filter(phone="13922220003").exists()
    assert not Hospital.objects.filter(licence_code="PDY33010003").exists()
    # Another address is counted apart; reading the page is never limited.
    other = client.post(
        reverse("accession:join"),
        {**_form(contact_phone="13922220004", licence_code="PDY33010004"), "licence": _pdf()},
        REMOTE_ADDR="10.9.8.7",
    )
    assert other.status_code == 302
    assert client.get(reverse("accession:join")).status_code == 200


def test_the_applicants_own_page_is_limited_too(client, lead_hospital, applied, settings):
    settings.YILIAN_JOIN_RATE = "1/h"
    _application, token = applied
    url = reverse("accession:join_status", args=[token])

    assert client.post(url, {}).status_code == 302
    assert client.post(url, {}).status_code == 429
