"""Background work of notifications (django-tasks; idempotent)."""

from __future__ import annotations

from django_tasks import task

from . import channels


@task()
def deliver(delivery_pk: int, abandoned_attempt: int | None = None) -> str:
    """Send one e-mail or SMS delivery; a re-run never sends it twice. Enqueued after the
    notification commits, again after a failed attempt (with a backoff) and, to take over
    from a worker that died mid-send, when a claim expires (``abandoned_attempt``)."""
    return channels.deliver(delivery_pk, abandoned_attempt)
