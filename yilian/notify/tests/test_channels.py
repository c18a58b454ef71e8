"""E-mail and SMS deliveries: chosen by each recipient's preferences, sent once, without
patient data."""

from __future__ import annotations

import logging
import signal
from datetime import datetime, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from yilian.accounts.roles import Role
from yilian.core.masking import mask_phone
from yilian.notify import channels
from yilian.notify.models import Delivery, Notification
from yilian.notify.services import notify, update_preferences
from yilian.notify.sms import BaseSMSBackend, LogBackend, get_backend

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


# --- failures, retries and abandoned claims --------------------------------------------------

DELIVER_TASK = "yilian.notify.tasks.deliver"


class DyingGateway(BaseSMSBackend):
    """The worker process ends while the gateway is answering."""

    def send(self, phone: str, text: str) -> None:
        raise SystemExit("worker killed")


@pytest.fixture
def db_tasks(settings):
    """The database backend (what ``make run``'s worker serves): it can defer tasks."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }


def _enqueued(sms_pk: int) -> list[tuple[list, datetime]]:
    """The deliver tasks of one delivery waiting in the database, by when they may run."""
    rows = DBTaskResult.objects.filter(task_path=DELIVER_TASK, args_kwargs__args__0=sms_pk)
    return sorted(
        ((r.args_kwargs["args"], r.run_after) for r in rows.filter(status="READY")),
        key=lambda row: row[1],
    )


def _run(django_capture_on_commit_callbacks, *args) -> str:
    """One run of the task, as the worker does it (its on-commit work included)."""
    with django_capture_on_commit_callbacks(execute=True):
        return channels.deliver(*args)


def test_a_failed_delivery_is_enqueued_again_with_a_backoff_until_the_last_attempt(
    doctor, settings, db_tasks, caplog, django_capture_on_commit_callbacks
):
    settings.YILIAN_SMS_BACKEND = f"{__name__}.BrokenGateway"
    caplog.set_level(logging.WARNING, logger="yilian.notify.channels")
    [note] = _notify([doctor], django_capture_on_commit_callbacks, urgent=True)
    sms = note.deliveries.get(channel="sms")
    assert [args for args, _ in _enqueued(sms.pk)] == [[sms.pk]]  # by notify(), not run yet
    DBTaskResult.objects.all().delete()

    for attempt, delay in enumerate(channels.RETRY_DELAYS, start=1):
        before = timezone.now()
        assert _run(django_capture_on_commit_callbacks, sms.pk) == Delivery.Status.FAILED
        after = timezone.now()

        sms.refresh_from_db()
        assert (sms.status, sms.detail, sms.attempts) == (
            Delivery.Status.FAILED,
            "ConnectionError",
            attempt,
        )
        [retry, claim_check] = _enqueued(sms.pk)
        assert retry[0] == [sms.pk]
        assert before + delay <= retry[1] <= after + delay
        assert claim_check == (
            [sms.pk, attempt],
            sms.claimed_at + channels.CLAIM_EXPIRES + channels.CLAIM_CHECK_MARGIN,
        )
        DBTaskResult.objects.all().delete()  # the worker took them

    assert _run(django_capture_on_commit_callbacks, sms.pk) == Delivery.Status.FAILED
    sms.refresh_from_db()
    assert sms.attempts == channels.MAX_ATTEMPTS == 3
    assert [args for args, _ in _enqueued(sms.pk)] == [[sms.pk, 3]]  # the claim's check only
    DBTaskResult.objects.all().delete()

    assert _run(django_capture_on_commit_callbacks, sms.pk) == Delivery.Status.FAILED
    assert _enqueued(sms.pk) == []
    assert Delivery.objects.get(pk=sms.pk).attempts == 3
    lines = [r.getMessage() for r in caplog.records if r.name == "yilian.notify.channels"]
    assert len(lines) == 3
    assert "retry after" in lines[0]
    assert lines[-1].endswith("ConnectionError; giving up")
    for line in lines:
        assert doctor.phone not in line
        assert "张某" not in line


def test_a_retry_sends_once_the_gateway_is_back(
    doctor, settings, sent_sms, db_tasks, django_capture_on_commit_callbacks
):
    settings.YILIAN_SMS_BACKEND = f"{__name__}.BrokenGateway"
    [note] = _notify([doctor], django_capture_on_commit_callbacks, urgent=True)
    sms = note.deliveries.get(channel="sms")
    _run(django_capture_on_commit_callbacks, sms.pk)

    settings.YILIAN_SMS_BACKEND = "yilian.notify.sms.LogBackend"
    assert _run(django_capture_on_commit_callbacks, sms.pk) == Delivery.Status.SENT
    assert _run(django_capture_on_commit_callbacks, sms.pk) == Delivery.Status.SENT

    assert len(sent_sms()) == 1
    sms.refresh_from_db()
    assert (sms.status, sms.detail, sms.attempts) == (Delivery.Status.SENT, "", 2)


def test_a_backend_that_cannot_defer_leaves_the_failure_without_a_retry(
    doctor, settings, caplog, django_capture_on_commit_callbacks
):
    settings.YILIAN_SMS_BACKEND = f"{__name__}.BrokenGateway"
    caplog.set_level(logging.WARNING, logger="yilian.notify.channels")

    [note] = _notify([doctor], django_capture_on_commit_callbacks, urgent=True)  # immediate

    sms = note.deliveries.get(channel="sms")
    assert (sms.status, sms.attempts) == (Delivery.Status.FAILED, 1)
    [line] = [r.getMessage() for r in caplog.records if r.name == "yilian.notify.channels"]
    assert line == (
        f"Delivery {sms.pk} (sms) failed, attempt 1 of 3: ConnectionError; "
        "not retried: the task backend cannot defer tasks"
    )


def _claimed(delivery: Delivery, minutes_ago: int, attempts: int = 1) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(
        status=Delivery.Status.SENDING,
        attempts=attempts,
        claimed_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


def test_an_expired_claim_is_claimed_again_and_a_fresh_one_is_not(
    doctor, sent_sms, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        [note] = notify([doctor], verb="test", title="t", summary="s", urgent=True)
    sms = note.deliveries.get(channel="sms")

    _claimed(sms, minutes_ago=14)  # another worker is sending it right now
    assert channels.deliver(sms.pk) == Delivery.Status.SENDING
    assert channels.deliver(sms.pk, 1) == Delivery.Status.SENDING
    assert sent_sms() == []
    assert Delivery.objects.get(pk=sms.pk).attempts == 1

    _claimed(sms, minutes_ago=16)  # that worker died mid-send
    assert channels.deliver(sms.pk) == Delivery.Status.SENT
    assert len(sent_sms()) == 1
    sms.refresh_from_db()
    assert sms.attempts == 2
    assert timezone.now() - sms.claimed_at < timedelta(minutes=1)


def test_a_worker_dying_mid_send_is_taken_over_by_the_check_of_its_claim(
    doctor, settings, sent_sms, db_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        [note] = notify([doctor], verb="test", title="t", summary="s", urgent=True)
    sms = note.deliveries.get(channel="sms")
    settings.YILIAN_SMS_BACKEND = f"{__name__}.DyingGateway"

    with pytest.raises(SystemExit):
        _run(django_capture_on_commit_callbacks, sms.pk)

    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (Delivery.Status.SENDING, 1)
    [(args, run_after)] = _enqueued(sms.pk)
    assert args == [sms.pk, 1]
    assert run_after == sms.claimed_at + timedelta(minutes=16)

    settings.YILIAN_SMS_BACKEND = "yilian.notify.sms.LogBackend"
    assert _run(django_capture_on_commit_callbacks, *args) == Delivery.Status.SENDING  # too soon
    _claimed(sms, minutes_ago=16)
    assert _run(django_capture_on_commit_callbacks, *args) == Delivery.Status.SENT
    assert len(sent_sms()) == 1
    # a late check of an attempt that is over does nothing
    assert _run(django_capture_on_commit_callbacks, *args) == Delivery.Status.SENT
    assert len(sent_sms()) == 1
    assert Delivery.objects.get(pk=sms.pk).attempts == 2


def test_an_abandoned_last_attempt_is_marked_failed(doctor, sent_sms):
    [note] = notify([doctor], verb="test", title="t", summary="s", urgent=True)
    sms = note.deliveries.get(channel="sms")
    _claimed(sms, minutes_ago=16, attempts=channels.MAX_ATTEMPTS)

    assert channels.deliver(sms.pk, channels.MAX_ATTEMPTS) == Delivery.Status.FAILED

    assert sent_sms() == []
    sms.refresh_from_db()
    assert (sms.status, sms.detail, sms.attempts) == (Delivery.Status.FAILED, "Abandoned", 3)


# Real commits, as in the worker; serialized_rollback restores the migrated data (content
# types) for whichever transactional test comes next.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_database_worker_retries_a_failed_delivery(
    doctor, settings, sent_sms, db_tasks, keep_signal_handlers
):
    settings.YILIAN_SMS_BACKEND = f"{__name__}.BrokenGateway"
    [note] = notify([doctor], verb="test", title="t", summary="s", urgent=True)  # committed
    sms = note.deliveries.get(channel="sms")

    before = timezone.now()
    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)

    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (Delivery.Status.FAILED, 1)
    retry = DBTaskResult.objects.get(
        task_path=DELIVER_TASK, status="READY", args_kwargs__args=[sms.pk]
    )
    assert retry.run_after >= before + timedelta(minutes=1)

    settings.YILIAN_SMS_BACKEND = "yilian.notify.sms.LogBackend"
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())  # a minute on
    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)

    sms.refresh_from_db()
    assert (sms.status, sms.attempts) == (Delivery.Status.SENT, 2)
    assert len(sent_sms()) == 1


@pytest.fixture
def keep_signal_handlers():
    """The worker installs its own SIGINT/SIGTERM handlers; give pytest its own back."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


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
