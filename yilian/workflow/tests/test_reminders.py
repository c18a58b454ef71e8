"""Reminders: what the engine schedules after a transition, and what each reminder task
does when it runs — once, and only if the request is still where it was."""

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
from yilian.notify.channels import deliver
from yilian.notify.models import Delivery, Notification
from yilian.workflow import reminders, tasks
from yilian.workflow.models import BusinessRequest, Reminder, Status
from yilian.workflow.services import transition

K = Reminder.Kind
SESSION_TASK = "yilian.workflow.tasks.send_session_reminder"
OVERDUE_TASK = "yilian.workflow.tasks.check_overdue"


@pytest.fixture
def db_tasks(settings):
    """The database backend (what ``make run``'s worker serves): it can defer tasks."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}
    }


@pytest.fixture
def second_expert(make_user, lead_hospital, team):
    user = make_user(Role.EXPERT, hospital=lead_hospital, name="陈专家")
    team.members.add(user)
    return user


def _confirm(loop, start: datetime, **data) -> BusinessRequest:
    request = loop.at(Status.DISPATCHED)
    return transition(
        request,
        "confirm",
        actor=loop.expert,
        scheduled_start=start,
        scheduled_end=start + timedelta(hours=1),
        form="video",
        **data,
    )


def _in(**delta) -> datetime:
    return timezone.now().replace(microsecond=0) + timedelta(**delta)


def _enqueued(task_path: str) -> set[tuple]:
    return {
        (tuple(r.args_kwargs["args"]), r.run_after)
        for r in DBTaskResult.objects.filter(task_path=task_path)
    }


def _reminded(verb: str) -> list[int]:
    return sorted(Notification.objects.filter(verb=verb).values_list("recipient", flat=True))


# --- scheduling ----------------------------------------------------------------------------


def test_confirming_a_session_schedules_both_reminders_after_commit(
    loop, db_tasks, django_capture_on_commit_callbacks
):
    request = loop.at(Status.DISPATCHED)
    start = _in(days=2)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        transition(
            request,
            "confirm",
            actor=loop.expert,
            scheduled_start=start,
            scheduled_end=start + timedelta(hours=1),
        )
    assert _enqueued(SESSION_TASK) == set(), "nothing is enqueued before the commit"
    for callback in callbacks:
        callback()

    iso = start.isoformat()
    assert _enqueued(SESSION_TASK) == {
        ((request.pk, K.SESSION_TOMORROW, iso), start - timedelta(hours=24)),
        ((request.pk, K.SESSION_SOON, iso), start - timedelta(minutes=30)),
    }


def test_a_session_in_ten_minutes_gets_no_reminder(loop, db_tasks):
    request = _confirm(loop, _in(minutes=10))

    assert reminders.plan(request, timezone.now()) == []
    assert reminders.schedule(request.pk) == []
    assert not DBTaskResult.objects.exists()


def test_a_session_in_two_hours_gets_only_the_thirty_minute_reminder(loop, db_tasks):
    start = _in(hours=2)
    request = _confirm(loop, start)

    reminders.schedule(request.pk)

    assert _enqueued(SESSION_TASK) == {
        ((request.pk, K.SESSION_SOON, start.isoformat()), start - timedelta(minutes=30))
    }


def test_publishing_schedules_again_for_the_same_moments(
    loop, db_tasks, django_capture_on_commit_callbacks
):
    start = _in(days=3)
    request = _confirm(loop, start)
    with django_capture_on_commit_callbacks(execute=True):
        transition(request, "publish", actor=loop.manager)

    assert {args[1] for args, _ in _enqueued(SESSION_TASK)} == {
        K.SESSION_TOMORROW,
        K.SESSION_SOON,
    }


def test_entering_a_status_with_an_sla_schedules_an_overdue_check_at_the_due_time(
    loop, db_tasks, django_capture_on_commit_callbacks
):
    request = loop.new()
    with django_capture_on_commit_callbacks(execute=True):
        request = transition(request, "submit", actor=loop.applicant)

    due = request.submitted_at + timedelta(hours=24)  # the test kind: approve within 24 h
    assert _enqueued(OVERDUE_TASK) == {((request.pk, Status.SUBMITTED, request.version), due)}


def test_a_status_without_an_sla_schedules_no_overdue_check(loop, db_tasks):
    request = _confirm(loop, _in(days=2))  # confirmed → publish has no SLA for this kind

    reminders.schedule(request.pk)

    assert _enqueued(OVERDUE_TASK) == set()


def test_a_backend_that_cannot_defer_gets_no_reminders(loop, caplog):
    request = _confirm(loop, _in(days=2))
    caplog.set_level(logging.INFO, logger="yilian.workflow.reminders")

    assert reminders.plan(request, timezone.now())
    assert reminders.schedule(request.pk) == []  # the immediate backend runs tasks at once
    assert "cannot defer" in caplog.text
    assert not Reminder.objects.exists()
    assert not Notification.objects.filter(verb__startswith="reminder.").exists()


# --- session reminders ---------------------------------------------------------------------


def test_the_session_reminder_goes_to_applicant_experts_and_team_lead_once(
    loop, second_expert, staff_a, expert
):
    start = _in(days=1, hours=1)
    request = _confirm(loop, start, experts=[second_expert])
    at = start - timedelta(hours=24)

    result = reminders.send_session_reminder(
        request.pk, K.SESSION_TOMORROW, start.isoformat(), now=at
    )

    assert result == "sent"
    assert _reminded("reminder.session_tomorrow") == sorted(
        [staff_a.pk, second_expert.pk, expert.pk]  # expert: the team's lead
    )
    reminder = Reminder.objects.get()
    assert (reminder.kind, reminder.moment, reminder.recipients) == (K.SESSION_TOMORROW, start, 3)

    again = reminders.send_session_reminder(
        request.pk, K.SESSION_TOMORROW, start.isoformat(), now=at + timedelta(minutes=5)
    )
    assert again == "already sent"
    assert Notification.objects.filter(verb="reminder.session_tomorrow").count() == 3
    assert Reminder.objects.count() == 1


def test_both_session_reminders_are_sent_each_once(loop):
    start = _in(days=2)
    request = _confirm(loop, start)

    for kind, lead in reminders.LEADS.items():
        for _ in range(2):
            reminders.send_session_reminder(request.pk, kind, start.isoformat(), now=start - lead)

    assert sorted(Reminder.objects.values_list("kind", flat=True)) == sorted(
        [K.SESSION_SOON, K.SESSION_TOMORROW]
    )
    assert Notification.objects.filter(verb="reminder.session_soon").count() == 2  # 2 people


def test_a_rescheduled_session_gets_no_reminder_for_the_old_time(loop):
    old = _in(days=2)
    request = _confirm(loop, old)
    BusinessRequest.objects.filter(pk=request.pk).update(
        scheduled_start=old + timedelta(hours=3), scheduled_end=old + timedelta(hours=4)
    )

    result = reminders.send_session_reminder(
        request.pk, K.SESSION_SOON, old.isoformat(), now=old - timedelta(minutes=30)
    )

    assert result == "rescheduled"
    assert not Reminder.objects.exists()
    assert not Notification.objects.filter(verb__startswith="reminder.").exists()


def test_a_cancelled_session_gets_no_reminder(loop):
    start = _in(days=2)
    request = _confirm(loop, start)
    transition(request, "cancel", actor=loop.manager, reason="专家临时出诊")

    result = reminders.send_session_reminder(
        request.pk, K.SESSION_TOMORROW, start.isoformat(), now=start - timedelta(hours=24)
    )

    assert result == "moved on"
    assert not Reminder.objects.exists()


@pytest.mark.parametrize(
    ("before_start", "outcome"),
    [(timedelta(hours=25), "too early"), (timedelta(minutes=-1), "too late")],
)
def test_a_session_reminder_run_at_the_wrong_moment_sends_nothing(loop, before_start, outcome):
    start = _in(days=2)
    request = _confirm(loop, start)

    result = reminders.send_session_reminder(
        request.pk, K.SESSION_TOMORROW, start.isoformat(), now=start - before_start
    )

    assert result == outcome
    assert not Reminder.objects.exists()


def test_reminders_go_by_sms_without_the_title(
    loop, staff_a, caplog, django_capture_on_commit_callbacks
):
    start = _in(days=2)
    request = _confirm(loop, start)
    caplog.set_level(logging.INFO, logger="yilian.sms")

    with django_capture_on_commit_callbacks(execute=True):
        reminders.send_session_reminder(
            request.pk, K.SESSION_SOON, start.isoformat(), now=start - timedelta(minutes=30)
        )

    lines = [r.getMessage() for r in caplog.records if r.name == "yilian.sms"]
    assert len(lines) == 2  # applicant and expert, with the default "urgent only" setting
    masked = f"{staff_a.phone[:3]}****{staff_a.phone[-4:]}"
    assert any(line.startswith(f"SMS to {masked}:") for line in lines)
    assert all("starts in 30 minutes" in line for line in lines)
    assert not any(request.title in line or staff_a.phone in line for line in lines)


# --- overdue checks ------------------------------------------------------------------------


@pytest.fixture
def second_manager(make_user, lead_hospital):
    return make_user(Role.MANAGER, hospital=lead_hospital, name="质控管理员")


def test_an_overdue_request_is_reported_to_the_managers_once(loop, manager, second_manager):
    request = loop.at(Status.SUBMITTED)
    due = request.submitted_at + timedelta(hours=24)

    result = reminders.check_overdue(
        request.pk, Status.SUBMITTED, request.version, now=due + timedelta(seconds=1)
    )

    assert result == "sent"
    assert _reminded("reminder.overdue") == sorted([manager.pk, second_manager.pk])
    overdue = Notification.objects.filter(verb="reminder.overdue").first()
    assert overdue is not None and overdue.urgent
    reminder = Reminder.objects.get()
    assert (reminder.kind, reminder.moment, reminder.version) == (K.OVERDUE, due, request.version)

    again = reminders.check_overdue(
        request.pk, Status.SUBMITTED, request.version, now=due + timedelta(hours=1)
    )
    assert again == "already sent"
    assert Notification.objects.filter(verb="reminder.overdue").count() == 2


def test_the_overdue_check_waits_for_the_due_time(loop, manager):
    request = loop.at(Status.SUBMITTED)
    due = request.submitted_at + timedelta(hours=24)

    result = reminders.check_overdue(
        request.pk, Status.SUBMITTED, request.version, now=due - timedelta(hours=1)
    )

    assert result == "too early"
    assert not Notification.objects.filter(verb="reminder.overdue").exists()


def test_no_overdue_report_once_the_request_moved_on(loop, manager):
    request = loop.at(Status.SUBMITTED)
    version = request.version
    due = request.submitted_at + timedelta(hours=24)
    transition(request, "approve", actor=manager)

    result = reminders.check_overdue(request.pk, Status.SUBMITTED, version, now=due)

    assert result == "moved on"
    assert not Reminder.objects.exists()


def test_returned_and_resubmitted_request_is_checked_by_its_new_version(loop, manager, staff_a):
    request = loop.at(Status.SUBMITTED)
    first_version = request.version
    transition(request, "return", actor=manager, note="请补充检查报告")
    request = transition(request, "submit", actor=staff_a)
    assert request.status == Status.SUBMITTED
    later = request.submitted_at + timedelta(hours=25)

    stale = reminders.check_overdue(request.pk, Status.SUBMITTED, first_version, now=later)
    current = reminders.check_overdue(request.pk, Status.SUBMITTED, request.version, now=later)

    assert (stale, current) == ("moved on", "sent")
    assert Reminder.objects.get().version == request.version


def test_the_overdue_email_names_no_patient(loop, make_user, lead_hospital):
    make_user(Role.MANAGER, hospital=lead_hospital, email="qc@lead.example")
    request = loop.at(Status.SUBMITTED, title="张三 胸痛会诊")
    due = request.submitted_at + timedelta(hours=24)

    reminders.check_overdue(request.pk, Status.SUBMITTED, request.version, now=due)
    for delivery in Delivery.objects.filter(channel="email", status=Delivery.Status.PENDING):
        deliver(delivery.pk)

    [message] = mail.outbox
    assert "overdue" in message.subject
    assert "张三" not in message.subject + message.body


# --- the database worker (``make run``) -------------------------------------------------------


@pytest.fixture
def keep_signal_handlers():
    """The worker installs its own SIGINT/SIGTERM handlers; give pytest its own back."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_database_worker_runs_due_reminders_and_keeps_deferred_ones(
    db_tasks, loop, staff_a, expert, keep_signal_handlers
):
    soon = _in(minutes=20)
    later = _in(days=2)
    now_request = _confirm(loop, soon)  # committed: its own reminders are already past
    later_request = _confirm(loop, later)  # committed: two reminders deferred
    assert len(_enqueued(SESSION_TASK)) == 2
    tasks.send_session_reminder.enqueue(now_request.pk, K.SESSION_SOON, soon.isoformat())

    call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", verbosity=0)

    reminder = Reminder.objects.get()
    assert (reminder.request_id, reminder.kind) == (now_request.pk, K.SESSION_SOON)
    assert _reminded("reminder.session_soon") == sorted([staff_a.pk, expert.pk])
    deferred = DBTaskResult.objects.filter(
        task_path=SESSION_TASK, args_kwargs__args__0=later_request.pk
    )
    assert {r.status for r in deferred} == {"READY"}
    # the deliveries of every notification so far were sent by the same worker
    assert not Delivery.objects.filter(status=Delivery.Status.PENDING).exists()
    assert Delivery.objects.filter(status=Delivery.Status.SENT, channel="sms").exists()
