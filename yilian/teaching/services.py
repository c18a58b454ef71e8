"""Writes of the cloud classroom: courses and lessons (platform managers), and progress
(every learner)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from yilian.accounts.models import User
from yilian.analytics.models import Metric
from yilian.analytics.services import record_activity
from yilian.files import services as files
from yilian.files.validators import MP4, PDF

from .models import COMPLETE_SHARE, Category, Course, Lesson, LessonKind, LessonProgress
from .policies import may_manage, may_read_lesson

ACTIVITY_KIND = "cloud_class"


def _check_manager(actor: User) -> None:
    if not may_manage(actor):
        raise PermissionDenied(_("Only platform managers may manage courses."))


def save_course(
    *,
    actor: User,
    title: str,
    description: str = "",
    category: Category | None = None,
    course: Course | None = None,
) -> Course:
    _check_manager(actor)
    if course is None:
        return Course.objects.create(
            title=title, description=description, category=category, created_by=actor
        )
    course.title, course.description, course.category = title, description, category
    course.save(update_fields=["title", "description", "category", "updated_at"])
    return course


def set_published(course: Course, *, actor: User, published: bool) -> Course:
    _check_manager(actor)
    if published and not course.lessons.exists():
        raise ValidationError(_("Add at least one lesson before publishing the course."))
    course.published = published
    course.save(update_fields=["published", "updated_at"])
    return course


def add_lesson(
    course: Course,
    *,
    actor: User,
    title: str,
    kind: str,
    upload: UploadedFile,
    duration_seconds: int = 0,
    max_bytes: int | None = None,
) -> Lesson:
    """Append a lesson with its file (an MP4 for a video, a PDF otherwise). ``max_bytes``
    overrides the upload limit for files that do not come from a browser (a live event's
    recording)."""
    _check_manager(actor)
    if kind == LessonKind.VIDEO and duration_seconds <= 0:
        raise ValidationError({"duration_seconds": _("Give the video's duration in seconds.")})
    allowed = {MP4} if kind == LessonKind.VIDEO else {PDF}
    with transaction.atomic():
        Course.objects.select_for_update().get(pk=course.pk)
        last = course.lessons.aggregate(m=Max("position"))["m"]
        lesson = Lesson.objects.create(
            course=course,
            position=0 if last is None else last + 1,
            title=title,
            kind=kind,
            duration_seconds=duration_seconds if kind == LessonKind.VIDEO else 0,
        )
        lesson.file = files.store_upload(
            upload,
            owner=actor,
            target=lesson,
            purpose="lesson",
            allowed_types=allowed,
            max_bytes=max_bytes,
        )
        lesson.save(update_fields=["file", "updated_at"])
    return lesson


def move_lesson(lesson: Lesson, *, actor: User, up: bool) -> None:
    """Swap ``lesson`` with its neighbour before (``up``) or after it."""
    _check_manager(actor)
    with transaction.atomic():
        Course.objects.select_for_update().get(pk=lesson.course_id)
        lessons = list(Lesson.objects.filter(course_id=lesson.course_id))
        index = next(i for i, x in enumerate(lessons) if x.pk == lesson.pk)
        other = index - 1 if up else index + 1
        if not 0 <= other < len(lessons):
            return
        lessons[index], lessons[other] = lessons[other], lessons[index]
        for position, item in enumerate(lessons):
            if item.position != position:
                Lesson.objects.filter(pk=item.pk).update(position=position)


def remove_lesson(lesson: Lesson, *, actor: User) -> None:
    _check_manager(actor)
    with transaction.atomic():
        asset = lesson.file
        lesson.file = None
        lesson.save(update_fields=["file", "updated_at"])
        lesson.delete()
        if asset is not None:
            key = asset.storage_key
            asset.delete()
            transaction.on_commit(lambda: default_storage.delete(key))
        course = Course.objects.get(pk=lesson.course_id)
        if course.published and not course.lessons.exists():
            course.published = False
            course.save(update_fields=["published", "updated_at"])


def record_progress(
    lesson: Lesson, *, user: User, position: int, finished: bool = False
) -> LessonProgress:
    """Store ``user``'s latest position in ``lesson`` (seconds, clamped to the video) and
    complete it once the video is watched to 90 % of its duration or the document is marked
    read. A completion is counted once, as a training participation for the dashboard."""
    if not may_read_lesson(user, lesson):
        raise PermissionDenied
    if lesson.is_video and lesson.duration_seconds:
        position = min(max(position, 0), lesson.duration_seconds)
        finished = finished or position >= COMPLETE_SHARE * lesson.duration_seconds
    else:
        position = max(position, 0)
    with transaction.atomic():
        progress, _created = LessonProgress.objects.get_or_create(user=user, lesson=lesson)
        progress = LessonProgress.objects.select_for_update().get(pk=progress.pk)
        newly_complete = finished and progress.completed_at is None
        if progress.position_seconds == position and not newly_complete and not _created:
            return progress  # nothing new: no write
        progress.position_seconds = position
        if newly_complete:
            progress.completed_at = timezone.now()
        progress.save()
        if newly_complete:
            transaction.on_commit(
                lambda: record_activity(
                    action=Metric.TRAINING,
                    user=user,
                    hospital=user.hospital_id,
                    kind=ACTIVITY_KIND,
                )
            )
    return progress
