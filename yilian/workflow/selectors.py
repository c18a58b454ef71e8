"""Every scoped read of business requests: one request, what a user may do with it, its
timeline, and the workbench queues (each a fixed number of queries, whatever its length)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.orgs.models import Hospital, Team
from yilian.orgs.selectors import disabled_kinds

from . import rules
from .models import (
    TERMINAL_STATUSES,
    BusinessRequest,
    BusinessRequestQuerySet,
    Opinion,
    RequestEvent,
    Status,
    Urgency,
)
from .registry import DEFAULT_APPLICANT_ROLES, Kind, all_kinds, get_kind

S = Status


def _listing(qs: BusinessRequestQuerySet) -> BusinessRequestQuerySet:
    return qs.select_related("applicant", "applicant_hospital", "team", "room")


def get_request_for_user(user: User, public_id: UUID | str) -> BusinessRequest:
    """The request if ``user`` may see it; 404 — never 403 — otherwise."""
    try:
        return _listing(BusinessRequest.objects.visible_to(user)).get(public_id=public_id)
    except (BusinessRequest.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


def can_see(user: User, request: BusinessRequest) -> bool:
    return BusinessRequest.objects.visible_to(user).filter(pk=request.pk).exists()


def allowed_actions(request: BusinessRequest, user: User) -> list[str]:
    """The actions ``user`` may take on ``request`` now, in the order a page offers them."""
    if not user.is_authenticated or request.status in TERMINAL_STATUSES:
        return []
    try:
        kind = get_kind(request.kind)
    except LookupError:
        return []
    candidates = [
        a
        for a in rules.ORDERED_ACTIONS
        if kind.uses(a) and rules.target(request.status, a) is not None
    ]
    if not candidates or not can_see(user, request):
        return []
    who = rules.Who(user, request)
    return [a for a in candidates if who.may(a)]


def timeline(request: BusinessRequest) -> list[RequestEvent]:
    """The request's events, oldest first, with their actors."""
    return list(request.events.select_related("actor").order_by("created_at", "id"))


# --- SLA -------------------------------------------------------------------------------


def due_at(request: BusinessRequest) -> datetime | None:
    """When the step the request waits for is due by its kind's SLA (None: no SLA)."""
    action = rules.FORWARD.get(request.status)
    if request.status == S.DECLINED:
        action = rules.A.DISPATCH
    elif request.status == S.IN_PROGRESS:
        action = rules.A.COMPLETE
    elif request.status == S.RETURNED:
        action = rules.A.SUBMIT
    if action is None:
        return None
    try:
        sla = get_kind(request.kind).sla(action)
    except LookupError:
        return None
    if sla is None:
        return None
    entered = getattr(request, rules.ENTERED_AT.get(request.status, "updated_at")) or (
        request.updated_at
    )
    return entered + sla


def is_overdue(request: BusinessRequest, now: datetime | None = None) -> bool:
    due = due_at(request)
    return due is not None and due < (now or timezone.now())


# --- the workbench queues --------------------------------------------------------------


@dataclass(frozen=True)
class Queue:
    key: str
    label: Promise
    order: tuple[str, ...]


QUEUES: dict[str, Queue] = {
    q.key: q
    for q in (
        Queue("to_review", _("To review"), ("urgency_rank", "submitted_at", "id")),
        Queue("to_dispatch", _("To dispatch"), ("urgency_rank", "reviewed_at", "id")),
        Queue("to_confirm", _("To confirm"), ("urgency_rank", "dispatched_at", "id")),
        Queue("today", _("Today's sessions"), ("scheduled_start", "id")),
        Queue("to_write_opinion", _("Opinions to write"), ("urgency_rank", "started_at", "id")),
        Queue("to_give_feedback", _("Feedback to give"), ("completed_at", "id")),
        Queue("to_qc", _("Quality control"), ("feedback_at", "id")),
        Queue("mine", _("My requests"), ("-created_at", "-id")),
    )
}


def _today_bounds() -> tuple[datetime, datetime]:
    today = timezone.localdate()
    start = timezone.make_aware(datetime.combine(today, time.min))
    return start, start + timedelta(days=1)


def _applicant_roles() -> frozenset[str]:
    roles: set[str] = set(DEFAULT_APPLICANT_ROLES)
    for kind in all_kinds():
        roles |= kind.applicant_roles
    return frozenset(roles)


def _concerns(user: User, queue: str) -> bool:
    """Whether ``queue`` belongs on this user's workbench at all."""
    if queue in {"to_review", "to_dispatch", "to_qc"}:
        return user.has_role(Role.MANAGER)
    if queue in {"to_confirm", "to_write_opinion"}:
        return user.has_role(Role.EXPERT)
    if queue == "today":
        return user.has_role(Role.MANAGER, Role.EXPERT, Role.STAFF, Role.HOSPITAL_ADMIN)
    return user.has_role(*_applicant_roles())  # to_give_feedback, mine


def _queue_filter(user: User, queue: str) -> Q | None:
    """The condition of ``queue`` for ``user`` (None: the queue is not theirs)."""
    if queue not in QUEUES:
        raise ValueError(f"unknown workbench queue {queue!r}")
    if not user.is_authenticated or not user.can_use_business or not _concerns(user, queue):
        return None
    manager = user.has_role(Role.MANAGER)
    my_teams = Q(team_id__in=Team.objects.filter(Q(members=user) | Q(lead=user)).values("pk"))
    my_hospital = (
        Q(applicant_hospital_id=user.hospital_id)
        if user.hospital_id and user.has_role(Role.STAFF, Role.HOSPITAL_ADMIN)
        else None
    )
    if queue == "to_review":
        return Q(status=S.SUBMITTED)
    if queue == "to_dispatch":
        return Q(status__in=[S.APPROVED, S.DECLINED])
    if queue == "to_confirm":
        return Q(status=S.DISPATCHED) & my_teams
    if queue == "today":
        start, end = _today_bounds()
        when = Q(
            status__in=[S.CONFIRMED, S.PUBLISHED, S.IN_PROGRESS],
            scheduled_start__gte=start,
            scheduled_start__lt=end,
        )
        if manager:
            return when
        mine = my_teams | Q(
            pk__in=BusinessRequest.experts.through.objects.filter(user=user).values(
                "businessrequest_id"
            )
        )
        if my_hospital is not None:
            mine |= my_hospital
        return when & mine
    if queue == "to_write_opinion":
        concluded = Exists(Opinion.objects.filter(request=OuterRef("pk"), is_conclusion=True))
        return (Q(status=S.IN_PROGRESS) | (Q(status=S.COMPLETED) & ~Q(concluded))) & my_teams
    if queue == "to_give_feedback":
        applicant_side = Q(applicant=user)
        if my_hospital is not None:
            applicant_side |= my_hospital
        return Q(status=S.COMPLETED) & applicant_side
    if queue == "to_qc":
        return Q(status=S.FEEDBACK_GIVEN)
    # mine
    return Q(applicant=user)


_URGENCY_RANK = Case(
    When(urgency=Urgency.EMERGENCY, then=Value(0)),
    When(urgency=Urgency.URGENT, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


def requests_for_queue(user: User, queue: str) -> BusinessRequestQuerySet:
    """The requests waiting in one of ``user``'s workbench queues, most pressing first."""
    condition = _queue_filter(user, queue)
    if condition is None:
        return BusinessRequest.objects.none()
    qs = BusinessRequest.objects.visible_to(user).filter(condition)
    return _listing(qs).annotate(urgency_rank=_URGENCY_RANK).order_by(*QUEUES[queue].order)


def queue_counts(user: User) -> dict[str, int]:
    """How many requests wait in each of the user's queues — one query for all of them."""
    conditions: dict[str, Any] = {}
    for key in QUEUES:
        condition = _queue_filter(user, key)
        if condition is not None:
            conditions[key] = condition
    if not conditions:
        return dict.fromkeys(QUEUES, 0)
    counts = BusinessRequest.objects.visible_to(user).aggregate(
        **{key: Count("pk", filter=cond) for key, cond in conditions.items()}
    )
    return {key: counts.get(key) or 0 for key in QUEUES}


def queues_for(user: User) -> list[Queue]:
    """The queues that concern this user (the workbench shows these)."""
    return [QUEUES[key] for key in QUEUES if _queue_filter(user, key) is not None]


def kinds_user_may_apply(user: User) -> list[Kind]:
    """The kinds ``user`` may apply for: their role is an applicant role of the kind, their
    hospital is active and its cooperation plan covers the kind. Registration order."""
    if not user.is_authenticated or not user.can_use_business:
        return []
    hospital = user.hospital
    if hospital is None or hospital.status != Hospital.Status.ACTIVE:
        return []
    off = disabled_kinds(hospital)
    return [k for k in all_kinds() if k.code not in off and user.has_role(*k.applicant_roles)]


# --- files on a request ----------------------------------------------------------------


def may_read_files(user: User, request: Any) -> bool:
    """Whoever sees the request sees its attachments."""
    return can_see(user, request)


def may_attach_files(user: User, request: Any) -> bool:
    """The applicant's hospital, the assigned team and the managers add files to a request
    until it is closed, rejected or cancelled."""
    if request.status in TERMINAL_STATUSES or not can_see(user, request):
        return False
    who = rules.Who(user, request)
    return who.in_applicant_hospital or who.is_manager or who.in_team
