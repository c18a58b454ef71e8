"""Who may learn and who may manage the classroom."""

from __future__ import annotations

from typing import Any

from yilian.accounts.roles import CLINICAL_ROLES, Role
from yilian.accounts.selectors import is_active_member

MANAGER_ROLES = frozenset({Role.MANAGER, Role.PLATFORM_ADMIN})


def is_learner(user: Any) -> bool:
    """A signed-in, active member of the alliance (patients are not)."""
    return is_active_member(user)


def may_manage(user: Any, _target: Any = None) -> bool:
    return is_learner(user) and user.has_role(*MANAGER_ROLES)


def may_see_course(user: Any, course: Any) -> bool:
    """Published courses for learners (all for managers); a course for medical staff only
    (a surgery demonstration's replay) for clinical roles."""
    if may_manage(user):
        return True
    return (
        is_learner(user)
        and course.published
        and (not course.medical_staff_only or user.has_role(*CLINICAL_ROLES))
    )


def may_read_lesson(user: Any, lesson: Any) -> bool:
    return may_see_course(user, lesson.course)


def may_manage_class(user: Any, cme_class: Any) -> bool:
    """A CME class is run by the platform managers and by its organiser (the teaching-team
    member who scheduled it from a hospital's training request)."""
    return is_learner(user) and (
        user.has_role(*MANAGER_ROLES) or cme_class.created_by_id == user.pk
    )
