"""Reminders on the Redis task backend (django-tasks-rq), against a real Redis.

Skipped only when REDIS_URL is unset outside CI; in CI (CI=true) a missing Redis fails."""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import Iterator
from datetime import timedelta

import django_rq
import pytest
from django.utils import timezone
from django_tasks_rq.backend import Job
from rq import SimpleWorker
from rq.registry import ScheduledJobRegistry

from yilian.notify.models import Notification
from yilian.workflow import reminders, tasks
from yilian.workflow.models import Reminder, Status
from yilian.workflow.services import transition

REDIS_URL = os.environ.get("REDIS_URL") or (
    "redis://127.0.0.1:6379/15" if os.environ.get("CI") == "true" else ""
)

pytestmark = pytest.mark.skipif(
    not REDIS_URL, reason="REDIS_URL is not set (with CI=true this test runs and needs Redis)"
)


@pytest.fixture
def rq_queue(settings) -> Iterator[str]:
    """The RQ backend as the default task backend, with a queue of this test's own (so
    parallel runs sharing the Redis database never run each other's jobs)."""
    name = f"yltest-{uuid.uuid4().hex[:12]}"
    settings.RQ_QUEUES = {"default": {"URL": REDIS_URL}, name: {"URL": REDIS_URL}}
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default", name]}
    }
    yield name
    queue = django_rq.get_queue(name, job_class=Job)
    for registry in (queue.finished_job_registry, queue.failed_job_registry):
        for job_id in registry.get_job_ids():
            registry.remove(job_id, delete_job=True)
        queue.connection.delete(registry.key)
    queue.delete(delete_jobs=True)


@pytest.fixture
def keep_signal_handlers() -> Iterator[None]:
    """An RQ worker installs its own SIGINT/SIGTERM handlers; give pytest its own back."""
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


def _confirm(loop, start):
    request = loop.at(Status.DISPATCHED)
    return transition(
        request,
        "confirm",
        actor=loop.expert,
        scheduled_start=start,
        scheduled_end=start + timedelta(hours=1),
    )


def test_a_reminder_task_runs_on_an_rq_worker(
    loop, staff_a, expert, rq_queue, keep_signal_handlers
):
    start = timezone.now().replace(microsecond=0) + timedelta(minutes=20)
    request = _confirm(loop, start)
    task = tasks.send_session_reminder.using(queue_name=rq_queue)

    result = task.enqueue(request.pk, Reminder.Kind.SESSION_SOON, start.isoformat())
    again = task.enqueue(request.pk, Reminder.Kind.SESSION_SOON, start.isoformat())
    queue = django_rq.get_queue(rq_queue, job_class=Job)
    assert queue.count == 2
    worker = SimpleWorker([queue], connection=queue.connection, job_class=Job)
    assert worker.work(burst=True)

    assert queue.count == 0
    reminder = Reminder.objects.get(request=request)
    assert (reminder.kind, reminder.moment) == (Reminder.Kind.SESSION_SOON, start)
    assert sorted(
        Notification.objects.filter(verb="reminder.session_soon").values_list(
            "recipient", flat=True
        )
    ) == sorted([staff_a.pk, expert.pk])
    assert task.get_result(result.id).return_value == "sent"
    assert task.get_result(again.id).return_value == "already sent"


def test_reminders_are_deferred_in_rq_until_their_moment(loop, rq_queue):
    start = timezone.now().replace(microsecond=0) + timedelta(days=2)
    request = _confirm(loop, start)

    results = reminders.schedule(request.pk)
    try:
        registry = ScheduledJobRegistry(queue=django_rq.get_queue("default", job_class=Job))
        scheduled = {
            tuple(r.args)[1]: registry.get_scheduled_time(r.id)
            for r in results
            if r.task.func is tasks.send_session_reminder.func
        }
        assert scheduled == {
            Reminder.Kind.SESSION_TOMORROW: start - timedelta(hours=24),
            Reminder.Kind.SESSION_SOON: start - timedelta(minutes=30),
        }
        waiting = django_rq.get_queue("default", job_class=Job).job_ids
        assert not {r.id for r in results} & set(waiting), "not runnable before their time"
    finally:
        connection = django_rq.get_connection("default")
        for result in results:
            job = Job.fetch(result.id, connection=connection)
            job.delete()
