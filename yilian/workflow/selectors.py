"""Every scoped read of business requests: one request, what a user may do with it, its
timeline, and the workbench queues (each a fixed number of queries, whatever its length)."""

from __future__ import annotations

import operator
from dataclasses import dataclass
from datetime import datetime
from functools import reduce
from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, Value, When
from django.http import Http404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.core.dates import day_bounds
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


_SHOWN_WITH = ("applicant", "applicant_hospital", "team", "room")


def _listing(qs: BusinessRequestQuerySet) -> BusinessRequestQuerySet:
    """Joined: for one request, and for lists that walk an index newest first and stop at
    a page."""
    return qs.select_related(*_SHOWN_WITH)


def _queue_listing(qs: BusinessRequestQuerySet) -> BusinessRequestQuerySet:
    """A queue is sorted by lateness and urgency, which no index gives: joined, PostgreSQL
    would join every request of the queue before sorting them. So the page's rows are
    read alone, then the people, hospitals, teams and rooms of those rows only."""
    return qs.prefetch_related(*_SHOWN_WITH)


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


def waiting_for(status: str) -> str | None:
    """The step a request in ``status`` waits for (its SLA clock runs for that step)."""
    if status == S.DECLINED:
        return rules.A.DISPATCH
    if status == S.IN_PROGRESS:
        return rules.A.COMPLETE
    if status == S.RETURNED:
        return rules.A.SUBMIT
    return rules.FORWARD.get(status)


def step_deadline(request: BusinessRequest) -> datetime | None:
    """When the step the request waits for falls due by its kind's SLA (None: no SLA) —
    the value ``services`` store in ``due_at`` with each change of status or urgency."""
    action = waiting_for(request.status)
    if action is None:
        return None
    try:
        sla = get_kind(request.kind).sla(action, request.urgency)
    except LookupError:
        return None
    if sla is None:
        return None
    entered = getattr(request, rules.ENTERED_AT.get(request.status, "updated_at")) or (
        request.updated_at
    )
    return entered + sla


def is_overdue(request: BusinessRequest, now: datetime | None = None) -> bool:
    return request.due_at is not None and request.due_at < (now or timezone.now())


def overdue_condition(now: datetime | None = None) -> Q:
    """The requests ``is_overdue`` marks, as a condition the database can filter and
    order by."""
    return Q(due_at__lt=now or timezone.now())


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
        Queue("to_publish", _("To publish"), ("scheduled_start", "confirmed_at", "id")),
        Queue("today", _("Today's sessions"), ("scheduled_start", "id")),
        Queue("to_write_opinion", _("Opinions to write"), ("urgency_rank", "started_at", "id")),
        Queue("to_give_feedback", _("Feedback to give"), ("completed_at", "id")),
        Queue("to_qc", _("Quality control"), ("feedback_at", "id")),
        Queue("mine", _("My requests"), ("-created_at", "-id")),
    )
}


def _today_bounds() -> tuple[datetime, datetime]:
    return day_bounds(timezone.localdate())


def _applicant_roles() -> frozenset[str]:
    roles: set[str] = set(DEFAULT_APPLICANT_ROLES)
    for kind in all_kinds():
        roles |= kind.applicant_roles
    return frozenset(roles)


def _concerns(user: User, queue: str) -> bool:
    """Whether ``queue`` belongs on this user's workbench at all."""
    if queue in {"to_review", "to_dispatch", "to_publish", "to_qc"}:
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
    if queue == "to_publish":
        return Q(status=S.CONFIRMED)
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
    return _queue_listing(qs).annotate(urgency_rank=_URGENCY_RANK).order_by(*QUEUES[queue].order)


def queue_counts(user: User) -> dict[str, int]:
    """How many requests wait in each of the user's queues — one query for all of them."""
    conditions: dict[str, Any] = {}
    for key in QUEUES:
        condition = _queue_filter(user, key)
        if condition is not None:
            conditions[key] = condition
    if not conditions:
        return dict.fromkeys(QUEUES, 0)
    # Only the rows of some queue are read (the queues' statuses are indexed): without
    # the WHERE the counts would scan every request ever made.
    counts = (
        BusinessRequest.objects.visible_to(user)
        .filter(reduce(operator.or_, conditions.values()))
        .aggregate(**{key: Count("pk", filter=cond) for key, cond in conditions.items()})
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


# --- pages -----------------------------------------------------------------------------


def _overdue_first(qs: BusinessRequestQuerySet, queue: Queue) -> BusinessRequestQuerySet:
    late = Case(
        When(overdue_condition(), then=Value(1)), default=Value(0), output_field=IntegerField()
    )
    return qs.annotate(late=late).order_by("-late", *queue.order)


def _filtered(
    qs: BusinessRequestQuerySet, *, kind: str = "", urgency: str = "", query: str = ""
) -> BusinessRequestQuerySet:
    if kind:
        qs = qs.filter(kind=kind)
    if urgency:
        qs = qs.filter(urgency=urgency)
    query = query.strip()
    if query:
        qs = qs.filter(title__icontains=query)
    return qs


def workbench_requests(
    user: User, queue: str, *, kind: str = "", urgency: str = "", query: str = ""
) -> BusinessRequestQuerySet:
    """One workbench queue, filtered; overdue requests first, then the queue's own order."""
    qs = _filtered(requests_for_queue(user, queue), kind=kind, urgency=urgency, query=query)
    return _overdue_first(qs, QUEUES[queue])


def requests_visible_to(
    user: User,
    *,
    kind: str = "",
    status: str = "",
    urgency: str = "",
    hospital: str = "",
    query: str = "",
) -> BusinessRequestQuerySet:
    """Every request ``user`` may see, filtered (``hospital`` — a public id — only narrows
    for platform roles, who see the whole alliance), newest first."""
    qs = _filtered(
        _listing(BusinessRequest.objects.visible_to(user)),
        kind=kind,
        urgency=urgency,
        query=query,
    )
    if status:
        qs = qs.filter(status=status)
    if hospital and user.is_platform_member:
        try:
            qs = qs.filter(applicant_hospital__public_id=UUID(hospital))
        except ValueError:
            qs = qs.none()
    return qs.order_by("-created_at", "-id")


def hospitals_with_requests() -> list[Hospital]:
    """The hospitals that have applied for something (the platform roles' list filter)."""
    has_applied = Exists(BusinessRequest.objects.filter(applicant_hospital=OuterRef("pk")))
    return list(Hospital.objects.filter(has_applied).only("public_id", "name").order_by("name"))


def actions_for_rows(user: User, requests: list[BusinessRequest]) -> dict[int, list[str]]:
    """``allowed_actions`` for many requests the user already sees (listed through a
    visibility-scoped queryset), in one query whatever their number."""
    if not requests or not user.is_authenticated:
        return {}
    team_ids: set[int] = set()
    if user.has_role(Role.EXPERT) and any(r.team_id for r in requests):
        team_ids = set(
            Team.objects.filter(Q(members=user) | Q(lead=user)).values_list("pk", flat=True)
        )
    result: dict[int, list[str]] = {}
    for request in requests:
        if request.status in TERMINAL_STATUSES:
            result[request.pk] = []
            continue
        try:
            kind = get_kind(request.kind)
        except LookupError:
            result[request.pk] = []
            continue
        who = rules.Who(user, request)
        # Fill the cached membership from the one query above instead of one per row.
        who.__dict__["in_team"] = who.active and request.team_id in team_ids
        result[request.pk] = [
            a
            for a in rules.ORDERED_ACTIONS
            if kind.uses(a) and rules.target(request.status, a) is not None and who.may(a)
        ]
    return result


def kind_detail(request: BusinessRequest) -> Any:
    """The kind's detail row (its one-to-one ``request`` points here), or None."""
    try:
        model = get_kind(request.kind).get_detail_model()
    except LookupError:
        return None
    if model is None:
        return None
    return model._default_manager.filter(request=request).first()


@dataclass(frozen=True)
class RequestPage:
    """What the request page shows besides the request itself."""

    experts: list[User]
    opinions: list[Opinion]
    conclusion: Opinion | None
    feedback: Any
    qc_review: Any
    events: list[RequestEvent]


def request_page(request: BusinessRequest) -> RequestPage:
    from .models import Feedback, QCReview

    opinions = list(request.opinions.select_related("author").order_by("created_at", "id"))
    return RequestPage(
        experts=list(request.experts.order_by("name")),
        opinions=opinions,
        conclusion=next((o for o in opinions if o.is_conclusion), None),
        feedback=Feedback.objects.filter(request=request).select_related("author").first(),
        qc_review=QCReview.objects.filter(request=request).select_related("reviewer").first(),
        events=timeline(request),
    )


def get_conclusion_for_user(user: User, public_id: UUID | str) -> tuple[BusinessRequest, Opinion]:
    """The request and its team's concluding opinion; 404 when the user may not see the
    request or there is no conclusion yet."""
    request = get_request_for_user(user, public_id)
    opinion = conclusion_of(request)
    if opinion is None:
        raise Http404
    return request, opinion


# Pictures a business app attaches to a request for its opinion (an expert's snapshot of a
# slide …): files of this purpose are printed with the opinion.
OPINION_FIGURE = "opinion-figure"


def opinion_figures(request: BusinessRequest) -> list[Any]:
    """The request's pictures for the opinion (PNG/JPEG files of purpose
    ``OPINION_FIGURE``), oldest first. The caller has authorised reading the request."""
    from yilian.files.selectors import files_for
    from yilian.files.validators import IMAGES

    return [f for f in files_for(request, purpose=OPINION_FIGURE) if f.mime_type in IMAGES]


def conclusion_of(request: BusinessRequest) -> Opinion | None:
    """The team's signed concluding opinion of ``request`` (None before completion); the
    caller has authorised reading the request."""
    return (
        request.opinions.filter(is_conclusion=True, signed_at__isnull=False)
        .select_related("author")
        .first()
    )


def teams_for_dispatch(kind: str) -> Any:
    """The active teams a request may be dispatched to, those serving ``kind`` first."""
    from yilian.orgs.models import TeamService

    serves = Exists(TeamService.objects.filter(team=OuterRef("pk"), kind=kind))
    return (
        Team.objects.filter(is_active=True)
        .select_related("hospital")
        .annotate(serves_kind=serves)
        .order_by("-serves_kind", "name", "pk")
    )


def team_experts(request: BusinessRequest) -> Any:
    """The people who may be assigned to the request's session: its team's members and
    lead."""
    if request.team_id is None:
        return User.objects.none()
    team = Team.objects.filter(pk=request.team_id).values("lead_id")
    return (
        User.objects.filter(Q(teams__pk=request.team_id) | Q(pk__in=team), is_active=True)
        .distinct()
        .order_by("name")
    )


def rooms_for_booking() -> Any:
    from yilian.orgs.models import Room

    return Room.objects.filter(is_active=True).select_related("hospital").order_by("name", "pk")


@dataclass(frozen=True)
class ApplyGroup:
    module: Any  # web.navigation.Module
    kinds: list[Kind]


def kinds_to_apply_by_module(user: User) -> list[ApplyGroup]:
    """``kinds_user_may_apply`` grouped by module, in menu order."""
    from yilian.web.navigation import MODULES

    kinds = kinds_user_may_apply(user)
    groups = [ApplyGroup(m, [k for k in kinds if k.module == m.key]) for m in MODULES]
    return [g for g in groups if g.kinds]


def kind_user_may_apply(user: User, code: str) -> Kind:
    """The kind if ``user`` may apply for it; 403 saying why when their hospital's
    cooperation plan leaves it out; 404 otherwise."""
    for kind in kinds_user_may_apply(user):
        if kind.code == code:
            return kind
    try:
        kind = get_kind(code)
    except LookupError:
        raise Http404 from None
    hospital = user.hospital if user.is_authenticated else None
    if (
        hospital is not None
        and user.can_use_business
        and hospital.status == Hospital.Status.ACTIVE
        and user.has_role(*kind.applicant_roles)
        and code in disabled_kinds(hospital)
    ):
        raise PermissionDenied(
            gettext("Your hospital's cooperation plan does not cover %(kind)s.")
            % {"kind": kind.label}
        )
    raise Http404


def patients_of(request: BusinessRequest) -> list[Any]:
    """The patients ``request`` is about: its ``patient``, and those its kind names."""
    found = [request.patient] if request.patient_id else []
    try:
        extra = get_kind(request.kind).patients_of
    except LookupError:
        extra = None
    if extra is not None:
        found += [p for p in extra(request) if p not in found]
    return found
