"""The cloud classroom on a doctor's phone: a video lesson watched to the middle is left,
reopened, and resumes where it stopped (the position is saved by the page's player and
the video is served with byte ranges so the browser can seek)."""

from __future__ import annotations

from playwright.sync_api import expect

from conftest import PASSWORD
from e2e.conftest import PHONE, log_in
from yilian.teaching.models import LessonKind, LessonProgress
from yilian.teaching.services import add_lesson, save_course, set_published
from yilian.teaching.tests.conftest import mp4_upload


def test_a_lesson_video_played_to_the_middle_resumes_there(new_context, staff_a, manager):
    course = save_course(actor=manager, title="心电图入门")
    lesson = add_lesson(
        course,
        actor=manager,
        title="正常心电图",
        kind=LessonKind.VIDEO,
        upload=mp4_upload(),
        duration_seconds=6,
    )
    set_published(course, actor=manager, published=True)

    page = new_context(PHONE).new_page()
    log_in(page, staff_a.phone, PASSWORD)
    page.goto("/classroom/")
    page.locator(f'[data-course="{course.public_id}"]').click()
    page.get_by_role("link", name="正常心电图").click()
    video = page.locator("video#lesson-video")
    expect(video).to_have_attribute("data-ready", "1")
    page.evaluate("document.getElementById('lesson-video').currentTime = 3")
    # Paused after seeking: the player posts the position.
    expect(video).to_have_attribute("data-saved", "3")
    progress = LessonProgress.objects.get(user=staff_a, lesson=lesson)
    assert progress.position_seconds == 3
    assert progress.completed_at is None

    page.goto("/")  # leave …
    expect(page.locator("#card-continue-learning")).to_contain_text("正常心电图")
    page.locator(f'#card-continue-learning [data-lesson="{lesson.public_id}"]').click()
    # … and come back: the player resumes at the saved position.
    expect(video).to_have_attribute("data-ready", "1")
    page.wait_for_function(
        "Math.abs(document.getElementById('lesson-video').currentTime - 3) < 0.5"
    )
