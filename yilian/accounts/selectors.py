"""Every scoped read of people."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet
from django.http import Http404

from .models import RoleChange, User, UserQuerySet
from .roles import PLATFORM_ROLES, Role


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


# --- people management -----------------------------------------------------------------


def can_manage_people(user: User) -> bool:
    return user.can_use_business and user.has_role(Role.HOSPITAL_ADMIN, Role.PLATFORM_ADMIN)


def people_for(
    actor: User, *, query: str = "", role: str = "", status: str = "", hospital: str = ""
) -> UserQuerySet:
    """The accounts ``actor`` manages: a platform administrator everyone, a hospital
    administrator the people of their hospital (not the platform's)."""
    if not can_manage_people(actor):
        return User.objects.none()
    qs = User.objects.select_related("hospital", "department").prefetch_related("role_assignments")
    if not actor.has_role(Role.PLATFORM_ADMIN):
        if actor.hospital_id is None:
            return User.objects.none()
        qs = qs.filter(hospital_id=actor.hospital_id).exclude(
            role_assignments__role__in=list(PLATFORM_ROLES)
        )
    elif hospital:
        try:
            qs = qs.filter(hospital__public_id=UUID(hospital))
        except ValueError:
            return User.objects.none()
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(phone__contains=query))
    if role:
        qs = qs.filter(role_assignments__role=role)
    if status:
        qs = qs.filter(status=status)
    return qs.exclude(role_assignments__role=Role.PATIENT).distinct().order_by("name", "id")


def get_person_for(actor: User, public_id: UUID | str) -> User:
    """404 — never 403 — for someone ``actor`` does not manage."""
    try:
        return people_for(actor).get(public_id=public_id)
    except (User.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def role_changes_for(actor: User, *, user: User | None = None) -> QuerySet[RoleChange]:
    """The role-change log: the platform's administrators and auditors read all of it, a
    hospital administrator their hospital's."""
    qs = RoleChange.objects.select_related("user", "actor", "hospital")
    if not actor.can_use_business:
        return qs.none()
    if not actor.has_role(Role.PLATFORM_ADMIN, Role.AUDITOR, Role.SECURITY_ADMIN):
        if not actor.has_role(Role.HOSPITAL_ADMIN) or actor.hospital_id is None:
            return qs.none()
        qs = qs.filter(hospital_id=actor.hospital_id)
    if user is not None:
        qs = qs.filter(user=user)
    return qs.order_by("-at", "-id")


def is_active_member(user: Any) -> bool:
    """A signed-in, active member of the alliance: holds a member role and is not a patient.
    The one test the modules' pages (classroom, live events, health education, standards,
    data reporting) start from."""
    return bool(
        user.is_authenticated
        and user.can_use_business
        and user.is_alliance_member
        and not user.has_role(Role.PATIENT)
    )
