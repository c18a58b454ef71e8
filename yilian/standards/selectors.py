"""Reads of standards promotion: what a member is asked to read, and adoption rates —
acknowledgements of the *current* version by the targeted staff, per hospital and overall."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from yilian.accounts.models import User
from yilian.orgs.models import Hospital

from .models import Acknowledgement, Question, Standard
from .policies import is_member, is_targeted, may_manage


def targeted_hospitals(standard: Standard) -> QuerySet[Hospital]:
    """The SQL form of ``policies.hospital_targeted``."""
    active = Hospital.objects.active()
    listed = list(standard.target_hospitals.values_list("pk", flat=True))
    tiers, categories = standard.target_tiers, standard.target_categories
    if not tiers and not categories and not listed:
        return active
    match = Q(pk__in=listed)
    if tiers or categories:
        rule = Q()
        if tiers:
            rule &= Q(tier__in=tiers)
        if categories:
            rule &= Q(category__in=categories)
        match |= rule
    return active.filter(match)


def targeted_staff(standard: Standard) -> QuerySet[User]:
    return (
        User.objects.active()
        .filter(
            hospital__in=targeted_hospitals(standard),
            role_assignments__role__in=standard.target_roles,
        )
        .distinct()
    )


def _published(query: str = "", category: int | None = None) -> QuerySet[Standard]:
    standards = Standard.objects.select_related("category", "current_version").prefetch_related(
        "target_hospitals"
    )
    if query:
        standards = standards.filter(
            Q(title__icontains=query) | Q(code__icontains=query) | Q(summary__icontains=query)
        )
    if category:
        standards = standards.filter(category_id=category)
    return standards


def standards_for(user: User, *, query: str = "", category: int | None = None) -> list[Standard]:
    """Every standard for a manager; otherwise the published standards the user is
    targeted by."""
    if may_manage(user):
        return list(_published(query, category))
    if not is_member(user):
        return []
    return [
        s
        for s in _published(query, category).filter(current_version__isnull=False)
        if is_targeted(user, s)
    ]


def get_standard(user: User, public_id: UUID | str) -> Standard:
    try:
        standard = _published().get(public_id=public_id)
    except (Standard.DoesNotExist, ValidationError):
        raise Http404 from None
    if not (may_manage(user) or is_targeted(user, standard)):
        raise Http404
    return standard


def acknowledged_version_ids(user: User) -> set[int]:
    return set(Acknowledgement.objects.filter(user=user).values_list("version_id", flat=True))


def my_acknowledgement(user: User, standard: Standard) -> Acknowledgement | None:
    if standard.current_version_id is None:
        return None
    return Acknowledgement.objects.filter(user=user, version_id=standard.current_version_id).first()


def questions_of(standard: Standard) -> list[Question]:
    return list(standard.questions.all())


@dataclass(frozen=True)
class Adoption:
    hospital: Hospital | None  # None: the whole alliance
    targeted: int
    acknowledged: int

    @property
    def rate(self) -> float | None:
        """Share of the targeted staff who acknowledged the current version, in percent."""
        return round(100 * self.acknowledged / self.targeted, 1) if self.targeted else None


def adoption(standard: Standard) -> tuple[Adoption, list[Adoption]]:
    """(overall, per targeted hospital) adoption of the standard's current version. Only
    acknowledgements by people who are targeted now count."""
    staff = targeted_staff(standard)
    per_hospital = dict(
        staff.order_by()
        .values("hospital_id")
        .annotate(n=Count("pk", distinct=True))
        .values_list("hospital_id", "n")
    )
    acknowledged: dict[int, int] = {}
    if standard.current_version_id is not None:
        acknowledged = dict(
            Acknowledgement.objects.filter(version_id=standard.current_version_id, user__in=staff)
            .order_by()
            .values("user__hospital_id")
            .annotate(n=Count("user_id", distinct=True))
            .values_list("user__hospital_id", "n")
        )
    hospitals = targeted_hospitals(standard).order_by("-is_lead", "name")
    rows = [Adoption(h, per_hospital.get(h.pk, 0), acknowledged.get(h.pk, 0)) for h in hospitals]
    overall = Adoption(None, sum(per_hospital.values()), sum(acknowledged.values()))
    return overall, rows
