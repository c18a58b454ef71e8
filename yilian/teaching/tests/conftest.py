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
