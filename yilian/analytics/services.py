"""Writing the activity log. ``record_activity`` appends one event and counts it in its
day's and its month's rollups in the caller's transaction; ``rebuild_rollups`` recomputes
every rollup from the events (the incremental and the rebuilt figures are the same by
construction: one rule, ``_day``, decides on which day an event is counted, and a month's
rollup is the sum of its days'). A rollup keeps the number of its events and the sum of
their amounts (seconds watched, tenths of a credit)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, Sum
from django.db.models.functions import TruncDate, TruncMonth
from django.utils import timezone

from yilian.accounts.models import User
from yilian.orgs.models import Hospital

from .models import CREDIT_UNITS, ActivityEvent, DailyRollup, Metric, MonthlyRollup


def _upsert(table: str, period: str) -> str:
    """Count one event (its amount given) in the row of ``table`` keyed by ``period``."""
    return (
        f"INSERT INTO {table} ({period}, hospital_id, kind, metric, count, total) "  # noqa: S608
        "VALUES (%s, %s, %s, %s, 1, %s) "
        f"ON CONFLICT ({period}, hospital_id, kind, metric) "
        f"DO UPDATE SET count = {table}.count + 1, total = {table}.total + excluded.total"
    )


_DAILY_UPSERT = _upsert(DailyRollup._meta.db_table, "date")
_MONTHLY_UPSERT = _upsert(MonthlyRollup._meta.db_table, "month")


def record_activity(
    *,
    action: str,
    user: User | None,
    hospital: Hospital | int | None,
    kind: str = "",
    at: datetime | None = None,
    amount: int = 1,
) -> ActivityEvent:
    """Append that ``user`` did ``action`` (on a business of ``kind``) for ``hospital``;
    ``amount`` is what the event counts for where more than its number matters (seconds
    watched, tenths of a credit)."""
    if amount < 0:
        raise ValueError("an activity's amount is never negative")
    hospital_id = hospital.pk if isinstance(hospital, Hospital) else hospital
    with transaction.atomic():
        event = ActivityEvent.objects.create(
            occurred_at=at or timezone.now(),
            user=user,
            hospital_id=hospital_id,
            kind=kind,
            action=action,
            amount=amount,
        )
        if hospital_id is not None:
            day = _day(event.occurred_at)
            with connection.cursor() as cursor:
                cursor.execute(_DAILY_UPSERT, [day, hospital_id, kind, action, amount])
                cursor.execute(
                    _MONTHLY_UPSERT, [day.replace(day=1), hospital_id, kind, action, amount]
                )
    return event


def record_login(user: User) -> ActivityEvent:
    return record_activity(action=Metric.LOGIN, user=user, hospital=user.hospital_id)


def record_watch_time(
    *, user: User, seconds: int, kind: str, at: datetime | None = None
) -> ActivityEvent | None:
    """Count ``seconds`` that ``user`` spent watching (a live stream, a replay, a class
    session) for their hospital, under the business ``kind`` (``conference_live``,
    ``surgery_demo`` …). The "watch hours" figure of the dashboard sums these. Nothing is
    recorded for zero seconds. A heartbeat may call this every minute with the seconds since
    its last call: the figure is the sum, however the time is cut."""
    if seconds <= 0:
        return None
    return record_activity(
        action=Metric.WATCH_SECONDS,
        user=user,
        hospital=user.hospital_id,
        kind=kind,
        at=at,
        amount=int(seconds),
    )


def record_credits(
    *, user: User, credits: Decimal, kind: str, at: datetime | None = None
) -> ActivityEvent:
    """Count ``credits`` (CME credits, to a tenth) issued to ``user`` for their hospital."""
    return record_activity(
        action=Metric.CREDITS,
        user=user,
        hospital=user.hospital_id,
        kind=kind,
        at=at,
        amount=int((Decimal(credits) * CREDIT_UNITS).to_integral_value()),
    )


def _day(moment: datetime) -> date:
    """The day an event is counted on: its date in the alliance's time zone."""
    return timezone.localdate(moment)


def rebuild_rollups() -> int:
    """Recompute the daily rollups from the events and the monthly ones from the daily
    (one statement each, in one transaction); returns the daily rows written."""
    by_day = (
        ActivityEvent.objects.filter(hospital__isnull=False)
        .annotate(day=TruncDate("occurred_at", tzinfo=timezone.get_current_timezone()))
        .values_list("day", "hospital_id", "kind", "action")
        .annotate(n=Count("id"), total=Sum("amount"))
        .order_by()
    )
    by_month = (
        DailyRollup.objects.annotate(first_day=TruncMonth("date"))
        .values_list("first_day", "hospital_id", "kind", "metric")
        .annotate(n=Sum("count"), total=Sum("total"))
        .order_by("first_day")  # in month order, as they accumulate in use
    )
    with transaction.atomic(), connection.cursor() as cursor:
        for model, period, rows in (
            (DailyRollup, "date", by_day),
            (MonthlyRollup, "month", by_month),
        ):
            select, params = rows.query.sql_with_params()
            table = model._meta.db_table
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (unfiltered: truncates fast)
            cursor.execute(
                f"INSERT INTO {table} ({period}, hospital_id, kind, metric, count, total) {select}",
                params,
            )
    return DailyRollup.objects.count()
