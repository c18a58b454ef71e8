"""Scoped reads of the health-education library: one place decides who sees which item (a
404 otherwise), what the public share page shows, and what a patient has been given."""

from __future__ import annotations

from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404

from yilian.accounts.models import User
from yilian.accounts.roles import PLATFORM_ROLES, Role
from yilian.followups.models import FollowUpPlan
from yilian.patients.models import Patient, phone_is

from .models import Item, ItemEvent, PlanItem, Status
from .policies import PLATFORM_REVIEWERS, is_member


def items_visible_to(user: User) -> QuerySet[Item]:
    """Published items for every member; drafts and items under review for their author and
    their reviewers (``policies.may_see``, as a query)."""
    if not is_member(user):
        return Item.objects.none()
    items = Item.objects.select_related("category", "hospital", "author", "cover")
    if user.has_role(*PLATFORM_REVIEWERS):
        return items
    mine = Q(status=Status.PUBLISHED) | Q(author_id=user.pk)
    if user.hospital_id and user.has_role(Role.HOSPITAL_ADMIN):
        mine |= Q(hospital_id=user.hospital_id)
    return items.filter(mine)


def library(
    user: User,
    *,
    query: str = "",
    category: int | None = None,
    tag: str = "",
    status: str = "",
) -> QuerySet[Item]:
    """The staff library, searched by title, summary or text and filtered."""
    items = items_visible_to(user)
    if query:
        items = items.filter(
            Q(title__icontains=query) | Q(summary__icontains=query) | Q(body__icontains=query)
        )
    if category:
        items = items.filter(category_id=category)
    if tag:
        items = items.filter(tags__name=tag)
    if status in Status.values:
        items = items.filter(status=status)
    return items.prefetch_related("tags").distinct()


def review_queue(user: User) -> QuerySet[Item]:
    """Items waiting for ``user``'s review (not their own), oldest first."""
    items = items_visible_to(user).filter(status=Status.SUBMITTED).exclude(author_id=user.pk)
    if not user.has_role(*PLATFORM_REVIEWERS):
        if not user.has_role(Role.HOSPITAL_ADMIN) or user.hospital_id is None:
            return items.none()
        items = items.filter(hospital_id=user.hospital_id)
    return items.order_by("submitted_at", "id")


def get_item_for_user(user: User, public_id: UUID | str) -> Item:
    try:
        return items_visible_to(user).get(public_id=public_id)
    except (Item.DoesNotExist, ValidationError, ValueError):
        raise Http404 from None


def get_published(slug: str) -> Item:
    """The item behind a share link, for anyone — only while it is published."""
    try:
        return Item.objects.select_related("hospital", "video", "cover", "category").get(
            slug=slug, status=Status.PUBLISHED
        )
    except Item.DoesNotExist:
        raise Http404 from None


def timeline(item: Item) -> QuerySet[ItemEvent]:
    return item.events.select_related("actor")


def published_items() -> QuerySet[Item]:
    return Item.objects.filter(status=Status.PUBLISHED).order_by("title", "id")


def items_of_plan(plan: FollowUpPlan, *, published_only: bool = True) -> list[Item]:
    """The items attached to ``plan`` (what its patient receives: published ones only)."""
    links = PlanItem.objects.filter(plan=plan).select_related("item")
    if published_only:
        links = links.filter(item__status=Status.PUBLISHED)
    return [link.item for link in links]


def patient_records_of(user: User) -> QuerySet[Patient]:
    """The patient records that are ``user``'s own: a patient account is matched to the
    hospitals' records by the keyed hash of its login mobile number (the records keep the
    number encrypted, so only the hash can be compared)."""
    if not (
        user.is_authenticated
        and user.can_use_business
        and user.has_role(Role.PATIENT)
        and not user.has_role(*PLATFORM_ROLES)
        and user.phone
    ):
        return Patient.objects.none()
    return Patient.objects.filter(phone_is(user.phone))


def items_for_patient(user: User) -> QuerySet[PlanItem]:
    """The published items attached to the follow-up plans of ``user``'s own records,
    newest first (one row per plan and item)."""
    return (
        PlanItem.objects.filter(
            plan__patient__in=patient_records_of(user), item__status=Status.PUBLISHED
        )
        .select_related("item", "item__cover", "plan", "plan__hospital")
        .order_by("-attached_at", "-id")
    )


def patient_accounts_of(patient: Patient) -> QuerySet[User]:
    """The patient accounts matching ``patient``'s record (the other direction of
    ``patient_records_of``): active patient logins with the record's mobile number."""
    if not patient.phone:
        return User.objects.none()
    return User.objects.filter(
        phone=patient.phone,
        is_active=True,
        status=User.Status.ACTIVE,
        role_assignments__role=Role.PATIENT,
    ).distinct()
