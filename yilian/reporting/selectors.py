"""Scoped reads of data reporting: one place decides who sees which report (a 404
otherwise), which hospitals owe a dataset, and the reporting and on-time rates.

Hospital staff and hospital admins see their own hospital's reports; the platform's
roles see every report. A report is *reported* once it was first submitted, *on time*
when that first submission fell on or before the period's deadline (alliance time)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.accounts.selectors import is_active_member
from yilian.core.db_router import reporting
from yilian.orgs.models import Division, Hospital

from .models import TO_REVIEW, Dataset, Period, Status, Submission

FILL_ROLES = frozenset({Role.STAFF, Role.HOSPITAL_ADMIN})
REVIEW_ROLES = frozenset({Role.MANAGER})
RATES_ROLES = frozenset({Role.MANAGER, Role.PLATFORM_ADMIN})
DESIGN_ROLES = frozenset({Role.PLATFORM_ADMIN})


def _member(user: User) -> bool:
    return is_active_member(user)


def may_design(user: User) -> bool:
    return _member(user) and user.has_role(*DESIGN_ROLES)


def may_fill(user: User) -> bool:
    """Staff and admins of a hospital fill in their hospital's reports."""
    return _member(user) and bool(user.hospital_id) and user.has_role(*FILL_ROLES)


def may_review(user: User) -> bool:
    return _member(user) and user.has_role(*REVIEW_ROLES)


def may_view_rates(user: User) -> bool:
    return _member(user) and user.has_role(*RATES_ROLES)


# --- assignment -------------------------------------------------------------------------


def assignment_filter(dataset: Dataset) -> Q:
    """Hospitals of the dataset's tiers and categories (an empty list: any), plus the
    listed ones; with neither tiers nor categories, only the listed hospitals."""
    listed = Q(pk__in=dataset.hospitals.values("pk")) if dataset.pk else Q(pk__in=[])
    if not dataset.tiers and not dataset.categories:
        return listed
    by_kind = Q()
    if dataset.tiers:
        by_kind &= Q(tier__in=dataset.tiers)
    if dataset.categories:
        by_kind &= Q(category__in=dataset.categories)
    return by_kind | listed


def assigned_hospitals(dataset: Dataset) -> QuerySet[Hospital]:
    """The active hospitals of the dataset's alliance that owe its reports."""
    return (
        Hospital.objects.active()
        .filter(alliance_id=dataset.alliance_id)
        .filter(assignment_filter(dataset))
        .order_by("name", "pk")
    )


def datasets_of(hospital: Hospital) -> list[Dataset]:
    """The datasets in use that ``hospital`` reports."""
    candidates = Dataset.objects.filter(alliance_id=hospital.alliance_id, is_active=True)
    return [d for d in candidates if assigned_hospitals(d).filter(pk=hospital.pk).exists()]


def is_assigned(dataset: Dataset, hospital: Hospital) -> bool:
    return dataset.is_active and assigned_hospitals(dataset).filter(pk=hospital.pk).exists()


# --- datasets (the designer) --------------------------------------------------------------


def datasets_to_design(user: User) -> QuerySet[Dataset]:
    if not may_design(user) or user.hospital is None:
        return Dataset.objects.none()
    return Dataset.objects.filter(alliance_id=user.hospital.alliance_id).order_by("name", "pk")


def get_dataset_to_design(user: User, public_id: UUID | str) -> Dataset:
    try:
        return datasets_to_design(user).get(public_id=public_id)
    except (Dataset.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


def datasets_for_rates(user: User) -> QuerySet[Dataset]:
    if not may_view_rates(user) or user.hospital is None:
        return Dataset.objects.none()
    return Dataset.objects.filter(alliance_id=user.hospital.alliance_id).order_by("name", "pk")


# --- reports ----------------------------------------------------------------------------


def submissions_visible_to(user: User) -> QuerySet[Submission]:
    if not _member(user):
        return Submission.objects.none()
    qs = Submission.objects.select_related("dataset", "period", "hospital")
    if user.is_platform_member:
        return qs
    if user.hospital_id and user.has_role(*FILL_ROLES):
        return qs.filter(hospital_id=user.hospital_id)
    return Submission.objects.none()


def get_submission_for_user(user: User, public_id: UUID | str) -> Submission:
    try:
        return submissions_visible_to(user).get(public_id=public_id)
    except (Submission.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


def get_period_to_fill(user: User, public_id: UUID | str) -> Period:
    """A period the user's hospital owes (open already); 404 otherwise."""
    if not may_fill(user):
        raise Http404
    try:
        period = Period.objects.select_related("dataset").get(public_id=public_id)
    except (Period.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None
    assert user.hospital is not None
    if not period.is_open_on(timezone.localdate()) or not is_assigned(
        period.dataset, user.hospital
    ):
        raise Http404
    return period


def get_dataset_to_fill(user: User, public_id: UUID | str) -> Dataset:
    if not may_fill(user):
        raise Http404
    assert user.hospital is not None
    try:
        dataset = Dataset.objects.get(public_id=public_id, alliance_id=user.hospital.alliance_id)
    except (Dataset.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None
    if not is_assigned(dataset, user.hospital):
        raise Http404
    return dataset


@dataclass(frozen=True)
class MyReport:
    period: Period
    submission: Submission | None
    today: date

    @property
    def status(self) -> str:
        return self.submission.status if self.submission else ""

    @property
    def is_overdue(self) -> bool:
        reported = self.submission is not None and self.submission.first_submitted_at
        return not reported and self.today > self.period.deadline

    @property
    def needs_action(self) -> bool:
        return self.submission is None or self.submission.is_editable


def open_periods(dataset: Dataset, today: date) -> QuerySet[Period]:
    return dataset.periods.filter(start__lte=today).order_by("-start")


def my_reports(user: User, *, which: str = "todo", today: date | None = None) -> list[MyReport]:
    """The periods the user's hospital owes, open already, with their reports:
    ``todo`` (not started, draft or returned) or ``done`` (submitted, accepted)."""
    if not may_fill(user):
        return []
    assert user.hospital is not None
    today = today or timezone.localdate()
    datasets = datasets_of(user.hospital)
    periods = (
        Period.objects.filter(dataset__in=datasets, start__lte=today)
        .select_related("dataset")
        .order_by("deadline", "dataset__name")
    )
    by_period = {
        s.period_id: s
        for s in Submission.objects.filter(hospital=user.hospital, period__in=periods)
    }
    rows = [MyReport(p, by_period.get(p.pk), today) for p in periods]
    if which == "done":
        return [r for r in rows if not r.needs_action][::-1]
    return [r for r in rows if r.needs_action]


def review_queue(
    user: User, *, status: str = "", dataset: Dataset | None = None, search: str = ""
) -> QuerySet[Submission]:
    """Reports for the management team: waiting for review by default."""
    if not may_review(user):
        return Submission.objects.none()
    qs = submissions_visible_to(user)
    if status in Status.values and status != Status.DRAFT:
        qs = qs.filter(status=status)
    else:
        qs = qs.filter(status__in=TO_REVIEW)
    if dataset is not None:
        qs = qs.filter(dataset=dataset)
    if search:
        qs = qs.filter(Q(hospital__name__icontains=search) | Q(period__label__icontains=search))
    return qs.order_by("submitted_at", "pk")


def timeline(submission: Submission) -> QuerySet[Any]:
    return submission.events.select_related("actor").order_by("at", "pk")


# --- rates --------------------------------------------------------------------------------


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass
class RateRow:
    key: str
    label: str
    expected: int = 0
    reported: int = 0
    on_time: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def reporting_rate(self) -> Decimal | None:
        return _percent(self.reported, self.expected)

    @property
    def on_time_rate(self) -> Decimal | None:
        return _percent(self.on_time, self.expected)


@dataclass(frozen=True)
class Rates:
    periods: list[Period]
    total: RateRow
    by_hospital: list[RateRow]
    by_tier: list[RateRow]
    by_province: list[RateRow]


def _reported_on_time(submission_rows: Iterable[tuple[int, int, Any, date]]) -> dict:
    """(period id, hospital id) → whether reported on time."""
    out = {}
    for period_id, hospital_id, first_at, deadline in submission_rows:
        if first_at is not None:
            out[(period_id, hospital_id)] = timezone.localdate(first_at) <= deadline
    return out


@reporting
def reporting_rates(
    dataset: Dataset, period: Period | None = None, *, today: date | None = None
) -> Rates:
    """Reporting rate (reported / expected) and on-time rate (reported by the deadline /
    expected) per hospital, tier and province. Expected: every hospital assigned now, for
    ``period`` or, without one, for every period whose deadline has passed."""
    today = today or timezone.localdate()
    if period is not None:
        periods = [period]
    else:
        periods = list(dataset.periods.filter(deadline__lt=today).order_by("start"))
    hospitals = list(assigned_hospitals(dataset).values("pk", "name", "tier", "province_code"))
    done = _reported_on_time(
        Submission.objects.filter(period__in=periods).values_list(
            "period_id", "hospital_id", "first_submitted_at", "period__deadline"
        )
    )
    tier_labels = dict(Hospital.Tier.choices)
    provinces = dict(
        Division.objects.filter(code__in={h["province_code"] for h in hospitals}).values_list(
            "code", "name"
        )
    )
    total = RateRow("all", "")
    rows: dict[int, RateRow] = {}
    tiers: dict[str, RateRow] = {t: RateRow(t, str(label)) for t, label in Hospital.Tier.choices}
    by_province: dict[str, RateRow] = defaultdict(lambda: RateRow("", ""))
    for h in hospitals:
        row = rows[h["pk"]] = RateRow(str(h["pk"]), h["name"])
        row.extra = {
            "tier": str(tier_labels.get(h["tier"], h["tier"])),
            "province": provinces.get(h["province_code"], h["province_code"]),
        }
        province = by_province[h["province_code"]]
        province.key, province.label = (
            h["province_code"],
            provinces.get(h["province_code"], h["province_code"]),
        )
        for p in periods:
            outcome = done.get((p.pk, h["pk"]))
            for target in (total, row, tiers[h["tier"]], province):
                target.expected += 1
                target.reported += outcome is not None
                target.on_time += bool(outcome)
    return Rates(
        periods=periods,
        total=total,
        by_hospital=list(rows.values()),
        by_tier=[r for r in tiers.values() if r.expected],
        by_province=sorted(by_province.values(), key=lambda r: r.key),
    )
