"""The classroom part of the demo seeder: two published courses with a video lesson each;
a second run creates nothing."""

from __future__ import annotations

import pytest

from yilian.orgs import demo

from ..models import Course, LessonKind

# Live events add their replays to the classroom as courses of their own category.
REPLAYS = "直播回放"

pytestmark = pytest.mark.django_db


def test_demo_seeding_publishes_two_courses_once():
    first = demo.run_seed("small")

    assert first.created["teaching"] == 2
    courses = Course.objects.exclude(category__name=REPLAYS)
    assert {c.published for c in courses} == {True}
    for course in courses:
        kinds = [lesson.kind for lesson in course.lessons.all()]
        assert kinds[0] == LessonKind.VIDEO and len(kinds) >= 2
        assert all(lesson.file_id for lesson in course.lessons.all())

    second = demo.run_seed("small")
    assert second.created["teaching"] == 0
    assert Course.objects.exclude(category__name=REPLAYS).count() == 2


def test_demo_seeding_publishes_a_cme_class_with_enrolments_once():
    from ..demo import CME_TITLE
    from ..models import CmeClass

    first = demo.run_seed("small")

    cme_class = CmeClass.objects.get(title=CME_TITLE)
    assert cme_class.published and cme_class.sessions.exists()
    assert first.created["teaching_cme"] == 1 + cme_class.enrolments.count()
    assert cme_class.enrolments.filter(status="approved").exists()
    second = demo.run_seed("small")
    assert second.created["teaching_cme"] == 0
    assert CmeClass.objects.count() == 1
