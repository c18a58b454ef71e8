"""Who manages standards and who is asked to read them."""

from __future__ import annotations

from typing import Any

from yilian.accounts.roles import Role
from yilian.accounts.selectors import is_active_member

MANAGER_ROLES = frozenset({Role.MANAGER, Role.PLATFORM_ADMIN})
# The roles a standard may be published to (the hospitals' clinical and managing staff).
TARGETABLE_ROLES = (Role.STAFF, Role.HOSPITAL_ADMIN)


def is_member(user: Any) -> bool:
    return is_active_member(user)


def may_manage(user: Any, _target: Any = None) -> bool:
    return is_member(user) and user.has_role(*MANAGER_ROLES)


def hospital_targeted(standard: Any, hospital: Any) -> bool:
    """The one rule of targeting (``selectors.targeted_hospitals`` is its SQL form): any
    active member hospital when nothing is chosen; otherwise the listed hospitals and those
    matching every chosen tier/category filter."""
    if hospital is None or hospital.status != hospital.Status.ACTIVE:
        return False
    tiers, categories = standard.target_tiers, standard.target_categories
    listed = {h.pk for h in standard.target_hospitals.all()}
    if not tiers and not categories and not listed:
        return True
    if hospital.pk in listed:
        return True
    if not tiers and not categories:
        return False
    return (not tiers or hospital.tier in tiers) and (
        not categories or hospital.category in categories
    )


def is_targeted(user: Any, standard: Any) -> bool:
    """Asked to read ``standard``: a member holding one of its roles at a targeted hospital."""
    return (
        is_member(user)
        and standard.current_version_id is not None
        and user.has_role(*standard.target_roles)
        and hospital_targeted(standard, user.hospital)
    )


def may_read(user: Any, standard: Any) -> bool:
    return may_manage(user) or is_targeted(user, standard)
