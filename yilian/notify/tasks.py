"""Background work of notifications (django-tasks; idempotent)."""

from __future__ import annotations

from django_tasks import task

from . import channels


@task()
def deliver(delivery_pk: int) -> str:
    """Send one e-mail or SMS delivery; a re-run never sends it twice."""
    return channels.deliver(delivery_pk)
