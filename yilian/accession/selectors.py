"""Every scoped read of hospital accession."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db.models import QuerySet
from django.http import Http404

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.core.links import token_hash
from yilian.files.models import FileAsset
from yilian.files.selectors import files_for
from yilian.orgs.models import CooperationPlan, Hospital

from .models import Application, Assessment, Question, Section


def _platform(user: User) -> bool:
    return bool(
        user.is_authenticated
        and user.can_use_business
        and user.has_role(Role.MANAGER, Role.PLATFORM_ADMIN)
    )


def may_read_licence(user: User, application: Any) -> bool:
    """The platform reviews the licence; nobody else reads it."""
    return _platform(user)


def applications_for(user: User, *, status: str = "", query: str = "") -> QuerySet[Application]:
    if not _platform(user):
        return Application.objects.none()
    qs = Application.objects.select_related("hospital", "contact")
    if status:
        qs = qs.filter(status=status)
    if query:
        qs = qs.filter(hospital__name__icontains=query)
    return qs.order_by("-submitted_at", "-id")


def get_application_for_user(user: User, public_id: UUID | str) -> Application:
    try:
        return applications_for(user).get(public_id=public_id)
    except (Application.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def application_for_token(token: str) -> Application:
    """The application the applicant's link is for (404 for an unknown token)."""
    application = (
        Application.objects.select_related("hospital", "hospital__division", "contact")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if application is None:
        raise Http404
    return application


def licence_of(application: Application) -> FileAsset | None:
    found = files_for(application, "licence")
    return found[-1] if found else None


def assessments_for(user: User, *, status: str = "") -> QuerySet[Assessment]:
    """Platform: every assessment; a hospital administrator: their hospital's."""
    qs = Assessment.objects.select_related("hospital")
    if _platform(user):
        pass
    elif user.is_authenticated and user.has_role(Role.HOSPITAL_ADMIN) and user.hospital_id:
        qs = qs.filter(hospital_id=user.hospital_id)
    else:
        return qs.none()
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-year", "-submitted_at", "-id")


def get_assessment_for_user(user: User, public_id: UUID | str) -> Assessment:
    try:
        return assessments_for(user).get(public_id=public_id)
    except (Assessment.DoesNotExist, ValueError) as exc:
        raise Http404 from exc


def open_assessment_of(hospital: Hospital) -> Assessment | None:
    return (
        Assessment.objects.filter(hospital=hospital, status=Assessment.Status.OPEN)
        .order_by("-year")
        .first()
    )


def latest_assessment_of(hospital: Hospital) -> Assessment | None:
    return Assessment.objects.filter(hospital=hospital).order_by("-year", "-created_at").first()


def active_questions() -> list[Question]:
    return list(Question.objects.filter(is_active=True))


def questions_by_section(questions: list[Question]) -> list[tuple[str, list[Question]]]:
    return [
        (str(label), [q for q in questions if q.section == value])
        for value, label in Section.choices
        if any(q.section == value for q in questions)
    ]


def answers_by_section(assessment: Assessment) -> list[tuple[str, list[dict[str, Any]]]]:
    return [
        (str(label), [a for a in assessment.answers if a["section"] == value])
        for value, label in Section.choices
        if any(a["section"] == value for a in assessment.answers)
    ]


def plan_of(hospital: Hospital | None) -> CooperationPlan | None:
    if hospital is None:
        return None
    return CooperationPlan.objects.filter(hospital=hospital).first()
