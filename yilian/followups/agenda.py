"""The follow-up visits a doctor is responsible for, as all-day calendar entries."""

from __future__ import annotations

from collections.abc import Iterator

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yilian.accounts.models import User
from yilian.agenda.sources import Entry, Window

from .models import FollowUpVisit, VisitStatus
from .selectors import LIVE_STATUSES


def doctor_visits(user: User, window: Window) -> Iterator[Entry]:
    visits = FollowUpVisit.objects.filter(
        plan__doctor=user,
        plan__request__status__in=LIVE_STATUSES,
        status=VisitStatus.DUE,
        due_date__gte=timezone.localdate(window.start),
        due_date__lte=timezone.localdate(window.end),
    ).select_related("plan__hospital")
    for visit in visits:
        yield Entry(
            uid=f"follow-up-visit-{visit.public_id}@yilian",
            summary=_("Follow-up visit %(number)s due") % {"number": visit.number},
            start=visit.due_date,
            end=None,
            time_zone=visit.plan.hospital.time_zone,
            path=reverse("followups:plan", args=[visit.plan.public_id]),
        )
