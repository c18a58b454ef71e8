"""Background work of live events (django-tasks; idempotent)."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def make_replay_task(event_pk: int, recording: str) -> str:
    """Remux the event's recording to MP4 and publish it as a replay lesson."""
    return services.make_replay(event_pk, recording)
