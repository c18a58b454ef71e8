"""Who may see which patient (the one place that decides it; everything else is a 404).

A patient is visible to the staff and administrators of their hospital, and to the experts
assigned to — or on the team of — a request about them while that request is open."""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.workflow.models import TERMINAL_STATUSES, BusinessRequest

from .models import Patient


def patients_visible_to(user: User) -> QuerySet[Patient]:
    if not user.is_authenticated or not user.can_use_business:
        return Patient.objects.none()
    scope = Q()
    if user.hospital_id and user.has_role(Role.STAFF, Role.HOSPITAL_ADMIN):
        scope |= Q(hospital_id=user.hospital_id)
    if user.has_role(Role.EXPERT):
        open_requests = BusinessRequest.objects.exclude(status__in=TERMINAL_STATUSES).filter(
            Q(experts=user) | Q(team__members=user) | Q(team__lead=user)
        )
        scope |= Q(pk__in=open_requests.filter(patient__isnull=False).values("patient_id"))
    if not scope:
        return Patient.objects.none()
    return Patient.objects.filter(scope).select_related("hospital")


def get_patient_for_user(user: User, public_id: UUID | str) -> Patient:
    try:
        return patients_visible_to(user).get(public_id=public_id)
    except (Patient.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


def patients_to_choose(user: User) -> QuerySet[Patient]:
    """The patients ``user`` may name in a new request: those of their own hospital."""
    if not user.is_authenticated or not user.hospital_id:
        return Patient.objects.none()
    if not user.has_role(Role.STAFF, Role.HOSPITAL_ADMIN):
        return Patient.objects.none()
    return Patient.objects.filter(hospital_id=user.hospital_id).order_by("name", "pk")
