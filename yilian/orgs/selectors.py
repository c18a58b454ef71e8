"""Every scoped read of organisations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from yilian.accounts.models import User

from .models import (
    CooperationPlan,
    Department,
    Division,
    Hospital,
    HospitalQuerySet,
    Room,
    Team,
)


def provinces() -> list[Division]:
    return list(Division.objects.filter(level=Division.Level.PROVINCE))


def hospitals_open_for_registration(province_code: str = "") -> HospitalQuerySet:
    """Hospitals a newcomer may register with (public: active members only)."""
    qs = Hospital.objects.active().only("public_id", "name", "province_code")
    if province_code:
        qs = qs.filter(province_code=province_code)
    return qs.order_by("name")


def departments_of(hospital: Hospital | None) -> list[Department]:
    if hospital is None:
        return []
    return list(hospital.departments.filter(is_active=True).order_by("name"))


def hospital_directory(
    user: User,
    *,
    query: str = "",
    province: str = "",
    tier: str = "",
    category: str = "",
    status: str = "",
) -> HospitalQuerySet:
    qs = Hospital.objects.visible_to(user).select_related("division")
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(short_name__icontains=query))
    if province:
        qs = qs.filter(province_code=province)
    if tier:
        qs = qs.filter(tier=tier)
    if category:
        qs = qs.filter(category=category)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-is_lead", "province_code", "name")


def get_hospital_for_user(user: User, public_id: UUID | str) -> Hospital:
    try:
        return Hospital.objects.visible_to(user).select_related("division").get(public_id=public_id)
    except (Hospital.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


@dataclass(frozen=True)
class HospitalProfile:
    hospital: Hospital
    departments: list[Department]
    teams: list[Team]
    rooms: list[Room]


def hospital_profile(user: User, public_id: UUID | str) -> HospitalProfile:
    """A hospital with its active departments, execution teams and cloud rooms."""
    hospital = get_hospital_for_user(user, public_id)
    return HospitalProfile(
        hospital=hospital,
        departments=departments_of(hospital),
        teams=list(hospital.teams.filter(is_active=True).select_related("lead")),
        rooms=list(hospital.rooms.filter(is_active=True)),
    )


@dataclass(frozen=True)
class Share:
    key: str
    label: str
    count: int
    percent: float


@dataclass(frozen=True)
class AllianceSummary:
    institutions: int
    provinces_covered: int
    provinces_total: int
    tiers: list[Share]
    categories: list[Share]
    users: int


def _shares(rows: dict[str, int], choices: list[tuple[str, Any]], total: int) -> list[Share]:
    return [
        Share(
            key,
            str(label),
            rows.get(key, 0),
            round(100 * rows.get(key, 0) / total, 1) if total else 0.0,
        )
        for key, label in choices
        if rows.get(key, 0)
    ]


def alliance_summary(members: QuerySet[Hospital] | None = None) -> AllianceSummary:
    """The alliance at a glance: member institutions, provinces, tier and category mix
    (of ``members``, some of the active hospitals; default: all of them)."""
    users = User.objects.active()
    if members is None:
        members = Hospital.objects.filter(status=Hospital.Status.ACTIVE)
    else:
        users = users.filter(hospital__in=members)
    totals = members.aggregate(
        institutions=Count("id"), provinces=Count("province_code", distinct=True)
    )
    total = totals["institutions"]
    tiers = dict(members.values_list("tier").annotate(n=Count("id")).order_by())
    categories = dict(members.values_list("category").annotate(n=Count("id")).order_by())
    return AllianceSummary(
        institutions=total,
        provinces_covered=totals["provinces"],
        provinces_total=Division.objects.filter(level=Division.Level.PROVINCE).count(),
        tiers=_shares(tiers, Hospital.Tier.choices, total),
        categories=_shares(categories, Hospital.Category.choices, total),
        users=users.count(),
    )


def disabled_kinds(hospital: Hospital | None) -> frozenset[str]:
    """The business kinds ``hospital``'s cooperation plan does not cover (no plan: none)."""
    if hospital is None:
        return frozenset()
    plan = CooperationPlan.objects.filter(hospital=hospital).only("disabled_kinds").first()
    return frozenset(plan.disabled_kinds) if plan else frozenset()
