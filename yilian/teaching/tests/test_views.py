from __future__ import annotations

import pytest
from django.urls import reverse

from yilian.analytics.models import ActivityEvent, Metric
from yilian.core.tests.html import parse

from ..models import Course, LessonProgress
from ..services import record_progress, save_course
from .conftest import MP4_PATH

MP4 = MP4_PATH.read_bytes()


def _file_url(lesson) -> str:
    return reverse("files:download", args=[lesson.file.public_id])


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_a_member_finds_published_courses_by_search_and_category(login, staff_a, course, category):
    client = login(staff_a)
    url = reverse("teaching:courses")
    assert course.title in client.get(url).content.decode()
    assert course.title in client.get(url, {"q": "心电"}).content.decode()
    assert course.title not in client.get(url, {"q": "骨科"}).content.decode()
    other = client.get(url, {"category": category.pk + 1}).content.decode()
    assert "No course matches your search." in other


def test_the_course_list_is_paginated(login, manager, staff_a):
    for n in range(13):
        save_course(actor=manager, title=f"课程 {n}")
    page = login(manager).get(reverse("teaching:courses"))
    assert len(parse(page.content).find_all(**{"data-course": True})) == 12
    assert "Page 1 of 2" in page.content.decode()


def test_unpublished_courses_and_their_lessons_are_hidden_from_learners(
    login, manager, staff_a, course, video
):
    course.published = False
    course.save()
    client = login(staff_a)
    assert course.title not in client.get(reverse("teaching:courses")).content.decode()
    assert client.get(reverse("teaching:course", args=[course.public_id])).status_code == 404
    assert client.get(reverse("teaching:lesson", args=[video.public_id])).status_code == 404
    assert client.get(_file_url(video)).status_code == 404


@pytest.mark.parametrize("who", ["patient", "anonymous"])
def test_patients_and_anonymous_visitors_get_no_lesson_page_or_file(
    client, login, request, who, course, video
):
    if who == "patient":
        login(request.getfixturevalue("patient"))
    for url in (
        reverse("teaching:courses"),
        reverse("teaching:lesson", args=[video.public_id]),
        _file_url(video),
    ):
        response = client.get(url)
        assert response.status_code in (302, 403, 404), url
        assert not getattr(response, "streaming", False)
    response = client.post(reverse("teaching:progress", args=[video.public_id]), {"position": 5})
    assert response.status_code in (302, 403)
    assert not LessonProgress.objects.exists()


def test_the_whole_video_is_sent_with_accept_ranges(login, staff_a, video):
    response = login(staff_a).get(_file_url(video))
    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Length"] == str(len(MP4))
    assert _body(response) == MP4


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, len(MP4) - 1),
        ("bytes=-50", len(MP4) - 50, len(MP4) - 1),
        (f"bytes=10-{len(MP4) + 1000}", 10, len(MP4) - 1),
    ],
)
def test_a_byte_range_is_sent_as_partial_content(login, staff_a, video, header, first, last):
    response = login(staff_a).get(_file_url(video), HTTP_RANGE=header)
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {first}-{last}/{len(MP4)}"
    assert response["Content-Length"] == str(last - first + 1)
    assert response["Accept-Ranges"] == "bytes"
    assert _body(response) == MP4[first : last + 1]


@pytest.mark.parametrize(
    "header", [f"bytes={len(MP4)}-", f"bytes={len(MP4) + 5}-9999999", "bytes=-0"]
)
def test_a_range_outside_the_file_is_refused_with_416(login, staff_a, video, header):
    response = login(staff_a).get(_file_url(video), HTTP_RANGE=header)
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(MP4)}"


@pytest.mark.parametrize("header", ["bytes=0-1,5-9", "items=0-9", "bytes=9-1"])
def test_a_range_we_do_not_serve_gets_the_whole_file(login, staff_a, video, header):
    response = login(staff_a).get(_file_url(video), HTTP_RANGE=header)
    assert response.status_code == 200
    assert _body(response) == MP4


def test_the_lesson_page_resumes_at_the_saved_position(login, staff_a, video):
    client = login(staff_a)
    response = client.post(
        reverse("teaching:progress", args=[video.public_id]),
        {"position": 42},
        HTTP_ACCEPT="application/json",
    )
    assert response.json() == {"position": 42, "completed": False}
    page = parse(client.get(reverse("teaching:lesson", args=[video.public_id])).content)
    player = page.one("video", id="lesson-video")
    assert player.get("data-position") == "42"
    assert player.get("src") == _file_url(video)


def test_a_bad_position_is_refused_and_nothing_saved(login, staff_a, video):
    response = login(staff_a).post(
        reverse("teaching:progress", args=[video.public_id]), {"position": "soon"}
    )
    assert response.status_code == 422
    assert not LessonProgress.objects.exists()


def test_the_progress_post_needs_the_csrf_token(client, staff_a, video):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(staff_a)
    response = strict.post(reverse("teaching:progress", args=[video.public_id]), {"position": 5})
    assert response.status_code == 403
    assert not LessonProgress.objects.exists()


def test_marking_a_document_read_completes_it_once(
    login, staff_a, document, django_capture_on_commit_callbacks
):
    client = login(staff_a)
    url = reverse("teaching:progress", args=[document.public_id])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"position": 0, "finished": "1"})
        client.post(url, {"position": 0, "finished": "1"})
    assert LessonProgress.objects.get(user=staff_a, lesson=document).completed_at
    assert ActivityEvent.objects.filter(action=Metric.TRAINING, user=staff_a).count() == 1


def test_the_course_page_shows_the_learners_progress(login, staff_a, course, video, document):
    record_progress(video, user=staff_a, position=100)
    page = login(staff_a).get(reverse("teaching:course", args=[course.public_id]))
    assert "1 of 2 lessons completed" in page.content.decode()
    record_progress(document, user=staff_a, position=0, finished=True)
    page = login(staff_a).get(reverse("teaching:course", args=[course.public_id]))
    assert "Course completed" in page.content.decode()


def test_continue_learning_shows_on_the_home_page(login, staff_a, video):
    record_progress(video, user=staff_a, position=10)
    page = parse(login(staff_a).get(reverse("web:home")).content)
    card = page.one(id="card-continue-learning")
    assert card.find("a", **{"data-lesson": str(video.public_id)}) is not None


def test_a_manager_creates_a_course_adds_a_lesson_and_publishes(login, manager, category):
    from .conftest import pdf_upload

    client = login(manager)
    response = client.post(
        reverse("teaching:course_new"), {"title": "新课程", "category": category.pk}
    )
    course = Course.objects.get(title="新课程")
    assert response.url == reverse("teaching:manage", args=[course.public_id])
    manage = reverse("teaching:manage", args=[course.public_id])
    client.post(manage, {"title": "第一课", "kind": "pdf", "file": pdf_upload()})
    assert course.lessons.get().title == "第一课"
    client.post(reverse("teaching:publish", args=[course.public_id]), {"published": "1"})
    course.refresh_from_db()
    assert course.published


def test_a_bad_lesson_upload_re_renders_with_the_title_kept(login, manager, course):
    from .conftest import pdf_upload

    response = login(manager).post(
        reverse("teaching:manage", args=[course.public_id]),
        {"title": "视频课", "kind": "video", "duration_seconds": 60, "file": pdf_upload()},
    )
    assert response.status_code == 422
    assert 'value="视频课"' in response.content.decode()
    assert course.lessons.count() == 2


def test_learners_may_not_manage(login, staff_a, course):
    client = login(staff_a)
    assert client.get(reverse("teaching:course_new")).status_code == 403
    response = client.post(reverse("teaching:publish", args=[course.public_id]), {"published": "0"})
    assert response.status_code == 403
    course.refresh_from_db()
    assert course.published
