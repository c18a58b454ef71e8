"""The live part of the demo seeder: three events, the past one with its replay lesson; a
second run creates nothing."""

from __future__ import annotations

import pytest

from yilian.orgs import demo

from ..models import EventKind, EventStatus, LiveEvent, ReplayStatus

pytestmark = pytest.mark.django_db


def test_demo_seeding_makes_a_conference_a_surgery_demonstration_and_a_replay_once():
    first = demo.run_seed("small")
    assert first.created["live"] == 3
    assert LiveEvent.objects.filter(kind=EventKind.SURGERY, patient_consent=False).count() == 1
    past = LiveEvent.objects.get(status=EventStatus.ENDED)
    assert past.replay_status == ReplayStatus.READY and past.replay.course.published
    assert all(e.chat_id for e in LiveEvent.objects.all())

    second = demo.run_seed("small")
    assert second.created["live"] == 0
    assert LiveEvent.objects.count() == 3
