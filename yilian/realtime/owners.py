"""Sessions owned by another app (ARCHITECTURE §5).

A business session takes its people from its request and a standing-room session from its
invitations. Other apps that need the same chat (a live event's Q&A) own their sessions:
they register, under the code stored in ``RoomSession.owner``, who takes part, who
moderates and whether the session is open. The realtime selectors ask the owner; an
unknown code lets nobody in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import RoomSession


@dataclass(frozen=True)
class SessionOwner:
    # May ``user`` take part (read, write, be present)?
    is_participant: Callable[[Any, RoomSession], bool]
    # Does ``user`` moderate the session (mute, remove, lock, end)?
    is_admin: Callable[[Any, RoomSession], bool]
    # Is the session open for entering now?
    is_open: Callable[[RoomSession], bool]
    # May participants share files in the chat (a large audience's Q&A: text only)?
    allows_files: bool = True


def _nobody(*_args: Any) -> bool:
    return False


NOBODY = SessionOwner(is_participant=_nobody, is_admin=_nobody, is_open=_nobody, allows_files=False)

_OWNERS: dict[str, SessionOwner] = {}


def register(code: str, owner: SessionOwner) -> None:
    """Called from the owning app's ``AppConfig.ready``."""
    _OWNERS[code] = owner


def owner_of(session: RoomSession) -> SessionOwner | None:
    """The rules of an owned session (``NOBODY`` for an unknown code); ``None`` for a
    business or standing-room session."""
    if not session.owner:
        return None
    return _OWNERS.get(session.owner, NOBODY)
