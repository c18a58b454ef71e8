"""The API part of the demo seeder: one read-only token of the demo staff member, printed
once and usable; a second run makes none."""

from __future__ import annotations

import re

import pytest
from django.test import RequestFactory

from yilian.orgs import demo

from ..models import PersonalAccessToken
from ..tokens import user_for_bearer

pytestmark = pytest.mark.django_db


def test_demo_seeding_prints_one_usable_read_token():
    lines: list[str] = []
    first = demo.run_seed("small", log=lines.append)
    assert first.created["api"] == 1
    raw = re.search(r"\(shown once\): (\S+)", "\n".join(lines)).group(1)
    user = user_for_bearer(RequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {raw}"))
    assert user is not None and user.phone == "13800000007"
    assert PersonalAccessToken.objects.get().scope == "read"
    assert demo.run_seed("small").created["api"] == 0
    assert PersonalAccessToken.objects.count() == 1
