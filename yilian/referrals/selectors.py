"""Scoped reads of referrals: the hospitals and departments a referral may go to, the
detail row, and the letter a user may download. The request itself is read through
``workflow.selectors`` (which decides who sees it: everyone else gets a 404)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404

from yilian.accounts.models import User
from yilian.orgs.models import Department, Hospital
from yilian.workflow.models import BusinessRequest, Status
from yilian.workflow.selectors import get_request_for_user

from .kinds import REFERRAL
from .models import Referral

# A bed or an appointment is booked from "confirmed" on: the letter exists from then.
BOOKED_STATUSES = frozenset(
    {
        Status.CONFIRMED,
        Status.PUBLISHED,
        Status.IN_PROGRESS,
        Status.COMPLETED,
        Status.FEEDBACK_GIVEN,
        Status.CLOSED,
    }
)


def receiving_hospitals(user: User) -> QuerySet[Hospital]:
    """The active member hospitals of ``user``'s alliance other than their own (the
    direction decides which of them fit, see ``services.may_receive``)."""
    hospital = user.hospital if user.is_authenticated else None
    if hospital is None:
        return Hospital.objects.none()
    return (
        Hospital.objects.active()
        .filter(alliance_id=hospital.alliance_id)
        .exclude(pk=hospital.pk)
        .order_by("-is_lead", "tier", "name")
    )


def departments_of_hospital(public_id: UUID | str | None) -> QuerySet[Department]:
    """The active departments of an active hospital (none for an unknown one)."""
    if not public_id:
        return Department.objects.none()
    try:
        return Department.objects.filter(
            hospital__public_id=public_id,
            hospital__status=Hospital.Status.ACTIVE,
            is_active=True,
        ).order_by("name")
    except (ValueError, ValidationError):
        return Department.objects.none()


def referral_of(request: BusinessRequest) -> Referral | None:
    return (
        Referral.objects.select_related("target_hospital", "target_department")
        .filter(request=request)
        .first()
    )


def is_booked(request: BusinessRequest) -> bool:
    return request.kind == REFERRAL and request.status in BOOKED_STATUSES


@dataclass(frozen=True)
class ReferralLetter:
    request: BusinessRequest
    referral: Referral
    consent: Any


def letter_for(user: User, public_id: UUID | str) -> ReferralLetter:
    """The booked referral a user may see; 404 for anyone else, for other kinds and
    before the receiving side has confirmed."""
    from yilian.patients.models import Consent

    request = get_request_for_user(user, public_id)
    if not is_booked(request):
        raise Http404
    referral = referral_of(request)
    if referral is None:
        raise Http404
    consent = (
        Consent.objects.filter(request=request, signed_at__isnull=False)
        .order_by("-signed_at")
        .first()
    )
    return ReferralLetter(request, referral, consent)
