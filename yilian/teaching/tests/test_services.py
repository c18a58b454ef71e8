from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from yilian.analytics.models import ActivityEvent, Metric
from yilian.files.models import FileAsset

from ..models import Course, LessonKind, LessonProgress
from ..selectors import continue_learning, course_completed, courses_for, lesson_rows
from ..services import (
    add_lesson,
    move_lesson,
    record_progress,
    remove_lesson,
    save_course,
    set_published,
)
from .conftest import mp4_upload, pdf_upload


def test_lessons_are_appended_in_order_with_their_file(course, video, document):
    assert [lesson.title for lesson in course.lessons.all()] == ["正常心电图", "讲义"]
    assert video.file.mime_type == "video/mp4"
    assert document.file.mime_type == "application/pdf"
    assert video.file.target == video


def test_only_platform_managers_manage_courses(staff_a, course):
    with pytest.raises(PermissionDenied):
        save_course(actor=staff_a, title="x")
    with pytest.raises(PermissionDenied):
        add_lesson(course, actor=staff_a, title="x", kind=LessonKind.PDF, upload=pdf_upload())
    assert Course.objects.count() == 1
    assert course.lessons.count() == 2


def test_a_video_lesson_needs_an_mp4_and_its_duration(manager, course):
    with pytest.raises(ValidationError):
        add_lesson(course, actor=manager, title="x", kind=LessonKind.VIDEO, upload=mp4_upload())
    with pytest.raises(ValidationError):
        add_lesson(
            course,
            actor=manager,
            title="x",
            kind=LessonKind.VIDEO,
            upload=pdf_upload(),
            duration_seconds=10,
        )
    assert course.lessons.count() == 2


def test_an_empty_course_cannot_be_published(manager):
    course = save_course(actor=manager, title="空课程")
    with pytest.raises(ValidationError):
        set_published(course, actor=manager, published=True)
    course.refresh_from_db()
    assert not course.published


def test_unpublished_courses_are_hidden_from_learners_but_not_managers(manager, staff_a, course):
    draft = save_course(actor=manager, title="草稿")
    assert list(courses_for(staff_a)) == [course]
    assert set(courses_for(manager)) == {course, draft}


def test_patients_see_no_course(patient, course):
    assert list(courses_for(patient)) == []


def test_lessons_can_be_reordered_and_removed(manager, course, video, document):
    move_lesson(document, actor=manager, up=True)
    assert [x.title for x in course.lessons.all()] == ["讲义", "正常心电图"]
    asset_id = video.file_id
    remove_lesson(video, actor=manager)
    assert [x.title for x in course.lessons.all()] == ["讲义"]
    assert not FileAsset.objects.filter(pk=asset_id).exists()


def test_progress_stores_the_latest_position_and_completes_at_ninety_percent(
    staff_a, video, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record_progress(video, user=staff_a, position=50)
        progress = record_progress(video, user=staff_a, position=30)  # sought back
    assert progress.position_seconds == 30
    assert progress.completed_at is None
    with django_capture_on_commit_callbacks(execute=True):
        progress = record_progress(video, user=staff_a, position=90)
    assert progress.completed_at is not None
    assert LessonProgress.objects.count() == 1


def test_a_completion_is_counted_once_as_a_training_participation(
    staff_a, video, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        record_progress(video, user=staff_a, position=95)
        record_progress(video, user=staff_a, position=100)
        record_progress(video, user=staff_a, position=20, finished=True)
    events = ActivityEvent.objects.filter(action=Metric.TRAINING)
    assert events.count() == 1
    event = events.get()
    assert (event.user, event.hospital_id, event.kind) == (
        staff_a,
        staff_a.hospital_id,
        "cloud_class",
    )


def test_the_position_is_clamped_to_the_video(staff_a, video):
    assert record_progress(video, user=staff_a, position=5000).position_seconds == 100


def test_a_document_completes_when_marked_read_and_the_course_when_all_lessons_do(
    staff_a, course, video, document
):
    record_progress(document, user=staff_a, position=0, finished=True)
    assert not course_completed(lesson_rows(staff_a, course))
    record_progress(video, user=staff_a, position=100)
    assert course_completed(lesson_rows(staff_a, course))


def test_patients_record_no_progress(patient, video):
    with pytest.raises(PermissionDenied):
        record_progress(video, user=patient, position=10)
    assert not LessonProgress.objects.exists()


def test_continue_learning_lists_unfinished_lessons_most_recent_first(staff_a, video, document):
    record_progress(document, user=staff_a, position=0)
    record_progress(video, user=staff_a, position=10)
    assert [p.lesson for p in continue_learning(staff_a)] == [video, document]
    record_progress(video, user=staff_a, position=100)
    assert [p.lesson for p in continue_learning(staff_a)] == [document]
