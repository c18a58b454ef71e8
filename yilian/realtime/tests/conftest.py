"""Rooms are entered from scheduled business requests: reuse the closed loop's cast (a
test kind, the expert's team and a ``Loop`` that drives requests through the services)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation

from yilian.realtime.models import RoomSession
from yilian.realtime.services import open_request_session
from yilian.workflow.models import Status
from yilian.workflow.tests.conftest import kinds, loop, other_expert, team  # noqa: F401


@pytest.fixture
def english(settings) -> Iterator[None]:
    """English for tests that assert text. A room socket answers in the language its
    browser asks for, else the site's default; the test sockets ask for none, so the
    default language is switched too."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture
def scheduled(loop):  # noqa: F811
    """A confirmed video consultation: applicant ``staff_a``, the ``expert``'s team."""
    return loop.at(Status.CONFIRMED)


@pytest.fixture
def session(scheduled, staff_a) -> RoomSession:
    return open_request_session(scheduled, actor=staff_a)
