"""What goes into a person's calendar: each business app registers a source in its
``AppConfig.ready()`` (as it registers its kinds), and the feed asks every source::

    agenda.sources.register(upcoming_sessions)

A source takes the person and the window and yields ``Entry`` values. Entries carry no
patient details: a calendar is synchronised to phones and calendar services outside the
hospital, so a title says what and where, and the link leads back into the platform.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from yilian.accounts.models import User


@dataclass(frozen=True)
class Entry:
    uid: str  # stable across fetches, so a moved session updates the phone's copy
    summary: str
    start: datetime | date  # a date is an all-day entry
    end: datetime | date | None
    time_zone: str  # the host hospital's zone, which the entry is shown in
    path: str  # the page in the platform
    location: str = ""

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, datetime)


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime


Source = Callable[["User", Window], Iterable[Entry]]

_SOURCES: list[Source] = []


def register(source: Source) -> Source:
    if source not in _SOURCES:
        _SOURCES.append(source)
    return source


def registered() -> tuple[Source, ...]:
    return tuple(_SOURCES)
