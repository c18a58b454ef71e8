"""The CME class sessions a learner is enrolled in (or organises), for their calendar feed."""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from django.db.models import Q
from django.urls import reverse

from yilian.accounts.models import User
from yilian.agenda.sources import Entry, Window

from .models import HOLDS_PLACE, CmeSession


def cme_sessions(user: User, window: Window) -> Iterator[Entry]:
    sessions = (
        CmeSession.objects.filter(
            Q(
                cme_class__enrolments__learner=user,
                cme_class__enrolments__status__in=HOLDS_PLACE,
            )
            | Q(cme_class__created_by=user),
            cme_class__published=True,
            starts_at__gte=window.start,
            starts_at__lt=window.end,
        )
        .select_related("cme_class", "room__hospital")
        .distinct()
    )
    for session in sessions:
        zone = session.room.hospital.time_zone if session.room else settings.TIME_ZONE
        yield Entry(
            uid=f"cme-session-{session.public_id}@yilian",
            summary=f"{session.cme_class.title} · {session.title}",
            start=session.starts_at,
            end=session.ends_at,
            time_zone=zone,
            path=reverse("teaching:cme_class", args=[session.cme_class.public_id]),
            location=session.room.name if session.room else session.place,
        )
