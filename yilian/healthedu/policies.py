"""Who may write, review and see health-education items — decided here, once.

Authors: any active member of the alliance with a hospital (patients are not authors).
Reviewers: the platform's managers and platform administrators for every item, and a
hospital administrator for their own hospital's items. Nobody reviews an item they wrote
(a hospital administrator's own item goes to another administrator or the managers).
Drafts are seen by their author and the item's reviewers; published items by everyone."""

from __future__ import annotations

from typing import Any

from yilian.accounts.roles import Role
from yilian.accounts.selectors import is_active_member

PLATFORM_REVIEWERS = frozenset({Role.MANAGER, Role.PLATFORM_ADMIN})


def is_member(user: Any) -> bool:
    """A signed-in, active member of the alliance (not a patient)."""
    return is_active_member(user)


def may_author(user: Any) -> bool:
    return is_member(user) and user.hospital_id is not None


def reviews_everything(user: Any) -> bool:
    return is_member(user) and user.has_role(*PLATFORM_REVIEWERS)


def reviews_hospital(user: Any, hospital_id: int | None) -> bool:
    """Whether ``user`` reviews items of the hospital ``hospital_id``."""
    return reviews_everything(user) or bool(
        is_member(user)
        and hospital_id is not None
        and user.hospital_id == hospital_id
        and user.has_role(Role.HOSPITAL_ADMIN)
    )


def may_review(user: Any, item: Any) -> bool:
    return reviews_hospital(user, item.hospital_id) and item.author_id != user.pk


def may_see(user: Any, item: Any) -> bool:
    """The staff view: published items for every member; others for the author and the
    item's reviewers."""
    if not is_member(user):
        return False
    return bool(
        item.is_published or item.author_id == user.pk or reviews_hospital(user, item.hospital_id)
    )


def may_edit(user: Any, item: Any = None) -> bool:
    """The author, or a reviewer of the item; never while it waits for review (the reviewer
    must approve what they read)."""
    if item is None:
        return may_author(user)
    if item.status == item.Status.SUBMITTED:
        return False
    return bool(
        may_author(user) and (item.author_id == user.pk or reviews_hospital(user, item.hospital_id))
    )


def may_unpublish(user: Any, item: Any) -> bool:
    """The author or a reviewer of the item may take it off its share page."""
    return bool(
        is_member(user) and (item.author_id == user.pk or reviews_hospital(user, item.hospital_id))
    )


def no_loose_files(_user: Any, _item: Any) -> bool:
    """An item has its video and cover, set by ``services.save_item`` (which authorises the
    edit itself); the generic attachments upload never adds files to an item."""
    return False


def is_public(item: Any) -> bool:
    return bool(item.is_published)
