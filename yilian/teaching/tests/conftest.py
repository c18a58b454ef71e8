"""The cast of the classroom: a published course with a video lesson (the 6-second test
pattern) and a PDF lesson, made by the platform manager."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from yilian.core.pdf import placeholder_pdf

from ..models import Category, Course, Lesson, LessonKind
from ..services import add_lesson, save_course, set_published

MP4_PATH = Path(__file__).resolve().parents[1] / "demo_media" / "test-pattern.mp4"


@pytest.fixture(autouse=True)
def _english(client) -> Iterator[None]:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def mp4_upload() -> SimpleUploadedFile:
    return SimpleUploadedFile("pattern.mp4", MP4_PATH.read_bytes(), content_type="video/mp4")


def pdf_upload(text: str = "Lesson notes") -> SimpleUploadedFile:
    return SimpleUploadedFile("notes.pdf", placeholder_pdf(text), content_type="application/pdf")


@pytest.fixture
def category(db) -> Category:
    return Category.objects.create(name="心血管")


@pytest.fixture
def course(manager, category) -> Course:
    course = save_course(
        actor=manager, title="心电图入门", description="从基础波形开始", category=category
    )
    add_lesson(
        course,
        actor=manager,
        title="正常心电图",
        kind=LessonKind.VIDEO,
        upload=mp4_upload(),
        duration_seconds=100,
    )
    add_lesson(course, actor=manager, title="讲义", kind=LessonKind.PDF, upload=pdf_upload())
    return set_published(course, actor=manager, published=True)


@pytest.fixture
def video(course) -> Lesson:
    return course.lessons.get(kind=LessonKind.VIDEO)


@pytest.fixture
def document(course) -> Lesson:
    return course.lessons.get(kind=LessonKind.PDF)


def make_cme_class(manager, *, quota: int = 30, needs_approval: bool = False, **fields):
    """A published CME class with one on-site session happening now (check-in open)."""
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from ..cme_services import ClassData, SessionData, save_class, save_session
    from ..cme_services import set_class_published as publish
    from ..models import AttendanceRule, CreditClass

    now = timezone.now()
    data = ClassData(
        title=fields.pop("title", "急诊胸痛规范化诊治培训班"),
        credit_class=fields.pop("credit_class", CreditClass.II),
        credit_amount=fields.pop("credit_amount", Decimal("2.0")),
        quota=quota,
        enrol_opens=now - timedelta(days=1),
        enrol_closes=now + timedelta(days=7),
        rule=fields.pop("rule", AttendanceRule.SESSIONS),
        rule_value=fields.pop("rule_value", 1),
        needs_approval=needs_approval,
        description="胸痛中心建设与基层首诊",
    )
    cme_class = save_class(actor=manager, data=data)
    save_session(
        cme_class,
        actor=manager,
        data=SessionData(
            title="第一讲",
            starts_at=now - timedelta(minutes=10),
            ends_at=now + timedelta(minutes=50),
            room=fields.pop("room", None),
            place="" if fields.get("room") else "门诊楼三楼报告厅",
        ),
    )
    return publish(cme_class, actor=manager, published=True)


@pytest.fixture
def cme_class(manager):
    return make_cme_class(manager)
