"""Rate limits on what sends messages: password-reset requests (per client address and per
address asked for, the same whether an account exists or not) and text messages (per mobile
number, whatever sends them, fail-closed when the cache cannot count). Sign-in lockouts are
covered by test_sign_in.py, the API's limit by yilian/api/tests."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from yilian.accounts.roles import Role
from yilian.accounts.services import issue_password_link
from yilian.core.tests.cache import unreachable_redis_caches
from yilian.core.tests.html import parse
from yilian.notify.models import Delivery
from yilian.notify.services import notify, update_preferences
from yilian.notify.sms import BaseSMSBackend, SMSRateLimited, send_sms
from yilian.orgs.models import Hospital

# A minimal PDF: the join page wants the hospital's licence.
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


class Texts(BaseSMSBackend):
    sent: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        Texts.sent.append((phone, text))


@pytest.fixture
def texts(settings) -> list[tuple[str, str]]:
    settings.YILIAN_SMS_BACKEND = f"{__name__}.Texts"
    Texts.sent = []
    return Texts.sent


@pytest.fixture
def with_email(make_user, hospital_a):
    return make_user(Role.STAFF, hospital=hospital_a, email="zhou@a.example")


def ask_reset(client, email: str, ip: str = "10.0.0.1"):
    return client.post(reverse("accounts:password_reset"), {"email": email}, REMOTE_ADDR=ip)


def assert_rate_limited_page(response) -> None:
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    page = parse(response)
    assert page.one(id="rate-limited") is not None
    assert "Nothing was saved" in response.content.decode() or "请" in response.content.decode()


# --- password reset ------------------------------------------------------------------


def test_reset_requests_are_limited_per_client_address(client, settings, with_email):
    settings.YILIAN_PASSWORD_RESET_RATE = "3/h"
    answers = [ask_reset(client, f"nobody{n}@example.org").status_code for n in range(2)]
    answers.append(ask_reset(client, with_email.email).status_code)
    assert answers == [302, 302, 302]
    assert len(mail.outbox) == 1

    beyond = ask_reset(client, with_email.email)
    assert_rate_limited_page(beyond)
    assert len(mail.outbox) == 1  # nothing sent beyond the limit
    assert ask_reset(client, "someone@example.org", ip="10.0.0.2").status_code == 302


def test_reset_requests_for_one_address_are_limited_whoever_asks(client, settings, with_email):
    settings.YILIAN_PASSWORD_RESET_RATE = "3/h"
    known = [ask_reset(client, with_email.email, ip=f"10.0.1.{n}") for n in range(5)]
    unknown = [ask_reset(client, "nobody@example.org", ip=f"10.0.2.{n}") for n in range(5)]

    # The same answers whether or not an account has the address: nothing leaks.
    assert [r.status_code for r in known] == [302, 302, 302, 429, 429]
    assert [r.status_code for r in unknown] == [r.status_code for r in known]
    assert [r.get("Location") for r in unknown] == [r.get("Location") for r in known]
    assert_rate_limited_page(known[3])
    assert len(mail.outbox) == 3
    assert all(message.to == [with_email.email] for message in mail.outbox)
    # Case and spaces do not make a new address.
    assert ask_reset(client, f" {with_email.email.upper()} ", ip="10.0.3.1").status_code == 429


def test_reset_requests_are_refused_while_the_cache_cannot_count(client, settings, with_email):
    settings.CACHES = unreachable_redis_caches()
    response = ask_reset(client, with_email.email)
    assert_rate_limited_page(response)
    assert mail.outbox == []


def test_the_reset_page_itself_is_never_limited(client, settings, db):
    settings.YILIAN_PASSWORD_RESET_RATE = "1/h"
    ask_reset(client, "a@example.org")
    assert ask_reset(client, "b@example.org").status_code == 429
    assert client.get(reverse("accounts:password_reset")).status_code == 200


# --- text messages ---------------------------------------------------------------------


def test_no_more_texts_to_one_number_than_the_limit(settings, texts):
    settings.YILIAN_SMS_RATE = "2/h"
    send_sms("13912345678", "one")
    send_sms("13912345678", "two")
    with pytest.raises(SMSRateLimited):
        send_sms("13912345678", "three")
    send_sms("13800000001", "another number")
    assert texts == [
        ("13912345678", "one"),
        ("13912345678", "two"),
        ("13800000001", "another number"),
    ]


def test_no_text_at_all_while_the_cache_cannot_count(settings, texts):
    settings.CACHES = unreachable_redis_caches()
    with pytest.raises(SMSRateLimited):
        send_sms("13912345678", "one")
    assert texts == []


def _apply(client, phone: str, licence_code: str, ip: str):
    from yilian.orgs.tests.factories import division

    division("330100", "杭州市")
    form = {
        "name": f"测试医院{licence_code}",
        "licence_code": licence_code,
        "category": Hospital.Category.GENERAL,
        "grade": Hospital.Grade.GRADE_2A,
        "tier": Hospital.Tier.COUNTY,
        "province": "330000",
        "division_code": "330100",
        "beds": "300",
        "contact_name": "孙主任",
        "contact_phone": phone,
        "contact_email": "sun@example.cn",
        "licence": SimpleUploadedFile("licence.pdf", PDF, content_type="application/pdf"),
    }
    return client.post(reverse("accession:join"), form, REMOTE_ADDR=ip)


def test_join_applications_from_many_addresses_cannot_flood_one_number(
    client, lead_hospital, patient, settings, texts, django_capture_on_commit_callbacks
):
    """Anyone may apply giving someone else's number (which then gets a text): from many
    addresses the per-address limit does not stop it, the per-number limit does."""
    settings.YILIAN_SMS_RATE = "2/h"
    with django_capture_on_commit_callbacks(execute=True):
        answers = [
            _apply(client, patient.phone, f"PDY3301{n:04d}", ip=f"10.7.0.{n}") for n in range(4)
        ]
    assert len({(r.status_code, r["Location"]) for r in answers}) == 1  # the same each time
    assert [phone for phone, _text in texts] == [patient.phone, patient.phone]


def test_notification_texts_beyond_the_limit_are_not_sent_and_marked_failed(
    make_user, hospital_a, settings, texts, django_capture_on_commit_callbacks
):
    settings.YILIAN_SMS_RATE = "2/h"
    doctor = make_user(Role.STAFF, hospital=hospital_a)
    update_preferences(doctor, email=False, sms=True, sms_urgent_only=False)
    notes = []
    for n in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            notes += notify([doctor], verb="test", title=f"消息 {n}", summary="A message.")
    outcomes = [note.deliveries.get(channel="sms") for note in notes]
    assert [(d.status, d.detail) for d in outcomes] == [
        (Delivery.Status.SENT, ""),
        (Delivery.Status.SENT, ""),
        (Delivery.Status.FAILED, "SMSRateLimited"),
    ]
    assert len(texts) == 2


def test_set_password_links_by_text_are_limited_too(
    staff_a, settings, texts, django_capture_on_commit_callbacks
):
    settings.YILIAN_SMS_RATE = "2/h"
    for _n in range(3):
        with django_capture_on_commit_callbacks(execute=True):
            issue_password_link(staff_a, actor=None)
    assert [phone for phone, _text in texts] == [staff_a.phone, staff_a.phone]
