"""The follow-up part of the demo seeder: one alliance-wide template written by the demo
manager; a second run creates nothing."""

from __future__ import annotations

import pytest

from yilian.orgs import demo

from ..demo import TEMPLATE_NAME
from ..models import FollowUpTemplate

pytestmark = pytest.mark.django_db


def test_demo_seeding_writes_one_alliance_wide_template_once():
    first = demo.run_seed("small")

    assert first.created["followups"] == 1
    template = FollowUpTemplate.objects.get()
    assert template.name == TEMPLATE_NAME
    assert template.is_alliance_wide and template.is_active
    assert template.offsets == [7, 30, 90]
    assert len(template.questions) == 3
    assert template.created_by.phone == "13800000004"

    second = demo.run_seed("small")
    assert second.created["followups"] == 0
    assert FollowUpTemplate.objects.count() == 1
