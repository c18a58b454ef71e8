"""Who may watch, chat in, organise and create live events — one place for the audience
rules (pages, HLS files, heartbeats and the chat all ask here)."""

from __future__ import annotations

from typing import Any

from yilian.accounts.roles import CLINICAL_ROLES, Role
from yilian.teaching.policies import is_learner, may_manage

from .models import Audience, EventKind


def is_member(user: Any) -> bool:
    """A signed-in, active member of the alliance who is not a patient."""
    return is_learner(user)


def is_medical_staff(user: Any) -> bool:
    """A registered member with a clinical role (never a patient account)."""
    return is_member(user) and user.has_role(*CLINICAL_ROLES) and not user.has_role(Role.PATIENT)


def may_create(user: Any) -> bool:
    """Platform managers run the alliance's teaching: they create events."""
    return may_manage(user)


def is_organiser(user: Any, event: Any) -> bool:
    """The event's creator, its named organisers, and platform managers."""
    if not is_member(user):
        return False
    if may_manage(user) or event.created_by_id == user.pk:
        return True
    return event.organisers.filter(pk=user.pk).exists()


def may_watch(user: Any, event: Any) -> bool:
    """The audience rule: surgery demonstrations for medical staff only; conferences for
    members, or for everyone when public."""
    if is_organiser(user, event):
        return True
    if event.kind == EventKind.SURGERY:
        return is_medical_staff(user)
    if event.audience == Audience.PUBLIC:
        return True
    return is_member(user)


def may_chat(user: Any, event: Any) -> bool:
    """The Q&A is for signed-in members of the audience (not anonymous public viewers)."""
    return is_member(user) and may_watch(user, event)
