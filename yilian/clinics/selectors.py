"""Scoped reads of the e-clinic and the ward round; what a user may not see is a 404."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.functions import TruncDate
from django.http import Http404
from django.utils import timezone

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.core.dates import day_bounds
from yilian.orgs.models import Team
from yilian.workflow.models import BusinessRequest, Status
from yilian.workflow.rules import Who

from .kinds import E_CLINIC
from .models import (
    ClinicException,
    ClinicSchedule,
    ClinicSlot,
    ClinicVisit,
    WardRound,
    WardRoundPatient,
)
from .services import AFTER_COMPLETION, RELEASED_STATUSES


def live_bookings() -> QuerySet[ClinicVisit]:
    """Bookings that hold their slot (the request is neither cancelled nor rejected)."""
    return ClinicVisit.objects.exclude(request__status__in=RELEASED_STATUSES)


def free_slots(*, expert: User | None = None, now: datetime | None = None) -> QuerySet[ClinicSlot]:
    """Slots still ahead that no live booking holds, of experts in an active team serving
    e-clinics (a booking is routed to that team), soonest first."""
    booked = live_bookings().filter(slot=OuterRef("pk"))
    serving = Team.objects.filter(is_active=True, services__kind=E_CLINIC)
    experts = User.objects.filter(
        Q(teams__in=serving) | Q(led_teams__in=serving), is_active=True
    ).values("pk")
    closed = ClinicException.objects.filter(expert=OuterRef("expert"), date=OuterRef("day"))
    qs = ClinicSlot.objects.filter(start__gt=now or timezone.now(), expert__in=experts)
    if expert is not None:
        qs = qs.filter(expert=expert)
    qs = qs.annotate(day=TruncDate("start", tzinfo=timezone.get_current_timezone()))
    return (
        qs.filter(~Exists(booked), ~Exists(closed)).select_related("expert").order_by("start", "pk")
    )


def is_booked(slot: ClinicSlot) -> bool:
    return live_bookings().filter(slot=slot).exists()


def day_queue(expert: User, day: date | None = None) -> list[ClinicVisit]:
    """The expert's submitted bookings of ``day`` (today), in slot order."""
    start, end = day_bounds(day or timezone.localdate())
    return list(
        live_bookings()
        .filter(slot__expert=expert, slot__start__gte=start, slot__start__lt=end)
        .exclude(request__status=Status.DRAFT)
        .select_related("slot", "request", "request__patient")
        .order_by("slot__start", "pk")
    )


def schedules_of(expert: User) -> QuerySet[ClinicSchedule]:
    return ClinicSchedule.objects.filter(expert=expert).order_by("weekday", "start_time", "pk")


def exceptions_of(expert: User) -> QuerySet[ClinicException]:
    return ClinicException.objects.filter(expert=expert, date__gte=timezone.localdate())


def get_exception_for_expert(expert: User, public_id: UUID | str) -> ClinicException:
    try:
        return ClinicException.objects.get(expert=expert, public_id=public_id)
    except (ClinicException.DoesNotExist, ValueError):
        raise Http404 from None


def is_clinic_expert(user: User) -> bool:
    return bool(user.is_authenticated and user.can_use_business and user.has_role(Role.EXPERT))


def visit_of(request: BusinessRequest) -> ClinicVisit | None:
    return (
        ClinicVisit.objects.filter(request=request).select_related("slot", "slot__expert").first()
    )


def round_of(request: BusinessRequest) -> WardRound | None:
    return WardRound.objects.filter(request=request).first()


def rows_of(round_: WardRound) -> list[WardRoundPatient]:
    return list(
        round_.rows.select_related("patient", "commented_by", "action_by").order_by(
            "position", "pk"
        )
    )


def get_row_for_user(user: User, public_id: UUID | str) -> WardRoundPatient:
    """A patient row of a round the user may see; else 404."""
    try:
        row = WardRoundPatient.objects.select_related("round__request", "patient").get(
            public_id=public_id
        )
    except (WardRoundPatient.DoesNotExist, ValueError):
        raise Http404 from None
    if not BusinessRequest.objects.visible_to(user).filter(pk=row.round.request_id).exists():
        raise Http404
    return row


def may_comment(user: User, request: BusinessRequest) -> bool:
    return bool(
        request.status == Status.IN_PROGRESS
        and user.is_authenticated
        and user.can_use_business
        and request.experts.filter(pk=user.pk).exists()
    )


def may_record_action(user: User, request: BusinessRequest) -> bool:
    return request.status in AFTER_COMPLETION and Who(user, request).in_applicant_hospital
