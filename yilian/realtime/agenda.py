"""The scheduled video sessions a person takes part in, for their calendar feed."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import reverse

from yilian.accounts.models import User
from yilian.agenda.sources import Entry, Window
from yilian.workflow.reminders import kind_label

from .selectors import business_sessions_for


def business_sessions(user: User, window: Window) -> Iterator[Entry]:
    sessions = (
        business_sessions_for(user)
        .filter(scheduled_start__lt=window.end, scheduled_start__gte=window.start)
        .select_related("room__hospital", "team__hospital")
    )
    for request in sessions:
        host = (
            (request.room.hospital if request.room else None)
            or (request.team.hospital if request.team else None)
            or request.applicant_hospital
        )
        applicant = request.applicant_hospital
        yield Entry(
            uid=f"session-{request.public_id}@yilian",
            summary=f"{kind_label(request)} · {applicant.short_name or applicant.name}",
            start=request.scheduled_start,
            end=request.scheduled_end,
            time_zone=host.time_zone,
            path=reverse("workflow:detail", args=[request.public_id]),
            location=request.room.name if request.room else "",
        )
