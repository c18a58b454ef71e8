"""Writing the activity log. ``record_activity`` appends one event and counts it in its
day's rollup in the caller's transaction; ``rebuild_rollups`` recomputes every rollup from
the events (the incremental and the rebuilt figures are the same by construction: one
rule, ``_rollup_key``, decides where an event is counted)."""

from __future__ import annotations

from datetime import date, datetime

from django.db import connection, transaction
from django.db.models import Count
from django.db.models.functions import TruncDate
from django.utils import timezone

from yilian.accounts.models import User
from yilian.orgs.models import Hospital

from .models import ActivityEvent, DailyRollup, Metric

_UPSERT = (
    f"INSERT INTO {DailyRollup._meta.db_table} (date, hospital_id, kind, metric, count) "  # noqa: S608
    "VALUES (%s, %s, %s, %s, 1) "
    "ON CONFLICT (date, hospital_id, kind, metric) "
    f"DO UPDATE SET count = {DailyRollup._meta.db_table}.count + 1"
)


def record_activity(
    *,
    action: str,
    user: User | None,
    hospital: Hospital | int | None,
    kind: str = "",
    at: datetime | None = None,
) -> ActivityEvent:
    """Append that ``user`` did ``action`` (on a business of ``kind``) for ``hospital``."""
    hospital_id = hospital.pk if isinstance(hospital, Hospital) else hospital
    with transaction.atomic():
        event = ActivityEvent.objects.create(
            occurred_at=at or timezone.now(),
            user=user,
            hospital_id=hospital_id,
            kind=kind,
            action=action,
        )
        if hospital_id is not None:
            with connection.cursor() as cursor:
                cursor.execute(_UPSERT, [_day(event.occurred_at), hospital_id, kind, action])
    return event


def record_login(user: User) -> ActivityEvent:
    return record_activity(action=Metric.LOGIN, user=user, hospital=user.hospital_id)


def _day(moment: datetime) -> date:
    """The day an event is counted on: its date in the alliance's time zone."""
    return timezone.localdate(moment)


def rebuild_rollups() -> int:
    """Recompute every rollup from the events in one statement; returns the rows written."""
    by_day = (
        ActivityEvent.objects.filter(hospital__isnull=False)
        .annotate(day=TruncDate("occurred_at", tzinfo=timezone.get_current_timezone()))
        .values_list("day", "hospital_id", "kind", "action")
        .annotate(n=Count("id"))
        .order_by()
    )
    select, params = by_day.query.sql_with_params()
    table = DailyRollup._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (unfiltered: truncates fast)
        cursor.execute(
            f"INSERT INTO {table} (date, hospital_id, kind, metric, count) {select}",
            params,
        )
    return DailyRollup.objects.count()
