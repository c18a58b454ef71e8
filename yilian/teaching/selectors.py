"""Reads of the cloud classroom, scoped to what the user may see."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404

from yilian.accounts.models import User
from yilian.accounts.roles import CLINICAL_ROLES

from .models import Course, Lesson, LessonProgress
from .policies import is_learner, may_manage


def courses_for(user: User, *, query: str = "", category: int | None = None) -> QuerySet[Course]:
    """Published courses (every course for a manager), searched by title or description."""
    if not is_learner(user):
        return Course.objects.none()
    courses = Course.objects.select_related("category")
    if not may_manage(user):
        courses = courses.filter(published=True)
        if not user.has_role(*CLINICAL_ROLES):
            courses = courses.filter(medical_staff_only=False)
    if query:
        courses = courses.filter(Q(title__icontains=query) | Q(description__icontains=query))
    if category:
        courses = courses.filter(category_id=category)
    return courses


def get_course(user: User, public_id: UUID | str) -> Course:
    try:
        return courses_for(user).get(public_id=public_id)
    except (Course.DoesNotExist, ValidationError):
        raise Http404 from None


def get_lesson(user: User, public_id: UUID | str) -> Lesson:
    lessons = Lesson.objects.select_related("course", "file").filter(course__in=courses_for(user))
    try:
        return lessons.get(public_id=public_id)
    except (Lesson.DoesNotExist, ValidationError):
        raise Http404 from None


def progress_of(user: User, lesson: Lesson) -> LessonProgress | None:
    return LessonProgress.objects.filter(user=user, lesson=lesson).first()


@dataclass(frozen=True)
class LessonRow:
    lesson: Lesson
    progress: LessonProgress | None

    @property
    def completed(self) -> bool:
        return bool(self.progress and self.progress.completed_at)


def lesson_rows(user: User, course: Course) -> list[LessonRow]:
    lessons = list(course.lessons.select_related("file"))
    mine = {p.lesson_id: p for p in LessonProgress.objects.filter(user=user, lesson__in=lessons)}
    return [LessonRow(lesson, mine.get(lesson.pk)) for lesson in lessons]


def course_completed(rows: list[LessonRow]) -> bool:
    return bool(rows) and all(row.completed for row in rows)


def continue_learning(user: User, limit: int = 3) -> list[LessonProgress]:
    """The learner's most recently touched unfinished lessons of courses they may see."""
    if not is_learner(user):
        return []
    return list(
        LessonProgress.objects.filter(
            user=user, completed_at__isnull=True, lesson__course__in=courses_for(user)
        )
        .select_related("lesson__course")
        .order_by("-updated_at")[:limit]
    )
