"""Scoped reads of the linkage businesses: quotas with their seats taken, special business
types, and the advanced study whose admission letter a user may download."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from yilian.accounts.models import User
from yilian.orgs.models import Department
from yilian.workflow.models import BusinessRequest
from yilian.workflow.selectors import get_request_for_user

from .kinds import ADVANCED_STUDY
from .models import SEAT_HOLDING_STATUSES, AdvancedStudy, SpecialBusinessType, StudyQuota


def quota_departments() -> list[Department]:
    """The departments quotas are set for (those of the lead hospital)."""
    return list(Department.objects.filter(hospital__is_lead=True, is_active=True).order_by("name"))


def seat_holders(department: Any, month: Any) -> QuerySet[AdvancedStudy]:
    """The advanced studies holding a seat of ``department``'s quota for ``month`` — the
    one definition the confirmation check, the quota services and the quota list share.
    (Studies start on the first of a month, so the month is the start date.)"""
    return AdvancedStudy.objects.filter(
        department=department, start_date=month, request__status__in=SEAT_HOLDING_STATUSES
    )


def quotas(*, department: str = "", year: str = "", upcoming: bool = False) -> QuerySet[StudyQuota]:
    """Quotas with ``taken`` (seats held by confirmed students), soonest month first."""
    holders = (
        seat_holders(OuterRef("department"), OuterRef("month"))
        .order_by()
        .values("department")
        .annotate(n=Count("pk"))
        .values("n")
    )
    qs = StudyQuota.objects.select_related("department").annotate(
        taken=Coalesce(Subquery(holders, output_field=IntegerField()), Value(0))
    )
    if department:
        try:
            qs = qs.filter(department__public_id=UUID(department))
        except ValueError:
            qs = qs.none()
    if year.isdigit():
        qs = qs.filter(month__year=int(year))
    if upcoming:
        today = timezone.localdate().replace(day=1)
        qs = qs.filter(month__gte=today)
    return qs.order_by("month", "department__name", "pk")


def get_quota(public_id: UUID | str) -> StudyQuota:
    try:
        return quotas().get(public_id=public_id)
    except (StudyQuota.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


def special_types(*, query: str = "", active: str = "") -> QuerySet[SpecialBusinessType]:
    qs = SpecialBusinessType.objects.annotate(
        field_count=Count("fields", distinct=True),
        application_count=Count("applications", distinct=True),
    )
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(description__icontains=query))
    if active in {"yes", "no"}:
        qs = qs.filter(is_active=active == "yes")
    return qs.order_by("ordering", "name", "pk")


def get_special_type(public_id: UUID | str) -> SpecialBusinessType:
    try:
        return SpecialBusinessType.objects.get(public_id=public_id)
    except (SpecialBusinessType.DoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


@dataclass(frozen=True)
class AdmissionLetter:
    request: BusinessRequest
    study: AdvancedStudy


def admission_letter_for(user: User, public_id: UUID | str) -> AdmissionLetter:
    """The confirmed advanced study a user may see; 404 for anyone else, for other kinds
    and before the registration is confirmed."""
    request = get_request_for_user(user, public_id)
    if request.kind != ADVANCED_STUDY or request.status not in SEAT_HOLDING_STATUSES:
        raise Http404
    study = (
        AdvancedStudy.objects.select_related("department__hospital").filter(request=request).first()
    )
    if study is None:
        raise Http404
    return AdmissionLetter(request, study)
