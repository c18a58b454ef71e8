"""Reading the application-effect dashboard (the paper's section 2.5).

Every figure is read from the rollups — a fixed number of queries whatever the number of
events — and compared with the same dates one year earlier. A period's whole months are
read from the monthly rollups and only the days at its edges from the daily ones
(``rollup_parts`` decides, for every reader).
"""

from __future__ import annotations

import operator
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import reduce
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models import expressions as sql
from django.db.models.aggregates import Aggregate
from django.db.models.expressions import Combinable, OrderBy
from django.db.models.functions import Coalesce, TruncMonth
from django.http import Http404
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from yilian.accession.models import Application
from yilian.accession.selectors import answers_by_section, latest_assessment_of
from yilian.accounts.models import User
from yilian.accounts.roles import PLATFORM_ROLES, Role
from yilian.core.db_router import reporting
from yilian.orgs.models import Department, Division, Hospital, Specialty
from yilian.orgs.selectors import AllianceSummary, Share, alliance_summary
from yilian.workflow.models import Action
from yilian.workflow.registry import all_kinds

from .models import CREDIT_UNITS, DailyRollup, Metric, MonthlyRollup


@dataclass(frozen=True)
class Figure:
    """A headline figure: the events of ``metrics`` (of ``kinds``; None: any kind) —
    their number, or (``summed``) the sum of their amounts divided by ``unit`` (seconds
    watched shown in hours, tenths of a credit shown in credits)."""

    key: str
    label: Promise
    metrics: frozenset[str]
    kinds: frozenset[str] | None = None
    summed: bool = False
    unit: int = 1

    def counts(self, kind: str, metric: str) -> bool:
        return metric in self.metrics and (self.kinds is None or kind in self.kinds)

    def raw(self, row: dict[str, Any]) -> int:
        """What a rollup row (``n`` events, ``t`` their amounts) adds to this figure."""
        return int(row["t"] if self.summed else row["n"])

    def shown(self, raw: int) -> int | float:
        """The figure as people read it: a count, or the sum in its unit to one decimal."""
        return raw if self.unit == 1 else round(raw / self.unit, 1)

    @property
    def drill(self) -> list[tuple[str, Promise | str]]:
        """The businesses to open the list of requests of (code, label)."""
        known = {k.code: k.label for k in all_kinds()}
        return [(code, known[code]) for code in sorted(self.kinds or ()) if code in known]


# A business is counted as a case when its service was delivered (the team completed it).
CASE = Action.COMPLETE
BUSINESS_ACTIONS = frozenset(a.value for a in Action)
FIGURES: tuple[Figure, ...] = (
    Figure("logins", _("Logins"), frozenset({Metric.LOGIN})),
    Figure(
        "interactions",
        _("Business interactions"),
        BUSINESS_ACTIONS | {Metric.TRAINING},
    ),
    Figure(
        "consultations", _("Remote consultations"), frozenset({CASE}), frozenset({"consultation"})
    ),
    Figure("referrals", _("Two-way referrals"), frozenset({CASE}), frozenset({"referral"})),
    Figure("training", _("Training participations"), frozenset({Metric.TRAINING})),
    Figure(
        "watch_hours",
        _("Watch hours"),
        frozenset({Metric.WATCH_SECONDS}),
        summed=True,
        unit=3600,
    ),
    Figure(
        "credits",
        _("CME credits issued"),
        frozenset({Metric.CREDITS}),
        summed=True,
        unit=CREDIT_UNITS,
    ),
    Figure(
        "study",
        _("Study visits and advanced study"),
        frozenset({CASE}),
        frozenset({"study_visit", "clinical_observation", "advanced_study"}),
    ),
)
FIGURE_KEYS = frozenset(f.key for f in FIGURES)
DASHBOARD_ROLES = frozenset({Role.MANAGER, Role.PLATFORM_ADMIN, Role.HOSPITAL_ADMIN})


def may_view_dashboard(user: User) -> bool:
    return bool(user.is_authenticated and user.can_use_business and user.has_role(*DASHBOARD_ROLES))


@dataclass(frozen=True)
class Filters:
    start: date
    end: date  # inclusive
    province: str = ""
    tier: str = ""
    hospital: Hospital | None = None
    kind: str = ""

    @property
    def narrows_places(self) -> bool:
        return bool(self.province or self.tier or self.hospital)

    @property
    def previous(self) -> Filters:
        """The same dates one year earlier (29 February falls back to the 28th)."""
        return replace(self, start=_year_earlier(self.start), end=_year_earlier(self.end))


def _year_earlier(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def default_filters() -> Filters:
    today = timezone.localdate()
    return Filters(start=today.replace(month=1, day=1), end=today)


@dataclass(frozen=True)
class Value:
    figure: Figure
    current: int | float
    previous: int | float
    # Average per hospital of the same tier (a hospital admin's comparison); None otherwise.
    tier_average: float | None = None

    @property
    def growth(self) -> float | None:
        """Year-on-year growth in percent (None when there is nothing to compare with)."""
        if not self.previous:
            return None
        return round(100 * (self.current - self.previous) / self.previous, 1)


@dataclass(frozen=True)
class Month:
    month: date
    values: dict[str, int | float]


@dataclass(frozen=True)
class Dashboard:
    filters: Filters
    summary: AllianceSummary
    values: list[Value]
    months: list[Month]
    previous_months: list[Month]
    provinces: list[Share]  # business interactions per province
    scope_hospital: Hospital | None = None
    # The teaching figures per hospital tier (participations, watch hours, credits).
    teaching_tiers: list[TierFigures] = field(default_factory=list)
    built_at: datetime = field(default_factory=timezone.now)


TEACHING_FIGURES = ("training", "watch_hours", "credits")


@dataclass(frozen=True)
class TierFigures:
    tier: str
    label: str
    values: dict[str, int | float]


def teaching_by_tier(filters: Filters) -> list[TierFigures]:
    """The teaching figures of ``filters``' period per hospital tier, in tier order (one
    query)."""
    figures = [f for f in FIGURES if f.key in TEACHING_FIGURES]
    metrics = set().union(*(f.metrics for f in figures))
    raw: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in _rollup_sums(
        filters, _period(filters), ("hospital__tier", "kind", "metric"), metrics=metrics
    ):
        for figure in figures:
            if figure.counts(row["kind"], row["metric"]):
                raw[row["hospital__tier"]][figure.key] += figure.raw(row)
    return [
        TierFigures(tier, str(label), {f.key: f.shown(raw[tier][f.key]) for f in figures})
        for tier, label in Hospital.Tier.choices
        if tier in raw
    ]


def dashboard_scope(user: User) -> Hospital | None:
    """The one hospital a hospital admin's figures are limited to; None for the alliance
    (platform roles). A hospital admin with no hospital sees nothing (403)."""
    if user.has_role(*PLATFORM_ROLES):
        return None
    if user.hospital is None:
        raise PermissionDenied
    return user.hospital


def members(filters: Filters) -> QuerySet[Hospital]:
    qs = Hospital.objects.filter(status=Hospital.Status.ACTIVE)
    if filters.province:
        qs = qs.filter(province_code=filters.province)
    if filters.tier:
        qs = qs.filter(tier=filters.tier)
    if filters.hospital is not None:
        qs = qs.filter(pk=filters.hospital.pk)
    return qs


# --- reading the rollups ---------------------------------------------------------------


def rollup_parts(start: date, end: date) -> list[QuerySet[Any]]:
    """The rollup rows that add up to exactly the days ``start``–``end``: the monthly
    rollups of the months lying wholly inside, and the daily rollups of the days before the
    first and after the last of them (all the days when no month lies wholly inside). Every
    reader of the rollups goes through here. Each part has ``in_month``, the first day of
    its rows' month, to group by."""
    first = start if start.day == 1 else _next_month(start.replace(day=1))
    stop = (end + timedelta(days=1)).replace(day=1)  # the month after the last whole one
    if first >= stop:
        return [_days(Q(date__gte=start, date__lte=end))]
    parts = [
        MonthlyRollup.objects.filter(month__gte=first, month__lt=stop).annotate(
            in_month=TruncMonth("month")
        )
    ]
    edges = Q()
    if start < first:
        edges |= Q(date__gte=start, date__lt=first)
    if stop <= end:
        edges |= Q(date__gte=stop, date__lte=end)
    if edges:
        parts.append(_days(edges))
    return parts


def _days(dates: Q) -> QuerySet[Any]:
    return DailyRollup.objects.filter(dates).annotate(in_month=TruncMonth("date"))


def _period(filters: Filters) -> dict[str, tuple[date, date]]:
    return {"current": (filters.start, filters.end)}


def _narrowed(
    qs: QuerySet[Any], filters: Filters, metrics: Iterable[str] | None = None
) -> QuerySet[Any]:
    """The rollups of ``qs`` that ``filters``' places and business (and ``metrics``) keep."""
    if filters.province:
        qs = qs.filter(hospital__province_code=filters.province)
    if filters.tier:
        qs = qs.filter(hospital__tier=filters.tier)
    if filters.hospital is not None:
        qs = qs.filter(hospital_id=filters.hospital.pk)
    if filters.kind:  # logins belong to no business: they stay
        qs = qs.filter(Q(kind=filters.kind) | Q(metric=Metric.LOGIN))
    if metrics is not None:
        qs = qs.filter(metric__in=list(metrics))
    return qs


def _rollup_sums(
    filters: Filters,
    periods: dict[str, tuple[date, date]],
    by: tuple[str, ...],
    *,
    metrics: Iterable[str] | None = None,
) -> list[dict[str, Any]]:
    """The number of events ``n`` and the sum of their amounts ``t`` of the rollups that
    ``filters`` keep (``metrics`` only, when given), grouped by ``by``, for each of
    ``periods`` (name → first and last day; each row's ``period`` is the name): one query.
    A group may come in several rows (one per part of a period): readers add them up."""
    metrics = None if metrics is None else list(metrics)
    selects = [
        _narrowed(part, filters, metrics)
        .values(*by)
        .annotate(n=Sum("count"), t=Sum("total"), period=sql.Value(name))
        .order_by()
        for name, (start, end) in periods.items()
        for part in rollup_parts(start, end)
    ]
    first, *rest = selects
    return list(first.union(*rest, all=True) if rest else first)


def _per_hospital_sum(start: date, end: date, metrics: Iterable[str]) -> Combinable:
    """The number of events of ``metrics`` from ``start`` to ``end`` of the outer hospital
    (0 when none): one correlated subquery per part of the period, added."""
    metrics = list(metrics)
    terms = [
        _per_hospital(part.filter(metric__in=metrics), Sum("count"))
        for part in rollup_parts(start, end)
    ]
    return reduce(operator.add, terms)


def _raw_totals(rows: Iterable[dict[str, Any]]) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for row in rows:
        for figure in FIGURES:
            if figure.counts(row["kind"], row["metric"]):
                totals[figure.key] += figure.raw(row)
    return totals


def _totals(rows: Iterable[dict[str, Any]]) -> dict[str, int | float]:
    """Each figure over ``rows``, as shown."""
    raw = _raw_totals(rows)
    return {f.key: f.shown(raw[f.key]) for f in FIGURES if f.key in raw}


def _monthly(rows: Iterable[dict[str, Any]], start: date, end: date) -> list[Month]:
    by_month: dict[date, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        for figure in FIGURES:
            if figure.counts(row["kind"], row["metric"]):
                by_month[row["month"]][figure.key] += figure.raw(row)
    months = []
    cursor = start.replace(day=1)
    while cursor <= end:
        months.append(
            Month(cursor, {f.key: f.shown(by_month[cursor].get(f.key, 0)) for f in FIGURES})
        )
        cursor = _next_month(cursor)
    return months


def _as_date(value: date | datetime) -> date:
    """A truncated month as a date (SQLite gives a date, PostgreSQL may give a datetime)."""
    return value.date() if isinstance(value, datetime) else value


def _next_month(first: date) -> date:
    return (
        first.replace(year=first.year + 1, month=1)
        if first.month == 12
        else first.replace(month=first.month + 1)
    )


@reporting
def dashboard(filters: Filters, *, scope_hospital: Hospital | None = None) -> Dashboard:
    """Every figure of the dashboard for ``filters`` (limited to ``scope_hospital`` when
    given, with the averages of its tier beside it): a fixed number of queries, whatever the
    volume."""
    if scope_hospital is not None:
        filters = replace(filters, hospital=scope_hospital, province="", tier="")
    previous = filters.previous
    # Each month's figures over the days of the month inside each period, in one query; the
    # headline figures are their sums.
    rows: dict[str, list[dict[str, Any]]] = {"current": [], "previous": []}
    for row in _rollup_sums(
        filters,
        {"current": (filters.start, filters.end), "previous": (previous.start, previous.end)},
        ("in_month", "kind", "metric"),
    ):
        row["month"] = _as_date(row["in_month"])
        rows[row["period"]].append(row)
    current_rows, previous_rows = rows["current"], rows["previous"]
    current = _totals(current_rows)
    before = _totals(previous_rows)
    averages = _tier_averages(filters, scope_hospital) if scope_hospital is not None else {}
    values = [
        Value(
            f,
            current.get(f.key, 0),
            before.get(f.key, 0),
            averages.get(f.key) if scope_hospital is not None else None,
        )
        for f in FIGURES
    ]
    return Dashboard(
        filters=filters,
        summary=alliance_summary(members(filters) if filters.narrows_places else None),
        values=values,
        months=_monthly(current_rows, filters.start, filters.end),
        previous_months=_monthly(previous_rows, previous.start, previous.end),
        provinces=_province_ranking(filters),
        scope_hospital=scope_hospital,
        teaching_tiers=teaching_by_tier(filters),
    )


# A built dashboard is kept this many times its freshness period: while one request
# rebuilds it, the others are answered with the copy before.
_KEEP_STALE = 10
_BUILD_WAIT_S = 30.0


def dashboard_cache_key(filters: Filters, scope_hospital: Hospital | None) -> str:
    place = filters.hospital.pk if filters.hospital else ""
    scope = scope_hospital.pk if scope_hospital else ""
    parts = (filters.start, filters.end, filters.province, filters.tier, place, filters.kind)
    return ":".join(map(str, ("analytics:dashboard:v2", get_language(), *parts, scope)))


def dashboard_for_page(filters: Filters, *, scope_hospital: Hospital | None = None) -> Dashboard:
    """``dashboard``, built at most once per ``YILIAN_DASHBOARD_CACHE_SECONDS`` (60 by
    default) for each filter set, scope and language: summing a year of rollups over a
    thousand hospitals takes the database a second or more, and the figures of a year do
    not need to be newer than a minute (the page says when they were computed); its
    exports give what the page shows. Once stale, one request rebuilds the copy while the
    others are answered with the previous one, so a busy minute costs one build, not one
    per visitor. 0 builds it on every request."""
    seconds = settings.YILIAN_DASHBOARD_CACHE_SECONDS
    if not seconds:
        return dashboard(filters, scope_hospital=scope_hospital)
    key = dashboard_cache_key(filters, scope_hospital)
    kept: Dashboard | None = cache.get(key)
    if kept is not None and (timezone.now() - kept.built_at).total_seconds() < seconds:
        return kept
    if cache.add(f"{key}:building", 1, timeout=int(_BUILD_WAIT_S)):
        try:
            board = dashboard(filters, scope_hospital=scope_hospital)
            cache.set(key, board, seconds * _KEEP_STALE)
        finally:
            cache.delete(f"{key}:building")
        return board
    if kept is not None:
        return kept  # another request is rebuilding it
    # The first build of this filter set is under way: wait for it rather than repeat it.
    deadline = time.monotonic() + _BUILD_WAIT_S
    while time.monotonic() < deadline:
        time.sleep(0.1)
        kept = cache.get(key)
        if kept is not None:
            return kept
    return dashboard(filters, scope_hospital=scope_hospital)


def _tier_averages(filters: Filters, hospital: Hospital) -> dict[str, float]:
    peers = replace(filters, hospital=None, tier=hospital.tier, province="")
    totals = _raw_totals(_rollup_sums(peers, _period(peers), ("kind", "metric")))
    count = members(peers).count() or 1
    return {f.key: round(totals[f.key] / f.unit / count, 1) for f in FIGURES if f.key in totals}


def _province_ranking(filters: Filters) -> list[Share]:
    """Business interactions per province, most first, with each one's share."""
    interactions = next(f for f in FIGURES if f.key == "interactions")
    counts: dict[str, int] = defaultdict(int)
    for row in _rollup_sums(
        filters, _period(filters), ("hospital__province_code",), metrics=interactions.metrics
    ):
        counts[row["hospital__province_code"]] += row["n"]
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    names = dict(Division.objects.filter(level=Division.Level.PROVINCE).values_list("code", "name"))
    total = sum(n for _code, n in rows)
    return [Share(code, names.get(code, code), n, round(100 * n / total, 1)) for code, n in rows]


# --- the health-resource database -------------------------------------------------------

SENIOR_TITLES = (User.Title.CHIEF_PHYSICIAN, User.Title.ASSOCIATE_CHIEF_PHYSICIAN)
RESOURCE_ORDERS: dict[str, OrderBy] = {
    "name": F("name").asc(),
    "beds": F("beds").desc(nulls_last=True),
    "staff": F("staff_count").desc(),
    "volume": F("volume").desc(),
}


def _per_hospital(queryset: QuerySet[Any], aggregate: Aggregate) -> Coalesce:
    """``aggregate`` over the rows of ``queryset`` of the outer hospital (0 when none), as
    one correlated subquery."""
    return Coalesce(
        Subquery(
            queryset.filter(hospital=OuterRef("pk"))
            .order_by()
            .values("hospital")
            .annotate(n=aggregate)
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


@reporting
def resource_profiles(
    user: User,
    *,
    query: str = "",
    province: str = "",
    tier: str = "",
    category: str = "",
    order: str = "name",
) -> QuerySet[Hospital]:
    """Member hospitals with their resources and this year's business volume, one query:
    ``department_count``, ``staff_count``, ``senior_count`` (chief and associate chief
    physicians), ``beds``
    (from the accession), ``volume`` (business interactions) and ``cases`` (completed).
    A hospital admin sees their own hospital only."""
    hospitals = Hospital.objects.filter(status=Hospital.Status.ACTIVE).select_related("division")
    scope = dashboard_scope(user)
    if scope is not None:
        hospitals = hospitals.filter(pk=scope.pk)
    if query:
        hospitals = hospitals.filter(Q(name__icontains=query) | Q(short_name__icontains=query))
    if province:
        hospitals = hospitals.filter(province_code=province)
    if tier:
        hospitals = hospitals.filter(tier=tier)
    if category:
        hospitals = hospitals.filter(category=category)
    this_year = _year(timezone.localdate().year)
    staff = User.objects.active()
    return hospitals.annotate(
        department_count=_per_hospital(Department.objects.filter(is_active=True), Count("id")),
        staff_count=_per_hospital(staff, Count("id")),
        senior_count=_per_hospital(staff.filter(title__in=SENIOR_TITLES), Count("id")),
        beds=F("application__beds"),
        volume=_per_hospital_sum(*this_year, BUSINESS_ACTIONS),
        cases=_per_hospital_sum(*this_year, {CASE}),
    ).order_by(RESOURCE_ORDERS.get(order, RESOURCE_ORDERS["name"]), "name")


def _year(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


@dataclass(frozen=True)
class ResourceProfile:
    hospital: Hospital
    beds: int | None
    departments: list[tuple[str, int, int]]  # (specialty label, departments, staff)
    titles: list[tuple[str, int]]  # (title label, staff)
    assessment: list[tuple[str, list[dict[str, Any]]]]  # (section label, answers)
    assessment_year: int | None
    volumes: list[tuple[str, int, int]]  # (business label, completed this year, last year)


@reporting
def resource_profile(user: User, hospital: Hospital) -> ResourceProfile:
    """One hospital's resources: departments and staff by specialty, staff by title, what its
    latest capability assessment recorded, and completed businesses this year and last."""
    scope = dashboard_scope(user)
    if scope is not None and scope.pk != hospital.pk:
        raise Http404
    specialties = dict(Specialty.choices)
    staff = User.objects.active().filter(hospital=hospital)
    by_specialty = dict(
        staff.exclude(department=None)
        .values_list("department__specialty")
        .annotate(n=Count("id"))
        .order_by()
    )
    departments = [
        (str(specialties.get(code, code)), n, by_specialty.get(code, 0))
        for code, n in hospital.departments.filter(is_active=True)
        .values_list("specialty")
        .annotate(n=Count("id"))
        .order_by("specialty")
    ]
    titles = dict(User.Title.choices)
    by_title = [
        (str(titles.get(code, code)), n)
        for code, n in staff.values_list("title").annotate(n=Count("id")).order_by("-n", "title")
    ]
    assessment = latest_assessment_of(hospital)
    year = timezone.localdate().year
    completed: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in _rollup_sums(
        Filters(start=date(year - 1, 1, 1), end=date(year, 12, 31), hospital=hospital),
        {"this": _year(year), "last": _year(year - 1)},
        ("kind",),
        metrics={CASE},
    ):
        completed[row["kind"]][row["period"]] += row["n"]
    kinds = {k.code: k.label for k in all_kinds()}
    application = Application.objects.filter(hospital=hospital).only("beds").first()
    return ResourceProfile(
        hospital=hospital,
        beds=application.beds if application else None,
        departments=departments,
        titles=by_title,
        assessment=answers_by_section(assessment) if assessment else [],
        assessment_year=assessment.year if assessment else None,
        volumes=[
            (str(kinds.get(code, code)), completed[code]["this"], completed[code]["last"])
            for code in sorted(completed)
        ],
    )
