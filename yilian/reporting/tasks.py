"""Background work of data reporting (django-tasks; idempotent)."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def send_reminders() -> dict[str, int]:
    """Deadline reminders, overdue notices and escalations that are due (each once)."""
    return services.send_reminders()
