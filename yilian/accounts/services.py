"""Every write to people and roles."""

from __future__ import annotations

import logging
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from yilian.core.links import LinkGone, new_token, token_hash
from yilian.notify.services import notify
from yilian.orgs.models import Department, Hospital, Team
from yilian.realtime.services import push_to_user

from .models import PasswordLink, RoleAssignment, RoleChange, User
from .roles import HOSPITAL_GRANTABLE_ROLES, PLATFORM_ASSIGNABLE_ROLES, Role, separation_conflict

logger = logging.getLogger(__name__)

# How long a set-password link stays valid.
PASSWORD_LINK_LIFETIME = timedelta(days=3)


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


def _add_role(user: User, role: str, *, actor: User | None) -> bool:
    """The one way a role is added to an account (False: already held). Refuses, changing
    nothing, a grant against the separation of duties (``roles.separation_conflict``)."""
    held = set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
    if role in held:
        return False
    conflict = separation_conflict(held, role)
    if conflict is not None:
        raise ValidationError(
            _(
                "%(name)s already holds the role “%(held)s”. The platform administrator, the "
                "security administrator and the auditor must be three different people "
                "(separation of duties), so “%(role)s” cannot be added to this account."
            )
            % {"name": user.name, "held": Role(conflict).label, "role": Role(role).label}
        )
    RoleAssignment.objects.create(user=user, role=role, granted_by=actor)
    user.__dict__.pop("roles", None)
    return True


def grant_role(user: User, role: str, *, actor: User | None = None) -> RoleAssignment:
    """Grant ``role`` without an actor's authorisation (command line, account allocation);
    the separation of duties still holds."""
    _add_role(user, role, actor=actor)
    return RoleAssignment.objects.get(user=user, role=role)


def update_profile(user: User, **fields: object) -> User:
    allowed = {"name", "email", "title", "licence_number", "department"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"not profile fields: {sorted(unknown)}")
    for name, value in fields.items():
        setattr(user, name, value)
    user.save(update_fields=sorted(fields))
    return user


# --- people management: roles, disabling, password links ------------------------------


def assignable_roles(actor: User) -> frozenset[str]:
    """The roles ``actor`` may grant or withdraw: a platform administrator the platform's
    operational roles, a hospital administrator staff roles inside their hospital."""
    if not actor.can_use_business:
        return frozenset()
    if actor.has_role(Role.PLATFORM_ADMIN):
        return PLATFORM_ASSIGNABLE_ROLES
    if actor.has_role(Role.HOSPITAL_ADMIN):
        return HOSPITAL_GRANTABLE_ROLES
    return frozenset()


def manages(actor: User, user: User) -> bool:
    """Whether ``user`` is one of the people ``actor`` manages (else: 404)."""
    if not actor.can_use_business:
        return False
    if actor.has_role(Role.PLATFORM_ADMIN):
        return True
    return bool(
        actor.has_role(Role.HOSPITAL_ADMIN)
        and actor.hospital_id is not None
        and user.hospital_id == actor.hospital_id
        and not user.is_platform_member
    )


def _authorise(actor: User, user: User, role: str | None = None) -> None:
    if not manages(actor, user):
        raise Http404
    if role is None:
        return
    if user.pk == actor.pk:
        raise PermissionDenied(
            _("You cannot change the roles of your own account; ask another administrator.")
        )
    if role not in assignable_roles(actor):
        raise PermissionDenied(_("You may not grant or withdraw this role."))


def _log_role_change(user: User, role: str, change: str, actor: User | None) -> RoleChange:
    from yilian.audit.models import AuditAction
    from yilian.audit.services import record

    entry = RoleChange.objects.create(
        user=user, hospital_id=user.hospital_id, role=role, change=change, actor=actor
    )
    record(None, action=AuditAction.UPDATE, target=user, actor=actor)
    user.__dict__.pop("roles", None)
    return entry


@transaction.atomic
def assign_role(user: User, role: str, *, actor: User) -> RoleChange | None:
    """Grant ``role`` to ``user`` (logged). Granting a role already held changes nothing."""
    if role not in Role.values:
        raise ValidationError(_("Unknown role."))
    _authorise(actor, user, role)
    User.objects.select_for_update().filter(pk=user.pk).first()
    if not _add_role(user, role, actor=actor):
        return None
    return _log_role_change(user, role, RoleChange.Change.GRANTED, actor)


@transaction.atomic
def withdraw_role(user: User, role: str, *, actor: User) -> RoleChange | None:
    """Withdraw ``role`` from ``user`` (logged). Nobody changes their own roles."""
    if role not in Role.values:
        raise ValidationError(_("Unknown role."))
    _authorise(actor, user, role)
    User.objects.select_for_update().filter(pk=user.pk).first()
    deleted, _rows = RoleAssignment.objects.filter(user=user, role=role).delete()
    if not deleted:
        return None
    return _log_role_change(user, role, RoleChange.Change.REVOKED, actor)


def log_role_granted(user: User, role: str, *, actor: User | None) -> RoleChange | None:
    """Grant ``role`` as part of a service that has authorised it already (activating a
    hospital makes its administrator), logged like every role change."""
    if not _add_role(user, role, actor=actor):
        return None
    return _log_role_change(user, role, RoleChange.Change.GRANTED, actor)


@transaction.atomic
def set_account_enabled(user: User, *, actor: User, enabled: bool) -> User:
    """Disable an account (it can no longer log in) or enable it again."""
    _authorise(actor, user)
    if user.pk == actor.pk:
        raise ValidationError(_("You cannot disable your own account."))
    locked = User.objects.select_for_update().get(pk=user.pk)
    if enabled:
        if locked.status != User.Status.DISABLED:
            return locked
        locked.status, locked.is_active = User.Status.ACTIVE, True
    else:
        if locked.status != User.Status.ACTIVE:
            raise ValidationError(_("Only an active account can be disabled."))
        locked.status, locked.is_active = User.Status.DISABLED, False
    locked.save(update_fields=["status", "is_active"])
    from yilian.audit.models import AuditAction
    from yilian.audit.services import record
    from yilian.security.services import revoke_sessions

    if not enabled:
        revoke_sessions(locked)  # signed out everywhere at once

    record(None, action=AuditAction.UPDATE, target=locked, actor=actor)
    return locked


def password_link_url(token: str) -> str:
    return settings.YILIAN_BASE_URL + reverse("accounts:set_password", args=[token])


def issue_password_link(user: User, *, actor: User | None) -> str:
    """A new one-time set-password link for ``user`` (earlier unused ones stop working);
    sent to the user's e-mail and phone after commit. Returns the token (never stored)."""
    token = new_token()
    PasswordLink.objects.filter(user=user, used_at__isnull=True).delete()
    PasswordLink.objects.create(
        user=user,
        token_hash=token_hash(token),
        created_by=actor,
        expires_at=timezone.now() + PASSWORD_LINK_LIFETIME,
    )
    transaction.on_commit(partial(_deliver_password_link, user.pk, token), robust=True)
    return token


def _deliver_password_link(user_pk: int, token: str) -> None:
    from yilian.notify.sms import SMSRateLimited, send_sms

    user = User.objects.get(pk=user_pk)
    url = password_link_url(token)
    text = _(
        "Yilian: set the password of your account (%(phone)s) within 3 days, once: %(url)s"
    ) % {"phone": user.masked_phone, "url": url}
    if user.email:
        send_mail(_("Set your Yilian password"), text, None, [user.email])
    try:
        send_sms(user.phone, text)
    except SMSRateLimited:
        pass  # logged by send_sms; the e-mail (if any) went out
    except Exception:
        logger.exception("set-password SMS to user %s failed", user.pk)


@transaction.atomic
def reset_password(user: User, *, actor: User) -> None:
    """An administrator resets a password: the old one stops working, the person gets a
    one-time link to choose a new one (nobody else ever sees a password)."""
    _authorise(actor, user)
    locked = User.objects.select_for_update().get(pk=user.pk)
    locked.set_unusable_password()
    locked.save(update_fields=["password"])
    issue_password_link(locked, actor=actor)


def password_link_user(token: str) -> User:
    """The user a set-password link is for: 404 unknown, ``LinkGone`` used or expired."""
    link = PasswordLink.objects.select_related("user").filter(token_hash=token_hash(token)).first()
    if link is None:
        raise Http404
    if link.used_at is not None:
        raise LinkGone("used")
    if link.expires_at <= timezone.now():
        raise LinkGone("expired")
    return link.user


@transaction.atomic
def set_password_with_link(token: str, password: str) -> User:
    """Use the link once: set the password (validated) and spend the link."""
    link = (
        PasswordLink.objects.select_for_update()
        .select_related("user")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if link is None:
        raise Http404
    if link.used_at is not None:
        raise LinkGone("used")
    if link.expires_at <= timezone.now():
        raise LinkGone("expired")
    user = link.user
    password_validation.validate_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    link.used_at = timezone.now()
    link.save(update_fields=["used_at"])
    return user


@transaction.atomic
def set_team_membership(user: User, team: Team, *, actor: User, member: bool) -> None:
    """A platform administrator puts an expert in an execution team or takes them out."""
    if not actor.can_use_business or not actor.has_role(Role.PLATFORM_ADMIN):
        raise PermissionDenied(_("Only a platform administrator manages execution teams."))
    if member and not user.has_role(Role.EXPERT):
        raise ValidationError(_("Only an expert can join an execution team."))
    if member:
        team.members.add(user)
    else:
        team.members.remove(user)
    from yilian.audit.models import AuditAction
    from yilian.audit.services import record

    record(None, action=AuditAction.UPDATE, target=team, actor=actor)
