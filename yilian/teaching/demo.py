"""Demo data for the cloud classroom (two published courses by the demo platform manager,
each with a short test-pattern video lesson and PDF lessons) and a CME class with a session
today and the demo doctor enrolled."""

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


CME_TITLE = "急诊胸痛规范化诊治培训班"


def seed_cme_class(ctx: SeedContext) -> int:
    """A published class II CME class (2 credits) with an on-site session this afternoon
    and a teaching-room session tomorrow, with the demo doctor and two of the demo
    hospital's staff enrolled (check in with the organiser's QR code)."""
    from datetime import datetime, time, timedelta
    from decimal import Decimal

    from django.utils import timezone

    from yilian.orgs.models import Room

    from .cme_services import (
        ClassData,
        SessionData,
        enrol,
        save_class,
        save_session,
        set_class_published,
    )
    from .models import AttendanceRule, CmeClass, CreditClass

    phones = {d.role: d.phone for d in DEMO_LOGINS}
    manager = User.objects.filter(phone=phones[Role.MANAGER]).first()
    if manager is None or CmeClass.objects.filter(title=CME_TITLE).exists():
        return 0
    today = timezone.localdate()
    zone = timezone.get_current_timezone()
    start = datetime.combine(today, time(14, 0), tzinfo=zone)
    cme_class = save_class(
        actor=manager,
        data=ClassData(
            title=CME_TITLE,
            description="面向县级医院急诊科与心内科医生：胸痛中心流程、心电图判读、上转时机。",
            credit_class=CreditClass.II,
            credit_amount=Decimal("2.0"),
            quota=60,
            enrol_opens=timezone.now() - timedelta(days=3),
            enrol_closes=start + timedelta(days=2),
            rule=AttendanceRule.SESSIONS,
            rule_value=1,
        ),
    )
    save_session(
        cme_class,
        actor=manager,
        data=SessionData(
            title="第一讲 胸痛中心流程",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            place="省人民医院门诊楼三楼报告厅",
        ),
    )
    room = Room.objects.filter(kind=Room.Kind.TEACHING, is_active=True).first()
    if room is not None:
        save_session(
            cme_class,
            actor=manager,
            data=SessionData(
                title="第二讲 心电图判读（云教室）",
                starts_at=start + timedelta(days=1),
                ends_at=start + timedelta(days=1, hours=2),
                room=room,
            ),
        )
    set_class_published(cme_class, actor=manager, published=True)
    doctor = User.objects.filter(phone=phones[Role.STAFF]).first()
    learners = [doctor] if doctor is not None else []
    if doctor is not None and doctor.hospital_id:
        learners += list(
            User.objects.filter(hospital_id=doctor.hospital_id, role_assignments__role=Role.STAFF)
            .exclude(pk=doctor.pk)
            .order_by("pk")[:2]
        )
    for learner in learners:
        enrol(cme_class, learner=learner)
    return 1 + len(learners)


register_step("teaching_cme", seed_cme_class, after="teaching")
