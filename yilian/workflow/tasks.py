"""Background work of the closed loop (django-tasks; idempotent). ``reminders`` decides
what to enqueue and when, and does the work."""

from __future__ import annotations

from django_tasks import task

from . import reminders


@task()
def send_session_reminder(request_pk: int, kind: str, start: str) -> str:
    """ "Session tomorrow" or "session in 30 minutes" to the session's people."""
    return reminders.send_session_reminder(request_pk, kind, start)


@task()
def check_overdue(request_pk: int, status: str, version: int) -> str:
    """Tell the managers if the request still waits in ``status`` at ``version``."""
    return reminders.check_overdue(request_pk, status, version)
