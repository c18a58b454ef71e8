"""Supervision reuses the engine's test cast (kinds, team, the ``Loop`` driver)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation

from yilian.workflow.tests.conftest import kinds, loop, team  # noqa: F401 — fixtures


@pytest.fixture(autouse=True)
def _english(client) -> Iterator[None]:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield
