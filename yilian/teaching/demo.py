"""Demo data for the cloud classroom: two published courses by the demo platform manager,
each with a short test-pattern video lesson and PDF lessons."""

from __future__ import annotations

from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.core.pdf import placeholder_pdf
from yilian.orgs.demo import DEMO_LOGINS, SeedContext, register_step

from .models import Category, Course, LessonKind
from .services import add_lesson, save_course, set_published

VIDEO = Path(__file__).resolve().parent / "demo_media" / "test-pattern.mp4"
VIDEO_SECONDS = 6

COURSES: tuple[tuple[str, str, str, tuple[tuple[str, str], ...]], ...] = (
    (
        "心血管",
        "急性胸痛的识别与转诊",
        "基层首诊医生如何识别高危胸痛，何时通过联盟平台上转。",
        (("胸痛的鉴别诊断", LessonKind.VIDEO), ("上转指征讲义", LessonKind.PDF)),
    ),
    (
        "影像",
        "胸部 CT 读片基础",
        "从正常解剖到常见病灶，配合远程影像会诊使用。",
        (
            ("正常胸部 CT 解剖", LessonKind.VIDEO),
            ("常见病灶图谱", LessonKind.SLIDES),
            ("读片报告规范", LessonKind.PDF),
        ),
    ),
)


def _upload(kind: str, title: str, index: int) -> SimpleUploadedFile:
    if kind == LessonKind.VIDEO:
        return SimpleUploadedFile("lesson.mp4", VIDEO.read_bytes(), content_type="video/mp4")
    return SimpleUploadedFile(
        f"lesson-{index}.pdf",
        placeholder_pdf(f"Yilian cloud classroom - lesson {index}"),
        content_type="application/pdf",
    )


def seed_courses(ctx: SeedContext) -> int:
    phone = next(d.phone for d in DEMO_LOGINS if d.role == Role.MANAGER)
    manager = User.objects.filter(phone=phone).first()
    if manager is None:
        return 0
    created = 0
    for position, (category_name, title, description, lessons) in enumerate(COURSES):
        if Course.objects.filter(title=title).exists():
            continue
        category, _new = Category.objects.get_or_create(
            name=category_name, defaults={"position": position}
        )
        course = save_course(actor=manager, title=title, description=description, category=category)
        for index, (lesson_title, kind) in enumerate(lessons, start=1):
            add_lesson(
                course,
                actor=manager,
                title=lesson_title,
                kind=kind,
                upload=_upload(kind, lesson_title, index),
                duration_seconds=VIDEO_SECONDS if kind == LessonKind.VIDEO else 0,
            )
        set_published(course, actor=manager, published=True)
        created += 1
    return created


register_step("teaching", seed_courses)
