"""Scoped reads of follow-up: one place decides who sees which plan (a 404 otherwise).

The plan's hospital and — for a plan from a consultation or referral — the hospital on
the other side see the plan and its results; the platform's roles see all of them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.workflow.models import BusinessRequest

from .models import FollowUpPlan, FollowUpTemplate, FollowUpVisit, VisitStatus
from .services import may_edit_template, may_write_templates

# "Due" lists what falls due within this many days.
DUE_AHEAD = timedelta(days=7)


def plans_visible_to(user: User) -> QuerySet[FollowUpPlan]:
    if not user.is_authenticated or not user.can_use_business:
        return FollowUpPlan.objects.none()
    qs = FollowUpPlan.objects.select_related("hospital", "doctor", "patient", "request")
    if user.is_platform_member:
        return qs
    # The hospitals' staff; an expert sees a plan only through its request's team.
    if user.hospital_id and user.has_role(Role.STAFF, Role.HOSPITAL_ADMIN):
        return qs.filter(Q(hospital_id=user.hospital_id) | Q(other_hospital_id=user.hospital_id))
    return FollowUpPlan.objects.none()


def get_plan_for_user(user: User, public_id: UUID | str) -> FollowUpPlan:
    try:
        return plans_visible_to(user).get(public_id=public_id)
    except (FollowUpPlan.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


def get_visit_for_user(user: User, public_id: UUID | str) -> FollowUpVisit:
    try:
        return FollowUpVisit.objects.select_related("plan").get(
            public_id=public_id, plan__in=plans_visible_to(user)
        )
    except (FollowUpVisit.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


def plan_of(request: BusinessRequest) -> FollowUpPlan | None:
    return FollowUpPlan.objects.filter(request=request).first()


def plans_from(user: User, source: BusinessRequest) -> QuerySet[FollowUpPlan]:
    """The follow-up plans started from ``source`` that ``user`` may see."""
    return plans_visible_to(user).filter(source_request=source).order_by("-created_at")


def visits_with_questions(plan: FollowUpPlan) -> list[dict[str, Any]]:
    """Each visit with its questions paired with the answers (for the plan page)."""
    rows = []
    for visit in plan.visits.order_by("number"):
        qa = [
            {"question": q, "answer": visit.answers.get(f"q{n}")}
            for n, q in enumerate(plan.questions, start=1)
        ]
        rows.append({"visit": visit, "answers": qa})
    return rows


def doctor_visits(user: User, which: str) -> QuerySet[FollowUpVisit]:
    """The responsible doctor's visits: ``due`` (open, due within a week), ``overdue``
    (open, past the due date) or ``attention`` (missed or escalated)."""
    today = timezone.localdate()
    qs = FollowUpVisit.objects.filter(
        plan__doctor=user, plan__request__status__in=LIVE_STATUSES
    ).select_related("plan", "plan__patient")
    if which == "overdue":
        return qs.filter(status=VisitStatus.DUE, due_date__lt=today).order_by("due_date", "pk")
    if which == "attention":
        return qs.filter(status__in=[VisitStatus.MISSED, VisitStatus.ESCALATED]).order_by(
            "-due_date", "-pk"
        )
    return qs.filter(
        status=VisitStatus.DUE, due_date__gte=today, due_date__lte=today + DUE_AHEAD
    ).order_by("due_date", "pk")


LIVE_STATUSES = [
    BusinessRequest.Status.SUBMITTED,
    BusinessRequest.Status.APPROVED,
    BusinessRequest.Status.DISPATCHED,
    BusinessRequest.Status.DECLINED,
    BusinessRequest.Status.CONFIRMED,
    BusinessRequest.Status.PUBLISHED,
    BusinessRequest.Status.IN_PROGRESS,
]


def templates_to_manage(user: User) -> QuerySet[FollowUpTemplate]:
    """The templates a hospital admin or the management team sees on the templates page:
    their hospital's and the alliance's (only some are theirs to edit)."""
    if not may_write_templates(user) or user.hospital is None:
        return FollowUpTemplate.objects.none()
    return FollowUpTemplate.objects.filter(
        Q(hospital__isnull=True) | Q(hospital_id=user.hospital_id),
        alliance_id=user.hospital.alliance_id,
    ).order_by("hospital_id", "name", "pk")


def get_template_to_edit(user: User, public_id: UUID | str) -> FollowUpTemplate:
    try:
        template = templates_to_manage(user).get(public_id=public_id)
    except (FollowUpTemplate.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None
    if not may_edit_template(user, template):
        raise Http404
    return template


def outcome_after(request: BusinessRequest) -> str:
    """What the latest answered follow-up visit of ``request``'s patient after it was
    completed says ("Day 30: question — answer; …"); empty when nothing is known yet."""
    if request.patient_id is None or request.completed_at is None:
        return ""
    visit = (
        FollowUpVisit.objects.filter(
            plan__patient_id=request.patient_id,
            answered_at__gte=request.completed_at,
        )
        .select_related("plan")
        .order_by("-answered_at")
        .first()
    )
    if visit is None:
        return ""
    answers = "; ".join(
        f"{q.get('label', '')} — {_answer_text(visit.answers.get(f'q{n}'))}"
        for n, q in enumerate(visit.plan.questions, start=1)
        if visit.answers.get(f"q{n}") not in (None, "")
    )
    return gettext("Follow-up day %(day)d: %(answers)s") % {
        "day": visit.offset_days,
        "answers": answers,
    }


def _answer_text(value: Any) -> str:
    if value is True:
        return gettext("yes")
    if value is False:
        return gettext("no")
    return str(value)
