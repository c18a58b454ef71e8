"""Roles (ARCHITECTURE §3). One list, read by models, selectors, navigation and seeding."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    PLATFORM_ADMIN = "platform_admin", _("platform administrator")
    SECURITY_ADMIN = "security_admin", _("security administrator")
    AUDITOR = "auditor", _("auditor")
    MANAGER = "manager", _("platform manager")
    EXPERT = "expert", _("expert")
    HOSPITAL_ADMIN = "hospital_admin", _("hospital administrator")
    STAFF = "staff", _("medical staff")
    ROOM_ADMIN = "room_admin", _("room administrator")
    PATIENT = "patient", _("patient")


# Roles held by the platform itself (the lead hospital's management side): they see the
# whole alliance. Everyone else is scoped to their own hospital.
PLATFORM_ROLES = frozenset({Role.PLATFORM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR, Role.MANAGER})

# Roles a hospital administrator may hand out inside their own hospital.
HOSPITAL_GRANTABLE_ROLES = frozenset({Role.STAFF, Role.HOSPITAL_ADMIN})

# Roles a platform administrator assigns (the two administrator roles themselves are given
# from the command line). Nobody changes the roles of their own account in the application,
# and the separation of duties below holds for every grant.
PLATFORM_ASSIGNABLE_ROLES = frozenset(
    {
        Role.MANAGER,
        Role.EXPERT,
        Role.AUDITOR,
        Role.ROOM_ADMIN,
        Role.HOSPITAL_ADMIN,
        Role.STAFF,
    }
)

# Separation of duties (三员分立): system administration, security administration and audit
# are held by three different people, so nobody audits or secures their own work. No account
# ever holds more than one of these; every way of granting a role checks ``separation_conflict``.
SEPARATED_ROLES = frozenset({Role.PLATFORM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR})


def separation_conflict(held: Iterable[str], role: str) -> str | None:
    """The role already ``held`` that granting ``role`` would combine against the separation of
    duties, or ``None`` when the grant keeps the three duties apart."""
    if role not in SEPARATED_ROLES:
        return None
    return next((r for r in sorted(held) if r in SEPARATED_ROLES and r != role), None)


# Roles that carry clinical work (may see business pages of their hospital).
CLINICAL_ROLES = frozenset({Role.STAFF, Role.EXPERT, Role.HOSPITAL_ADMIN, Role.MANAGER})
