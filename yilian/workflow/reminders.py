"""Reminders of a request, as deferred tasks (ARCHITECTURE §7).

``schedule(request_pk)`` runs after every transition commits. For a confirmed or published
session it enqueues "session tomorrow" (24 h before) and "session in 30 minutes"; for a
status whose next step has an SLA, an overdue check at the due time. Reminders whose
moment has passed are not enqueued.

The tasks (``tasks.py``) call ``send_session_reminder`` and ``check_overdue``: each re-reads
the request and does nothing if it moved on or was rescheduled, and records what it sent
as a ``Reminder`` row (unique per request, kind and moment), so a task that runs twice —
or was enqueued by both the confirmation and the publication — reminds nobody twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.notify.services import notify

from .models import BusinessRequest, Reminder, Status
from .registry import get_kind

logger = logging.getLogger(__name__)

K = Reminder.Kind

# How long before the session each session reminder goes out.
LEADS: dict[str, timedelta] = {
    K.SESSION_TOMORROW: timedelta(hours=24),
    K.SESSION_SOON: timedelta(minutes=30),
}
SESSION_STATUSES = frozenset({Status.CONFIRMED, Status.PUBLISHED})
# A worker's clock may run a little behind the one that scheduled the task.
EARLY = timedelta(minutes=1)


@dataclass(frozen=True)
class Planned:
    kind: str
    run_after: datetime
    args: tuple[Any, ...]


def plan(request: BusinessRequest, now: datetime) -> list[Planned]:
    """The reminders ``request`` needs from ``now`` on, in its present state."""
    planned: list[Planned] = []
    start = request.scheduled_start
    if request.status in SESSION_STATUSES and start is not None:
        for kind, lead in LEADS.items():
            if start - lead > now:
                planned.append(Planned(kind, start - lead, (request.pk, kind, start.isoformat())))
    due = request.due_at
    if due is not None and due > now:
        planned.append(Planned(K.OVERDUE, due, (request.pk, request.status, request.version)))
    return planned


def schedule(request_pk: int, *, now: datetime | None = None) -> list[Any]:
    """Enqueue the reminders the request needs now (``TaskResult``s of what was enqueued).

    Called on commit after every transition. A task backend that cannot defer (the
    immediate one) would run a reminder at once, too early: then nothing is enqueued."""
    request = BusinessRequest.objects.filter(pk=request_pk).first()
    if request is None:
        return []
    planned = plan(request, now or timezone.now())
    if not planned:
        return []
    from . import tasks

    task_for: dict[str, Any] = {
        K.SESSION_TOMORROW: tasks.send_session_reminder,
        K.SESSION_SOON: tasks.send_session_reminder,
        K.OVERDUE: tasks.check_overdue,
    }
    if not tasks.check_overdue.get_backend().supports_defer:
        logger.info(
            "The task backend cannot defer tasks: %s reminder(s) of request %s not scheduled",
            len(planned),
            request.public_id,
        )
        return []
    results = []
    for item in planned:
        try:
            task = task_for[item.kind].using(run_after=item.run_after)
            results.append(task.enqueue(*item.args))
        except Exception:
            logger.exception("Could not schedule a %s reminder of %s", item.kind, request.public_id)
    return results


# --- the tasks' work -------------------------------------------------------------------


def kind_label(request: BusinessRequest) -> str:
    try:
        return str(get_kind(request.kind).label)
    except LookupError:
        return gettext("business")


def _when(moment: datetime) -> str:
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def session_people(request: BusinessRequest) -> list[User]:
    """Who takes part in the session: the applicant, the assigned experts, the team lead."""
    pks = {request.applicant_id, *request.experts.values_list("pk", flat=True)}
    if request.team_id is not None and request.team is not None and request.team.lead_id:
        pks.add(request.team.lead_id)
    return list(User.objects.active().filter(pk__in=pks).order_by("pk"))


def _record(
    request: BusinessRequest, kind: str, moment: datetime, recipients: Iterable[User]
) -> Reminder | None:
    """Record the reminder; None if it was sent before (the row's unique key)."""
    reminder, created = Reminder.objects.get_or_create(
        request=request,
        kind=kind,
        moment=moment,
        defaults={"version": request.version, "recipients": len(list(recipients))},
    )
    return reminder if created else None


def send_session_reminder(
    request_pk: int, kind: str, start: str, *, now: datetime | None = None
) -> str:
    """Remind the session's people that it starts at ``start`` (ISO 8601), unless the
    request moved on, was rescheduled, or the moment is not (or no longer) right."""
    if kind not in LEADS:
        raise ValueError(f"not a session reminder: {kind!r}")
    now = now or timezone.now()
    moment = datetime.fromisoformat(start)
    with transaction.atomic():
        request = (
            BusinessRequest.objects.select_for_update(of=("self",))
            .select_related("team")
            .filter(pk=request_pk)
            .first()
        )
        if request is None:
            return "gone"
        if request.status not in SESSION_STATUSES:
            return "moved on"
        if request.scheduled_start != moment:
            return "rescheduled"
        if now < moment - LEADS[kind] - EARLY:
            return "too early"
        if now >= moment:
            return "too late"
        people = session_people(request)
        if _record(request, kind, moment, people) is None:
            return "already sent"
        values = {
            "kind": kind_label(request),
            "title": request.title,
            "time": _when(moment),
        }
        if kind == K.SESSION_TOMORROW:
            title = gettext("Tomorrow, %(time)s: %(kind)s session “%(title)s”") % values
            summary = gettext("Reminder: a %(kind)s session of yours starts tomorrow, %(time)s.")
        else:
            title = gettext("In 30 minutes (%(time)s): %(kind)s session “%(title)s”") % values
            summary = gettext(
                "Reminder: a %(kind)s session of yours starts in 30 minutes (%(time)s)."
            )
        from .services import request_url

        notify(
            people,
            verb=f"reminder.{kind}",
            title=title,
            summary=summary % values,
            url=request_url(request),
            urgent=True,
        )
    return "sent"


def check_overdue(
    request_pk: int, status: str, version: int, *, now: datetime | None = None
) -> str:
    """Tell the managers that the request's next step is overdue, if it still waits in
    ``status`` at ``version`` (any transition since bumps the version)."""
    now = now or timezone.now()
    with transaction.atomic():
        request = BusinessRequest.objects.select_for_update().filter(pk=request_pk).first()
        if request is None:
            return "gone"
        if request.status != status or request.version != version:
            return "moved on"
        due = request.due_at
        if due is None:
            return "no deadline"
        if now < due - EARLY:
            return "too early"
        managers = list(User.objects.active().with_role(Role.MANAGER).distinct())
        if _record(request, K.OVERDUE, due, managers) is None:
            return "already sent"
        values = {
            "kind": kind_label(request),
            "title": request.title,
            "status": request.get_status_display(),
            "time": _when(due),
        }
        from .services import request_url

        notify(
            managers,
            verb="reminder.overdue",
            title=gettext("Overdue since %(time)s: “%(title)s” is still %(status)s") % values,
            summary=gettext("A %(kind)s request is overdue: still %(status)s since %(time)s.")
            % values,
            url=request_url(request),
            urgent=True,
        )
    return "sent"
