"""Every write to people and roles."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yilian.notify.services import notify
from yilian.orgs.models import Department, Hospital
from yilian.realtime.services import push_to_user

from .models import RoleAssignment, User
from .roles import Role


class RegistrationError(Exception):
    """A registration can no longer be reviewed (someone else already did)."""


@transaction.atomic
def register_staff(
    *,
    phone: str,
    name: str,
    password: str,
    hospital: Hospital,
    department: Department | None,
    title: str = "",
    licence_number: str = "",
    email: str = "",
) -> User:
    """A member of staff registers; they wait for their hospital admin's approval."""
    user = User.objects.create_user(
        phone=phone,
        password=password,
        name=name,
        hospital=hospital,
        department=department,
        title=title,
        licence_number=licence_number,
        email=email,
        status=User.Status.PENDING,
    )
    RoleAssignment.objects.create(user=user, role=Role.STAFF)
    reviewers = User.objects.active().with_role(Role.HOSPITAL_ADMIN).filter(hospital=hospital)
    notify(
        reviewers,
        verb="registration.submitted",
        title=_("%(name)s registered and waits for approval") % {"name": name},
        summary=_("A new member of staff registered and waits for your approval."),
        url=reverse("accounts:registration_detail", args=[user.public_id]),
    )
    return user


def _review(registration: User, *, actor: User, status: str, reason: str = "") -> User:
    locked = User.objects.select_for_update().get(pk=registration.pk)
    if locked.status != User.Status.PENDING:
        raise RegistrationError(
            _("This registration was already reviewed (%(status)s).")
            % {"status": locked.get_status_display()}
        )
    locked.status = status
    locked.rejection_reason = reason
    locked.reviewed_by = actor
    locked.reviewed_at = timezone.now()
    locked.save(update_fields=["status", "rejection_reason", "reviewed_by", "reviewed_at"])
    approved = status == User.Status.ACTIVE
    notify(
        [locked],
        verb="registration.approved" if approved else "registration.rejected",
        title=_("Your registration was approved")
        if approved
        else _("Your registration was rejected"),
        body=reason,
        summary=_("Your Yilian registration was approved.")
        if approved
        else _("Your Yilian registration was rejected."),
        url=reverse("web:home"),
    )
    transaction.on_commit(
        lambda: push_to_user(locked.public_id, "account.reviewed", {"status": status})
    )
    return locked


@transaction.atomic
def approve_registration(registration: User, *, actor: User) -> User:
    return _review(registration, actor=actor, status=User.Status.ACTIVE)


@transaction.atomic
def reject_registration(registration: User, *, actor: User, reason: str) -> User:
    reason = reason.strip()
    if not reason:
        raise ValueError("a reason is required to reject a registration")
    return _review(registration, actor=actor, status=User.Status.REJECTED, reason=reason)


def grant_role(user: User, role: str, *, actor: User | None = None) -> RoleAssignment:
    assignment, _created = RoleAssignment.objects.get_or_create(
        user=user, role=role, defaults={"granted_by": actor}
    )
    user.__dict__.pop("roles", None)
    return assignment


def update_profile(user: User, **fields: object) -> User:
    allowed = {"name", "email", "title", "licence_number", "department"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(user, name, value)
    user.save(update_fields=sorted(fields))
    return user
