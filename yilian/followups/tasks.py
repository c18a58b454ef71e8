"""Background work of follow-up (django-tasks; idempotent)."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def check_visit(visit_pk: int) -> str:
    """Mark the visit missed if it is still unanswered when its window ends."""
    return services.check_visit(visit_pk)
