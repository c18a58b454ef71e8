"""Notifications, rooms and sessions, the classroom, and the documentation pages."""

from __future__ import annotations

import re

from yilian.notify.models import Notification
from yilian.notify.services import notify
from yilian.realtime.services import open_request_session
from yilian.teaching.models import LessonProgress
from yilian.workflow.models import Status


def test_notifications_list_unread_and_read_all(api_as, staff_a, staff_b):
    first, _second = (notify([staff_a], verb="t", title=t)[0] for t in ("一", "二"))
    notify([staff_b], verb="t", title="别人的")
    api = api_as(staff_a)
    ours = Notification.objects.filter(recipient=staff_a)
    items = api.get("/notifications/").json()["items"]
    assert [i["title"] for i in items if i["verb"] == "t"] == ["二", "一"]
    assert len(items) == ours.count()  # the registration notice too, nobody else's
    api.post(f"/notifications/{first.public_id}/read")
    unread = api.get("/notifications/", unread=True).json()["items"]
    assert "一" not in [i["title"] for i in unread] and "二" in [i["title"] for i in unread]
    assert api.post("/notifications/read-all").json() == {"marked": len(unread)}
    assert not Notification.objects.filter(recipient=staff_a, read_at__isnull=True).exists()
    # Someone else's notification is not found.
    theirs = Notification.objects.get(recipient=staff_b, verb="t")
    assert api.post(f"/notifications/{theirs.public_id}/read").status_code == 404


def test_my_sessions_and_session_detail(api_as, loop, staff_a, staff_b):
    business = loop.at(Status.PUBLISHED)
    session = open_request_session(business, actor=loop.expert)
    api = api_as(staff_a)
    (item,) = api.get("/sessions").json()["items"]
    assert item["business_id"] == str(business.public_id)
    assert item["session_id"] == str(session.public_id)
    detail = api.get(f"/sessions/{session.public_id}").json()
    assert detail["business_id"] == str(business.public_id)
    assert staff_a.name in [p["name"] for p in detail["participants"]]
    assert detail["may_enter"] is True
    other = api_as(staff_b)
    assert other.get("/sessions").json()["items"] == []
    assert other.get(f"/sessions/{session.public_id}").status_code == 404


def test_classroom_courses_lessons_and_progress(api_as, staff_a, course, video):
    api = api_as(staff_a)
    assert [c["id"] for c in api.get("/teaching/courses").json()["items"]] == [
        str(course.public_id)
    ]
    detail = api.get(f"/teaching/courses/{course.public_id}").json()
    assert len(detail["lessons"]) == 2 and detail["lessons_completed"] == 0
    done = api.post(f"/teaching/lessons/{video.public_id}/progress", {"position": 95})
    assert done.status_code == 200 and done.json()["completed"] is True
    assert LessonProgress.objects.get(user=staff_a, lesson=video).position_seconds == 95
    lesson = api.get(f"/teaching/lessons/{video.public_id}").json()
    assert lesson["progress"]["completed"] is True
    bad = api.post(f"/teaching/lessons/{video.public_id}/progress", {"position": -1})
    assert bad.status_code == 422


def test_patients_are_not_learners(api_as, patient, course):
    assert api_as(patient).get("/teaching/courses").status_code in (401, 403)


def test_openapi_document_declares_errors_and_security(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "Yilian API"
    operation = schema["paths"]["/api/v1/businesses/{business_id}/actions/{action}"]["post"]
    assert {"401", "403", "404", "409", "422", "429"} <= set(operation["responses"])
    schemes = schema["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())


def test_docs_page_uses_vendored_swagger_without_inline_script(client):
    page = client.get("/api/v1/docs").content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, flags=re.S)
    assert scripts and all('src="/static/' in attrs and not body.strip() for attrs, body in scripts)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page
    assert "/static/yilian/api-docs.js" in page
    assert "cdn" not in page.lower() and "https://" not in page
    assert 'data-openapi-url="/api/v1/openapi.json"' in page
    assert client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js").status_code == 200
