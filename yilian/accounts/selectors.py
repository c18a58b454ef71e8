"""Every scoped read of people."""

from __future__ import annotations

from uuid import UUID

from django.db.models import Q
from django.http import Http404

from .models import User, UserQuerySet
from .roles import Role


def can_review_registrations(user: User) -> bool:
    return user.can_use_business and user.has_role(Role.HOSPITAL_ADMIN, Role.PLATFORM_ADMIN)


def registrations_for_reviewer(
    reviewer: User, *, status: str | None = User.Status.PENDING, query: str = ""
) -> UserQuerySet:
    """Registrations a reviewer may see: a hospital admin sees their own hospital's only."""
    if not can_review_registrations(reviewer):
        return User.objects.none()
    qs = User.objects.with_role(Role.STAFF).select_related("hospital", "department")
    if not reviewer.has_role(Role.PLATFORM_ADMIN):
        if reviewer.hospital_id is None:  # filter(hospital_id=None) would mean IS NULL
            return User.objects.none()
        qs = qs.filter(hospital_id=reviewer.hospital_id)
    if status:
        qs = qs.filter(status=status)
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(phone__contains=query))
    return qs.order_by("-date_joined", "-id")


def get_registration_for_reviewer(reviewer: User, public_id: UUID | str) -> User:
    """404 — never 403 — for a registration outside the reviewer's scope."""
    try:
        return registrations_for_reviewer(reviewer, status=None).get(public_id=public_id)
    except (User.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def pending_registration_count(reviewer: User) -> int:
    return registrations_for_reviewer(reviewer).count()
