"""Scoped reads of supervision: the managers' board over the closed loop, the feedback
tickets, and the cloud rooms a room administrator looks after.

The board is a fixed set of aggregate queries over the filtered requests, whatever their
number: medians are computed from one query of timestamps (databases disagree on
percentile functions; the timestamps of one period are a small read)."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from uuid import UUID

from django.db.models import Avg, Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.core.dates import start_of
from yilian.orgs.models import Hospital, Room, Team
from yilian.workflow.models import (
    TERMINAL_STATUSES,
    Action,
    BusinessRequest,
    Status,
)
from yilian.workflow.registry import all_kinds, get_kind
from yilian.workflow.selectors import overdue_condition

from .models import Ticket

# The steps the board times: (step, from timestamp, to timestamp).
STEP_SPANS: tuple[tuple[str, str, str], ...] = (
    (Action.APPROVE, "submitted_at", "reviewed_at"),
    (Action.DISPATCH, "reviewed_at", "dispatched_at"),
    (Action.CONFIRM, "dispatched_at", "confirmed_at"),
    (Action.START, "confirmed_at", "started_at"),
    (Action.COMPLETE, "started_at", "completed_at"),
    (Action.FEEDBACK, "completed_at", "feedback_at"),
    (Action.CLOSE, "feedback_at", "closed_at"),
)
IN_FLIGHT_ORDER: tuple[str, ...] = (
    Status.SUBMITTED,
    Status.RETURNED,
    Status.APPROVED,
    Status.DISPATCHED,
    Status.DECLINED,
    Status.CONFIRMED,
    Status.PUBLISHED,
    Status.IN_PROGRESS,
    Status.COMPLETED,
    Status.FEEDBACK_GIVEN,
)


def may_see_board(user: User) -> bool:
    return bool(
        user.is_authenticated
        and user.can_use_business
        and user.has_role(Role.MANAGER, Role.PLATFORM_ADMIN)
    )


@dataclass(frozen=True)
class BoardFilters:
    kind: str = ""
    hospital: Hospital | None = None
    team: Team | None = None
    start: date | None = None  # requests created on or after
    end: date | None = None  # requests created on or before

    def requests(self) -> QuerySet[BusinessRequest]:
        qs = BusinessRequest.objects.exclude(status=Status.DRAFT)
        if self.kind:
            qs = qs.filter(kind=self.kind)
        if self.hospital is not None:
            qs = qs.filter(applicant_hospital=self.hospital)
        if self.team is not None:
            qs = qs.filter(team=self.team)
        if self.start:
            qs = qs.filter(created_at__gte=start_of(self.start))
        if self.end:
            qs = qs.filter(created_at__lt=start_of(self.end + timedelta(days=1)))
        return qs

    def tickets(self) -> QuerySet[Ticket]:
        qs = Ticket.objects.all()
        if self.hospital is not None:
            qs = qs.filter(hospital=self.hospital)
        if self.kind:
            qs = qs.filter(request__kind=self.kind)
        if self.team is not None:
            qs = qs.filter(request__team=self.team)
        if self.start:
            qs = qs.filter(created_at__gte=start_of(self.start))
        if self.end:
            qs = qs.filter(created_at__lt=start_of(self.end + timedelta(days=1)))
        return qs


def parse_filters(params: Any) -> BoardFilters:
    """Filters from the query string; unknown values are ignored (the whole alliance)."""

    def uuid_or_none(raw: str) -> UUID | None:
        try:
            return UUID(raw) if raw else None
        except ValueError:
            return None

    def day(raw: str) -> date | None:
        try:
            return date.fromisoformat(raw) if raw else None
        except ValueError:
            return None

    kind = params.get("kind", "")
    known = {k.code for k in all_kinds()}
    hospital_id, team_id = (
        uuid_or_none(params.get("hospital", "")),
        uuid_or_none(params.get("team", "")),
    )
    return BoardFilters(
        kind=kind if kind in known else "",
        hospital=Hospital.objects.filter(public_id=hospital_id).first() if hospital_id else None,
        team=Team.objects.filter(public_id=team_id).first() if team_id else None,
        start=day(params.get("start", "")),
        end=day(params.get("end", "")),
    )


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    count: int
    overdue: int = 0


@dataclass(frozen=True)
class Throughput:
    key: str
    name: str
    total: int
    completed: int
    closed: int


@dataclass(frozen=True)
class StepMedian:
    kind: str
    label: str
    hours: dict[str, float | None]  # step -> median hours (None: no request passed it)


@dataclass
class Board:
    total: int = 0
    in_flight: list[Row] = field(default_factory=list)
    in_flight_total: int = 0
    overdue_total: int = 0
    medians: list[StepMedian] = field(default_factory=list)
    steps: tuple[str, ...] = tuple(step for step, _a, _b in STEP_SPANS)
    hospitals: list[Throughput] = field(default_factory=list)
    teams: list[Throughput] = field(default_factory=list)
    qc_average: float | None = None
    qc_count: int = 0
    reviewed: int = 0
    returned: int = 0
    dispatched: int = 0
    declined: int = 0
    tickets: int = 0
    tickets_resolved: int = 0
    resolution_hours_median: float | None = None
    satisfaction: float | None = None
    ratings: int = 0

    @property
    def return_rate(self) -> float | None:
        return round(100 * self.returned / self.reviewed, 1) if self.reviewed else None

    @property
    def decline_rate(self) -> float | None:
        return round(100 * self.declined / self.dispatched, 1) if self.dispatched else None


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _label(code: str) -> str:
    try:
        return str(get_kind(code).label)
    except LookupError:
        return code


def board(filters: BoardFilters, now: datetime | None = None) -> Board:
    """The supervision board for ``filters``: nine queries, whatever the number of requests."""
    now = now or timezone.now()
    qs = filters.requests()
    out = Board()

    # 1. In-flight requests by the step they wait at.
    live = qs.exclude(status__in=TERMINAL_STATUSES)
    counts = dict(live.values_list("status").annotate(n=Count("id")).order_by())
    # 2. Overdue by the kinds' SLAs, by status.
    late = dict(
        live.filter(overdue_condition(now)).values_list("status").annotate(n=Count("id")).order_by()
    )
    out.in_flight = [
        Row(s, str(Status(s).label), counts.get(s, 0), late.get(s, 0))
        for s in IN_FLIGHT_ORDER
        if counts.get(s)
    ]
    out.in_flight_total = sum(counts.values())
    out.overdue_total = sum(late.values())

    # 3. Time per step, per kind (medians from one read of the timestamps).
    stamps = [name for _s, a, b in STEP_SPANS for name in (a, b)]
    spans: dict[str, dict[str, list[float]]] = {}
    for row in qs.values("kind", *dict.fromkeys(stamps)):
        per_kind = spans.setdefault(row["kind"], {})
        for step, begin, end in STEP_SPANS:
            if row[begin] and row[end] and row[end] >= row[begin]:
                per_kind.setdefault(step, []).append(_hours(row[end] - row[begin]))
    out.medians = [
        StepMedian(kind, _label(kind), {step: _median(per.get(step, [])) for step in out.steps})
        for kind, per in sorted(spans.items())
    ]

    # 4–5. Throughput per hospital and per team.
    def throughput(group: str, name: str) -> list[Throughput]:
        rows = (
            qs.filter(**{f"{group}__isnull": False})
            .values(f"{group}__public_id", name)
            .annotate(
                total=Count("id"),
                completed=Count("id", filter=Q(completed_at__isnull=False)),
                closed=Count("id", filter=Q(status=Status.CLOSED)),
            )
            .order_by("-total", name)
        )
        return [
            Throughput(
                str(r[f"{group}__public_id"]), r[name], r["total"], r["completed"], r["closed"]
            )
            for r in rows
        ]

    out.hospitals = throughput("applicant_hospital", "applicant_hospital__name")
    out.teams = throughput("team", "team__name")

    # 6. Totals, QC scores.
    totals = qs.aggregate(
        total=Count("id"),
        reviewed=Count("id", filter=Q(reviewed_at__isnull=False)),
        dispatched=Count("id", filter=Q(dispatched_at__isnull=False)),
        qc_count=Count("qc_review"),
        qc_average=Avg("qc_review__score"),
    )
    out.total = totals["total"]
    out.reviewed, out.dispatched = totals["reviewed"], totals["dispatched"]
    out.qc_count = totals["qc_count"]
    out.qc_average = round(totals["qc_average"], 1) if totals["qc_average"] is not None else None

    # 7. Return and decline rates: requests returned (declined) at least once.
    rates = qs.aggregate(
        returned=Count("id", filter=Q(events__action=Action.RETURN), distinct=True),
        declined=Count("id", filter=Q(events__action=Action.DECLINE), distinct=True),
    )
    out.returned, out.declined = rates["returned"], rates["declined"]

    # 8–9. The feedback channel: resolution time and satisfaction.
    tickets = filters.tickets()
    feedback = tickets.aggregate(
        n=Count("id"),
        resolved=Count("id", filter=Q(status=Ticket.Status.RESOLVED)),
        satisfaction=Avg("rating"),
        ratings=Count("rating"),
    )
    out.tickets, out.tickets_resolved = feedback["n"], feedback["resolved"]
    out.ratings = feedback["ratings"]
    out.satisfaction = (
        round(feedback["satisfaction"], 1) if feedback["satisfaction"] is not None else None
    )
    durations = [
        _hours(resolved - created)
        for created, resolved in tickets.filter(resolved_at__isnull=False).values_list(
            "created_at", "resolved_at"
        )
        if resolved is not None
    ]
    out.resolution_hours_median = _median(durations)
    return out


def drill_down(
    filters: BoardFilters,
    *,
    status: str = "",
    overdue: bool = False,
    hospital: str = "",
    team: str = "",
    returned: bool = False,
    declined: bool = False,
) -> QuerySet[BusinessRequest]:
    """The requests behind one figure of the board."""
    qs = filters.requests().select_related("applicant_hospital", "team")
    if status in Status.values:
        qs = qs.filter(status=status)
    if overdue:
        qs = qs.filter(overdue_condition())
    if returned:
        qs = qs.filter(events__action=Action.RETURN).distinct()
    if declined:
        qs = qs.filter(events__action=Action.DECLINE).distinct()
    for name, raw in (("applicant_hospital", hospital), ("team", team)):
        if raw:
            try:
                qs = qs.filter(**{f"{name}__public_id": UUID(raw)})
            except ValueError:
                return qs.none()
    return qs.order_by("-created_at", "-id")


def filter_choices() -> dict[str, Any]:
    return {
        "kinds": [(k.code, k.label) for k in all_kinds()],
        "hospitals": list(
            Hospital.objects.active().order_by("-is_lead", "name").values_list("public_id", "name")
        ),
        "teams": list(Team.objects.filter(is_active=True).values_list("public_id", "name")),
    }


# --- feedback tickets ------------------------------------------------------------------


def tickets_for(user: User, *, status: str = "", query: str = "") -> QuerySet[Ticket]:
    """Managers see every ticket; everyone else the tickets they raised."""
    if not user.is_authenticated or not user.can_use_business:
        return Ticket.objects.none()
    qs = Ticket.objects.select_related("author", "hospital", "request", "room", "handler")
    if not user.has_role(Role.MANAGER):
        qs = qs.filter(author=user)
    if status:
        qs = qs.filter(status=status)
    if query:
        qs = qs.filter(title__icontains=query)
    return qs.order_by("-created_at", "-id")


def get_ticket_for_user(user: User, public_id: UUID | str) -> Ticket:
    try:
        return tickets_for(user).get(public_id=public_id)
    except (Ticket.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def requests_to_give_feedback_on(user: User) -> QuerySet[BusinessRequest]:
    return (
        BusinessRequest.objects.visible_to(user)
        .exclude(status=Status.DRAFT)
        .order_by("-created_at")[:50]
    )


def rooms_to_give_feedback_on() -> QuerySet[Room]:
    return Room.objects.filter(is_active=True).select_related("hospital").order_by("name")


# --- cloud rooms -----------------------------------------------------------------------


def rooms_for_assignment(query: str = "") -> QuerySet[Room]:
    qs = Room.objects.select_related("hospital").prefetch_related("administrators")
    qs = qs.filter(
        kind__in=[
            Room.Kind.MEETING,
            Room.Kind.TEACHING,
            Room.Kind.CONSULTATION,
            Room.Kind.SURGERY_DEMO,
        ]
    )
    if query:
        qs = qs.filter(name__icontains=query)
    return qs.order_by("hospital__name", "name")


def get_room(public_id: UUID | str) -> Room:
    try:
        return Room.objects.select_related("hospital").get(public_id=public_id)
    except (Room.DoesNotExist, ValueError) as exc:
        raise Http404 from exc
