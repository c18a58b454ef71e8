"""E-mail and SMS deliveries: chosen by each recipient's preferences, sent once, without
patient data."""

from __future__ import annotations

import logging

import pytest
from django.core import mail

from yilian.accounts.roles import Role
from yilian.notify import channels
from yilian.notify.models import Delivery, Notification
from yilian.notify.services import notify, update_preferences
from yilian.notify.sms import BaseSMSBackend, LogBackend, get_backend, mask_phone

NOTE = "患者张某，男，63岁，胸痛三小时"  # clinical text: stays in the app


class BrokenGateway(BaseSMSBackend):
    def send(self, phone: str, text: str) -> None:
        raise ConnectionError("gateway down")


@pytest.fixture
def doctor(make_user, hospital_a):
    return make_user(Role.STAFF, hospital=hospital_a, name="周医生", email="zhou@a.example")


@pytest.fixture
def sent_sms(caplog):
    caplog.set_level(logging.INFO, logger="yilian.sms")

    def lines() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.name == "yilian.sms"]

    return lines


def _notify(users, django_capture_on_commit_callbacks, **fields):
    fields.setdefault("verb", "test")
    fields.setdefault("title", "急诊会诊：张某")
    fields.setdefault("body", NOTE)
    fields.setdefault("url", "/requests/abc/")
    fields.setdefault("summary", "Your remote consultation request is now confirmed.")
    with django_capture_on_commit_callbacks(execute=True):
        return notify(users, **fields)


def _deliveries(notification: Notification) -> dict[str, tuple[str, str]]:
    return {d.channel: (d.status, d.detail) for d in notification.deliveries.all()}


def test_email_goes_out_with_the_summary_and_an_absolute_link_but_no_patient_data(
    doctor, settings, django_capture_on_commit_callbacks
):
    settings.YILIAN_BASE_URL = "https://yilian.example.org"

    [note] = _notify([doctor], django_capture_on_commit_callbacks)

    [message] = mail.outbox
    assert message.to == ["zhou@a.example"]
    assert "Your remote consultation request is now confirmed." in message.subject
    assert "https://yilian.example.org/requests/abc/" in message.body
    assert "https://yilian.example.org/notifications/preferences/" in message.body
    for private in (NOTE, "张某"):
        assert private not in message.subject
        assert private not in message.body
    delivery = note.deliveries.get(channel="email")
    assert (delivery.status, delivery.attempts) == (Delivery.Status.SENT, 1)
    assert delivery.sent_at is not None


def test_without_a_summary_the_outside_channels_only_say_there_is_a_message(
    doctor, settings, django_capture_on_commit_callbacks
):
    settings.YILIAN_BASE_URL = "https://yilian.example.org"

    _notify([doctor], django_capture_on_commit_callbacks, summary="", url="")

    [message] = mail.outbox
    assert "您有一条新消息。" in message.body  # outside channels speak the site language
    assert "https://yilian.example.org/notifications/" in message.body
    assert "张某" not in message.subject + message.body


def test_no_email_without_an_address(make_user, hospital_a, django_capture_on_commit_callbacks):
    user = make_user(Role.STAFF, hospital=hospital_a)

    [note] = _notify([user], django_capture_on_commit_callbacks)

    assert mail.outbox == []
    assert _deliveries(note)["email"] == (Delivery.Status.SKIPPED, "no_address")


def test_no_email_when_the_user_turned_it_off(doctor, django_capture_on_commit_callbacks):
    update_preferences(doctor, email=False, sms=True, sms_urgent_only=True)

    [note] = _notify([doctor], django_capture_on_commit_callbacks)

    assert mail.outbox == []
    assert _deliveries(note)["email"] == (Delivery.Status.SKIPPED, "off")


def test_by_default_sms_carries_only_urgent_matters(
    doctor, sent_sms, django_capture_on_commit_callbacks
):
    [routine] = _notify([doctor], django_capture_on_commit_callbacks)
    assert sent_sms() == []
    assert _deliveries(routine)["sms"] == (Delivery.Status.SKIPPED, "not_urgent")

    [urgent] = _notify([doctor], django_capture_on_commit_callbacks, urgent=True)

    [line] = sent_sms()
    phone = doctor.phone
    assert line.startswith(f"SMS to {phone[:3]}****{phone[-4:]}: ")
    assert "Your remote consultation request is now confirmed." in line
    assert "/requests/abc/" in line
    for private in (phone, NOTE, "张某"):
        assert private not in line
    assert _deliveries(urgent)["sms"] == (Delivery.Status.SENT, "")


def test_sms_for_everything_when_the_user_asks_for_it(
    doctor, sent_sms, django_capture_on_commit_callbacks
):
    update_preferences(doctor, email=True, sms=True, sms_urgent_only=False)

    _notify([doctor], django_capture_on_commit_callbacks)

    assert len(sent_sms()) == 1


def test_no_sms_at_all_when_turned_off(doctor, sent_sms, django_capture_on_commit_callbacks):
    update_preferences(doctor, email=True, sms=False, sms_urgent_only=False)

    [note] = _notify([doctor], django_capture_on_commit_callbacks, urgent=True)

    assert sent_sms() == []
    assert _deliveries(note)["sms"] == (Delivery.Status.SKIPPED, "off")
    assert len(mail.outbox) == 1


def test_each_recipient_gets_what_they_chose(
    doctor, make_user, hospital_a, sent_sms, django_capture_on_commit_callbacks
):
    quiet = make_user(Role.STAFF, hospital=hospital_a, email="quiet@a.example")
    update_preferences(quiet, email=False, sms=False, sms_urgent_only=True)

    _notify([doctor, quiet], django_capture_on_commit_callbacks, urgent=True)

    assert [m.to for m in mail.outbox] == [["zhou@a.example"]]
    assert len(sent_sms()) == 1


def test_a_delivery_task_that_runs_again_sends_nothing_more(
    doctor, sent_sms, django_capture_on_commit_callbacks
):
    [note] = _notify([doctor], django_capture_on_commit_callbacks, urgent=True)
    email = note.deliveries.get(channel="email")
    sms = note.deliveries.get(channel="sms")

    assert channels.deliver(email.pk) == Delivery.Status.SENT
    assert channels.deliver(sms.pk) == Delivery.Status.SENT

    assert len(mail.outbox) == 1
    assert len(sent_sms()) == 1
    assert Delivery.objects.get(pk=email.pk).attempts == 1


def test_an_address_removed_before_sending_skips_the_delivery(doctor):
    with_pending = notify([doctor], verb="test", title="t", summary="s")
    doctor.email = ""
    doctor.save(update_fields=["email"])
    email = with_pending[0].deliveries.get(channel="email")

    assert channels.deliver(email.pk) == Delivery.Status.SKIPPED

    assert mail.outbox == []
    assert Delivery.objects.get(pk=email.pk).detail == "no_address"


def test_a_skipped_delivery_is_never_sent(doctor, django_capture_on_commit_callbacks):
    [note] = _notify([doctor], django_capture_on_commit_callbacks)
    sms = note.deliveries.get(channel="sms")

    assert channels.deliver(sms.pk) == Delivery.Status.SKIPPED
    assert Delivery.objects.get(pk=sms.pk).attempts == 0


def test_a_failed_delivery_is_retried_by_a_later_run_up_to_the_limit(
    doctor, settings, sent_sms, django_capture_on_commit_callbacks
):
    settings.YILIAN_SMS_BACKEND = f"{__name__}.BrokenGateway"
    [note] = _notify([doctor], django_capture_on_commit_callbacks, urgent=True)
    sms = note.deliveries.get(channel="sms")
    assert (sms.status, sms.detail, sms.attempts) == (Delivery.Status.FAILED, "ConnectionError", 1)

    settings.YILIAN_SMS_BACKEND = "yilian.notify.sms.LogBackend"
    assert channels.deliver(sms.pk) == Delivery.Status.SENT
    assert len(sent_sms()) == 1
    assert channels.deliver(sms.pk) == Delivery.Status.SENT
    assert len(sent_sms()) == 1


def test_a_failing_delivery_stops_after_the_last_attempt(
    doctor, settings, django_capture_on_commit_callbacks
):
    settings.YILIAN_SMS_BACKEND = f"{__name__}.BrokenGateway"
    [note] = _notify([doctor], django_capture_on_commit_callbacks, urgent=True)
    sms = note.deliveries.get(channel="sms")

    for _ in range(channels.MAX_ATTEMPTS + 2):
        channels.deliver(sms.pk)

    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (Delivery.Status.FAILED, channels.MAX_ATTEMPTS)


def test_nothing_is_sent_before_the_commit(doctor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        [note] = notify([doctor], verb="test", title="t", summary="s", urgent=True)

    assert mail.outbox == []
    assert set(note.deliveries.values_list("status", flat=True)) == {Delivery.Status.PENDING}


def test_notifying_many_people_takes_a_fixed_number_of_queries(
    make_user, hospital_a, django_assert_max_num_queries
):
    users = [make_user(Role.STAFF, hospital=hospital_a, email=f"u{n}@a.example") for n in range(12)]
    update_preferences(users[0], email=False, sms=False, sms_urgent_only=True)

    with django_assert_max_num_queries(3):
        rows = notify(users, verb="test", title="t", summary="s")

    assert Delivery.objects.filter(notification__in=rows).count() == 24


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("13800000001", "138****0001"), ("+86 139 1234 5678", "861****5678"), ("12345", "****")],
)
def test_phone_numbers_are_masked(phone, masked):
    assert mask_phone(phone) == masked


def test_the_sms_backend_comes_from_the_setting(settings):
    assert isinstance(get_backend(), LogBackend)
    settings.YILIAN_SMS_BACKEND = "yilian.notify.models.Notification"
    with pytest.raises(TypeError):
        get_backend()
