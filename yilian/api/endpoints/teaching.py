"""The cloud classroom: courses, lessons and the caller's progress (recorded with the
same service as the lesson player)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router

from yilian.teaching import selectors, services
from yilian.teaching.forms import ProgressForm
from yilian.teaching.models import Course, Lesson, LessonProgress
from yilian.teaching.policies import is_learner

from ..errors import ApiError, errors
from ..pagination import DEFAULT_LIMIT, page
from ..schemas import CourseDetailOut, CoursePage, LessonOut, ProgressIn, ProgressOut

router = Router(tags=["teaching"])


def _learner(request: HttpRequest) -> None:
    if not is_learner(request.user):
        raise PermissionDenied(_("The classroom is for members of the alliance."))


def _course_out(c: Course) -> dict[str, Any]:
    return {
        "id": c.public_id,
        "title": c.title,
        "description": c.description,
        "category": c.category.name if c.category_id else None,
        "published": c.published,
        "created_at": c.created_at,
    }


def _progress_out(p: LessonProgress | None) -> dict[str, Any] | None:
    if p is None:
        return None
    return {
        "position_seconds": p.position_seconds,
        "completed": p.completed_at is not None,
        "completed_at": p.completed_at,
        "updated_at": p.updated_at,
    }


def _lesson_out(lesson: Lesson, progress: LessonProgress | None) -> dict[str, Any]:
    return {
        "id": lesson.public_id,
        "course_id": lesson.course.public_id,
        "position": lesson.position,
        "title": lesson.title,
        "kind": lesson.kind,
        "duration_seconds": lesson.duration_seconds,
        "file_id": lesson.file.public_id if lesson.file_id else None,
        "progress": _progress_out(progress),
    }


@router.get(
    "/courses",
    response={200: CoursePage, **errors()},
    summary="Courses",
    description="Published courses (managers see drafts too), newest first.",
)
def list_courses(
    request: HttpRequest,
    search: str = "",
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> Any:
    _learner(request)
    qs = selectors.courses_for(request.user, query=search.strip()[:100])
    rows, next_cursor = page(qs, cursor=cursor, limit=limit)
    return {"items": [_course_out(c) for c in rows], "next_cursor": next_cursor}


@router.get(
    "/courses/{course_id}",
    response={200: CourseDetailOut, **errors()},
    summary="One course with its lessons and your progress",
)
def get_course(request: HttpRequest, course_id: UUID) -> Any:
    _learner(request)
    course = selectors.get_course(request.user, course_id)
    rows = selectors.lesson_rows(request.user, course)
    return {
        **_course_out(course),
        "lessons": [_lesson_out(r.lesson, r.progress) for r in rows],
        "lessons_completed": sum(1 for r in rows if r.completed),
        "completed": selectors.course_completed(rows),
    }


@router.get(
    "/lessons/{lesson_id}",
    response={200: LessonOut, **errors()},
    summary="One lesson with your progress",
)
def get_lesson(request: HttpRequest, lesson_id: UUID) -> Any:
    _learner(request)
    lesson = selectors.get_lesson(request.user, lesson_id)
    return _lesson_out(lesson, selectors.progress_of(request.user, lesson))


@router.post(
    "/lessons/{lesson_id}/progress",
    response={200: ProgressOut, **errors()},
    summary="Record your progress in a lesson",
    description=(
        "`position` in seconds (0–86400, clamped to the video); a video watched to 90 % or a "
        "document sent with `finished: true` is completed."
    ),
)
def record_progress(request: HttpRequest, lesson_id: UUID, payload: ProgressIn) -> Any:
    _learner(request)
    lesson = selectors.get_lesson(request.user, lesson_id)
    form = ProgressForm({"position": payload.position, "finished": payload.finished})
    if not form.is_valid():
        fields = {k: [str(m) for m in v] for k, v in form.errors.items()}
        raise ApiError(422, "invalid", _("The data is not valid."), fields=fields)
    progress = services.record_progress(
        lesson,
        user=request.user,
        position=form.cleaned_data["position"],
        finished=form.cleaned_data["finished"],
    )
    return _progress_out(progress)
