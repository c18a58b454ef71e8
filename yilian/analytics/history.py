"""Generated activity history for the demo and for measuring the dashboard.

Two years of logins, business cases (every step of the loop as one event each) and training
participations, spread over the member hospitals, with this year growing over last year by
the rates the paper reports (section 2.5). Only events are generated — no requests — and
the rollups are rebuilt from them afterwards. Deterministic for a given seed and day.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.utils import timezone

from yilian.orgs.models import Hospital
from yilian.workflow.models import Action

from .models import ActivityEvent, Metric
from .services import rebuild_rollups

# One year's volume at the paper's scale (1,021 institutions), and the growth of this year
# over last year. A business case is every step of the loop: ten events.
ANNUAL: dict[str, tuple[int, float]] = {
    Metric.LOGIN: (100_000, 0.35),
    Metric.TRAINING: (26_000, 0.721),
    "consultation": (868, 0.513),
    "referral": (4_679, 0.269),
    "study_visit": (200, 0.198),
    "advanced_study": (111, 0.198),
    "e_clinic": (8_000, 0.30),
    "ward_round": (2_000, 0.30),
    "follow_up": (20_000, 0.30),
}
CASE_STEPS: tuple[str, ...] = (
    Action.CREATE,
    Action.SUBMIT,
    Action.APPROVE,
    Action.DISPATCH,
    Action.CONFIRM,
    Action.PUBLISH,
    Action.START,
    Action.COMPLETE,
    Action.FEEDBACK,
    Action.CLOSE,
)
BATCH = 5_000
PAPER_INSTITUTIONS = 1021


def generate_history(*, volume: float, today: date | None = None, seed: int = 2023) -> int:
    """Add last year's and this year's (to ``today``) events at ``volume`` times the
    paper's yearly figures, then rebuild the rollups; returns the events created."""
    today = today or timezone.localdate()
    rng = random.Random(seed)
    hospitals = list(
        Hospital.objects.filter(status=Hospital.Status.ACTIVE)
        .order_by("pk")
        .values_list("pk", "is_lead")
    )
    if not hospitals:
        return 0
    members = [pk for pk, is_lead in hospitals if not is_lead] or [pk for pk, _ in hospitals]
    everyone = [pk for pk, _ in hospitals]
    created = 0
    batch: list[tuple[object, ...]] = []
    for events in _events(rng, today, volume, members, everyone):
        batch.extend(events)
        if len(batch) >= BATCH:
            created += _insert(batch)
            batch = []
    created += _insert(batch)
    rebuild_rollups()
    return created


_INSERT = (
    f"INSERT INTO {ActivityEvent._meta.db_table} "  # noqa: S608 (the table name is ours)
    "(occurred_at, hospital_id, kind, action) VALUES (%s, %s, %s, %s)"
)


def _insert(rows: list[tuple[object, ...]]) -> int:
    """Many rows in one round trip (the ORM's objects cost more than the rows here)."""
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.executemany(_INSERT, [(adapt(at), *rest) for at, *rest in rows])
    return len(rows)


def _events(
    rng: random.Random, today: date, volume: float, members: list[int], everyone: list[int]
) -> Iterator[list[tuple[object, ...]]]:
    this_year = date(today.year, 1, 1)
    last_year = date(today.year - 1, 1, 1)
    periods = (
        (last_year, this_year - timedelta(days=1), False),
        (this_year, today, True),
    )
    zone = timezone.get_current_timezone()
    for start, end, current in periods:
        days = (end - start).days + 1
        for key, (annual, growth) in ANNUAL.items():
            per_year = annual * volume * (1 if current else 1 / (1 + growth))
            count = round(per_year * days / 365)
            for _ in range(count):
                day = start + timedelta(days=rng.randrange(days))
                moment = datetime.combine(day, time(8), tzinfo=zone) + timedelta(
                    minutes=rng.randrange(9 * 60)
                )
                if key == Metric.LOGIN:
                    yield [_event(moment, rng.choice(everyone), "", key)]
                elif key == Metric.TRAINING:
                    yield [_event(moment, rng.choice(members), "", key)]
                else:
                    hospital = rng.choice(members)
                    # The steps of one case, minutes apart on its day.
                    yield [
                        _event(moment + timedelta(minutes=i), hospital, key, step)
                        for i, step in enumerate(CASE_STEPS)
                    ]


def _event(moment: datetime, hospital: int, kind: str, action: str) -> tuple[object, ...]:
    return (moment, hospital, kind, action)
