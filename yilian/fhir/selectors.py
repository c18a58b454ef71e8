"""The scoped reads the FHIR facade adds. Each one is built from the selectors the pages
use (``BusinessRequest.objects.visible_to``, ``patients_visible_to``, ``plans_visible_to``,
``assessments_for``, ``entries_for``), so a resource is visible through FHIR exactly when
its page is; everything else is a 404 and absent from searches."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from yilian.accounts.models import User
from yilian.accounts.roles import CLINICAL_ROLES, Role
from yilian.files.models import FileAsset
from yilian.followups.models import FollowUpVisit
from yilian.followups.selectors import plans_visible_to
from yilian.orgs.models import Hospital
from yilian.realtime.models import RoomSession
from yilian.workflow.models import BusinessRequest, Opinion


def may_use_fhir(user: User) -> bool:
    """Active members with a role beside "patient": the facade serves hospitals' systems and
    the people who work in the alliance. A patient's own account gets nothing."""
    return bool(user.is_authenticated and user.can_use_business and (user.roles - {Role.PATIENT}))


def requests_visible_to(user: User) -> QuerySet[BusinessRequest]:
    return (
        BusinessRequest.objects.visible_to(user)
        .select_related(
            "applicant", "applicant_hospital", "team", "patient", "room", "consultation", "referral"
        )
        .prefetch_related("experts")
    )


def hospitals_visible_to(user: User) -> QuerySet[Hospital]:
    return Hospital.objects.visible_to(user).select_related("division")


def practitioners_visible_to(user: User) -> QuerySet[User]:
    """People with a clinical role (staff, experts, hospital administrators, managers) who
    are active. The platform sees everyone; others see their own hospital's people and the
    alliance's experts and managers (the people businesses are sent to)."""
    if not may_use_fhir(user):
        return User.objects.none()
    qs = User.objects.filter(
        is_active=True,
        status=User.Status.ACTIVE,
        role_assignments__role__in=list(CLINICAL_ROLES),
    )
    if not user.is_platform_member:
        outward = Q(role_assignments__role__in=[Role.EXPERT, Role.MANAGER])
        own = Q(hospital_id=user.hospital_id) if user.hospital_id else Q(pk=user.pk)
        qs = qs.filter(own | outward)
    ids = qs.values("pk")
    return (
        User.objects.filter(pk__in=ids)
        .select_related("hospital", "department")
        .prefetch_related("role_assignments")
    )


def appointments_visible_to(user: User) -> QuerySet[BusinessRequest]:
    """Requests with a booked time (confirmed onwards, or cancelled after booking)."""
    return requests_visible_to(user).filter(scheduled_start__isnull=False)


def encounters_visible_to(user: User) -> QuerySet[RoomSession]:
    """Sessions held for a business the user may see (the chat and record stay readable to
    whoever reads the request, as ``may_read_history`` says)."""
    visible = BusinessRequest.objects.visible_to(user).values("pk")
    return RoomSession.objects.filter(request_id__in=visible).select_related(
        "request", "request__patient", "request__applicant_hospital", "host", "room"
    )


def opinions_visible_to(user: User) -> QuerySet[Opinion]:
    visible = BusinessRequest.objects.visible_to(user).values("pk")
    return Opinion.objects.filter(request_id__in=visible).select_related(
        "author", "request", "request__patient", "request__room_session"
    )


def follow_up_answers_visible_to(user: User) -> QuerySet[FollowUpVisit]:
    """Answered follow-up visits of plans the user may see."""
    return FollowUpVisit.objects.filter(
        plan__in=plans_visible_to(user).values("pk"), answered_at__isnull=False
    ).select_related("plan", "plan__patient", "plan__doctor", "plan__request")


def documents_visible_to(user: User) -> QuerySet[FileAsset]:
    """Files attached to business requests the user may see (whoever sees a request sees
    its attachments — the request's file policy)."""
    visible = BusinessRequest.objects.visible_to(user).values("pk")
    return FileAsset.objects.filter(
        target_type=ContentType.objects.get_for_model(BusinessRequest), target_id__in=visible
    ).prefetch_related("owner", "target__patient")
