"""Pages of the cloud classroom: the course list, a course, a lesson with its player, the
progress the player posts, and the managers' course editor."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from yilian.core.pagination import page_of
from yilian.core.permissions import allowed_if

from . import selectors, services
from .forms import CourseForm, LessonForm, ProgressForm
from .models import Category, Course
from .policies import is_learner, may_manage

PAGE_SIZE = 12


_learners = allowed_if(is_learner, gettext_lazy("The classroom is for members of the alliance."))


_managers = allowed_if(may_manage, gettext_lazy("Only platform managers may manage courses."))


@require_GET
@_learners
def course_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    try:
        category = int(request.GET.get("category") or 0) or None
    except ValueError:
        category = None
    courses = selectors.courses_for(request.user, query=query, category=category)
    page = page_of(courses, request.GET.get("page"), PAGE_SIZE)
    return render(
        request,
        "teaching/courses.html",
        {
            "page": page,
            "query": query,
            "category": category,
            "categories": Category.objects.all(),
            "may_manage": may_manage(request.user),
        },
    )


@require_GET
@_learners
def course_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    course = selectors.get_course(request.user, public_id)
    rows = selectors.lesson_rows(request.user, course)
    return render(
        request,
        "teaching/course.html",
        {
            "course": course,
            "rows": rows,
            "done": sum(1 for r in rows if r.completed),
            "completed": selectors.course_completed(rows),
            "may_manage": may_manage(request.user),
        },
    )


@require_GET
@_learners
def lesson_detail(request: HttpRequest, public_id: UUID) -> HttpResponse:
    lesson = selectors.get_lesson(request.user, public_id)
    rows = selectors.lesson_rows(request.user, lesson.course)
    index = next(i for i, r in enumerate(rows) if r.lesson.pk == lesson.pk)
    return render(
        request,
        "teaching/lesson.html",
        {
            "lesson": lesson,
            "course": lesson.course,
            "progress": rows[index].progress,
            "previous": rows[index - 1].lesson if index > 0 else None,
            "next": rows[index + 1].lesson if index + 1 < len(rows) else None,
        },
    )


@require_POST
@_learners
def lesson_progress(request: HttpRequest, public_id: UUID) -> HttpResponse:
    lesson = selectors.get_lesson(request.user, public_id)
    form = ProgressForm(request.POST)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors}, status=422)
    progress = services.record_progress(
        lesson,
        user=request.user,
        position=form.cleaned_data["position"],
        finished=form.cleaned_data["finished"],
    )
    if request.htmx or request.headers.get("Accept", "").startswith("application/json"):
        return JsonResponse(
            {"position": progress.position_seconds, "completed": bool(progress.completed_at)}
        )
    if progress.completed_at:
        messages.success(request, _("Lesson completed."))
    return redirect("teaching:lesson", public_id=lesson.public_id)


# --- management -----------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@_managers
def course_form(request: HttpRequest, public_id: UUID | None = None) -> HttpResponse:
    course = selectors.get_course(request.user, public_id) if public_id else None
    if request.method == "POST":
        form = CourseForm(request.POST)
        if form.is_valid():
            course = services.save_course(actor=request.user, course=course, **form.cleaned_data)
            messages.success(request, _("The course was saved."))
            return redirect("teaching:manage", public_id=course.public_id)
        return render(
            request, "teaching/course_form.html", {"form": form, "course": course}, status=422
        )
    form = CourseForm.for_course(course) if course else CourseForm()
    return render(request, "teaching/course_form.html", {"form": form, "course": course})


def _manage_page(request: HttpRequest, course: Course, form: LessonForm, status: int = 200):
    return render(
        request,
        "teaching/manage.html",
        {"course": course, "lessons": list(course.lessons.all()), "form": form},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@_managers
def manage(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """A course's lessons: add (with the file), reorder, remove; publish."""
    course = selectors.get_course(request.user, public_id)
    if request.method == "POST":
        form = LessonForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.add_lesson(
                    course,
                    actor=request.user,
                    title=data["title"],
                    kind=data["kind"],
                    upload=data["file"],
                    duration_seconds=data["duration_seconds"] or 0,
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    form.add_error(None, exc)
                else:
                    form.add_error("file", exc)
            else:
                messages.success(request, _("The lesson was added."))
                return redirect("teaching:manage", public_id=course.public_id)
        return _manage_page(request, course, form, status=422)
    return _manage_page(request, course, LessonForm())


@require_POST
@_managers
def lesson_edit(request: HttpRequest, public_id: UUID) -> HttpResponse:
    lesson = selectors.get_lesson(request.user, public_id)
    action = request.POST.get("action")
    if action in ("up", "down"):
        services.move_lesson(lesson, actor=request.user, up=action == "up")
    elif action == "remove":
        services.remove_lesson(lesson, actor=request.user)
        messages.success(request, _("The lesson was removed."))
    return redirect("teaching:manage", public_id=lesson.course.public_id)


@require_POST
@_managers
def publish(request: HttpRequest, public_id: UUID) -> HttpResponse:
    course = selectors.get_course(request.user, public_id)
    try:
        services.set_published(
            course, actor=request.user, published=request.POST.get("published") == "1"
        )
    except ValidationError as exc:
        for error in exc.messages:
            messages.error(request, error)
    else:
        messages.success(
            request,
            _("The course is published.") if course.published else _("The course is hidden."),
        )
    return redirect(reverse("teaching:manage", kwargs={"public_id": course.public_id}))
