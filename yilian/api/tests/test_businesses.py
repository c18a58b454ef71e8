"""Businesses over the API: the same visibility, steps and checks as the pages."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from yilian.audit.models import AuditAction, AuditEntry
from yilian.files.models import FileAsset
from yilian.patients.services import register_patient
from yilian.workflow.models import Status
from yilian.workflow.tests.conftest import snapshot

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def test_list_shows_what_the_user_may_see(api_as, loop, staff_a, staff_b):
    mine = loop.at(Status.SUBMITTED)
    items = api_as(staff_a).get("/businesses/").json()["items"]
    assert [i["id"] for i in items] == [str(mine.public_id)]
    assert items[0]["status"] == "submitted" and items[0]["applicant"]["name"] == staff_a.name
    # Hospital B's staff see nothing of hospital A.
    assert api_as(staff_b).get("/businesses/").json()["items"] == []


def test_other_hospitals_business_is_404_everywhere(api_as, loop, staff_b):
    business = loop.at(Status.SUBMITTED)
    before = snapshot(business)
    api = api_as(staff_b)
    for path in ("", "/timeline", "/actions", "/attachments"):
        response = api.get(f"/businesses/{business.public_id}{path}")
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"
    step = api.post(
        f"/businesses/{business.public_id}/actions/withdraw", {"expected_version": business.version}
    )
    assert step.status_code == 404
    assert snapshot(business) == before


def test_filters(api_as, loop, staff_a):
    draft = loop.new(title="胸痛会诊")
    submitted = loop.at(Status.SUBMITTED, title="肺结节会诊")
    api = api_as(staff_a)

    def ids(**params):
        return {i["id"] for i in api.get("/businesses/", **params).json()["items"]}

    assert ids(status="draft") == {str(draft.public_id)}
    assert ids(search="肺结节") == {str(submitted.public_id)}
    assert ids(queue="mine") == {str(draft.public_id), str(submitted.public_id)}
    assert ids(kind="no_such_kind") == set()
    today = timezone.localdate()
    assert len(ids(created_from=today.isoformat(), created_to=today.isoformat())) == 2
    assert ids(created_from=(today + timedelta(days=1)).isoformat()) == set()
    assert api.get("/businesses/", queue="nope").status_code == 422


def test_manager_inbox_queue(api_as, loop, manager):
    waiting = loop.at(Status.SUBMITTED)
    loop.new()  # a draft: not in the review queue
    items = api_as(manager).get("/businesses/", queue="to_review").json()["items"]
    assert [i["id"] for i in items] == [str(waiting.public_id)]


def test_cursor_pages_are_stable(api_as, loop, staff_a):
    made = [loop.new(title=f"会诊 {n}") for n in range(5)]
    api = api_as(staff_a)
    first = api.get("/businesses/", limit=2).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    loop.new(title="新来的")  # added meanwhile: neither repeated nor shifting the next page
    second = api.get("/businesses/", limit=2, cursor=first["next_cursor"]).json()
    third = api.get("/businesses/", limit=2, cursor=second["next_cursor"]).json()
    seen = [i["id"] for p in (first, second, third) for i in p["items"]]
    assert seen == [str(r.public_id) for r in reversed(made)]
    assert third["next_cursor"] is None
    bad = api.get("/businesses/", cursor="not-a-cursor")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_cursor"


def test_detail_timeline_and_actions(api_as, loop, manager):
    business = loop.at(Status.SUBMITTED)
    api = api_as(manager)
    detail = api.get(f"/businesses/{business.public_id}").json()
    assert detail["allowed_actions"] == ["approve", "return", "reject", "cancel"]
    assert detail["version"] == business.version
    timeline = api.get(f"/businesses/{business.public_id}/timeline").json()
    assert [e["action"] for e in timeline] == ["create", "submit"]
    actions = api.get(f"/businesses/{business.public_id}/actions").json()
    assert [a["action"] for a in actions["actions"]] == detail["allowed_actions"]


def test_manager_approves_through_the_api(api_as, loop, manager):
    business = loop.at(Status.SUBMITTED)
    response = api_as(manager).post(
        f"/businesses/{business.public_id}/actions/approve",
        {"expected_version": business.version, "note": "同意"},
    )
    assert response.status_code == 200, response.content
    business.refresh_from_db()
    assert response.json()["status"] == business.status
    assert business.status in (Status.APPROVED, Status.DISPATCHED)  # routed kinds move on
    event = business.events.get(action="approve")
    assert event.actor == manager and event.note == "同意"


def test_stale_version_is_409_and_changes_nothing(api_as, loop, manager):
    business = loop.at(Status.SUBMITTED)
    before = snapshot(business)
    response = api_as(manager).post(
        f"/businesses/{business.public_id}/actions/approve",
        {"expected_version": business.version - 1},
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "stale_version"
    assert snapshot(business) == before


def test_step_not_possible_now_is_409(api_as, loop, manager):
    business = loop.at(Status.SUBMITTED)
    before = snapshot(business)
    response = api_as(manager).post(
        f"/businesses/{business.public_id}/actions/publish",
        {"expected_version": business.version},
    )
    assert response.status_code == 409
    assert snapshot(business) == before


def test_someone_who_may_not_take_the_step_gets_403(api_as, loop, staff_a):
    business = loop.at(Status.SUBMITTED)
    before = snapshot(business)
    response = api_as(staff_a).post(
        f"/businesses/{business.public_id}/actions/approve",
        {"expected_version": business.version},
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    assert snapshot(business) == before


def test_invalid_step_data_is_422_with_fields(api_as, loop, manager):
    business = loop.at(Status.SUBMITTED)
    before = snapshot(business)
    api = api_as(manager)
    response = api.post(
        f"/businesses/{business.public_id}/actions/return", {"expected_version": business.version}
    )
    assert response.status_code == 422
    assert "note" in response.json()["error"]["fields"]
    unknown = api.post(
        f"/businesses/{business.public_id}/actions/approve",
        {"expected_version": business.version, "colour": "red"},
    )
    assert unknown.status_code == 422
    assert snapshot(business) == before


def test_read_token_cannot_take_a_step(api_as, loop, manager):
    business = loop.at(Status.SUBMITTED)
    before = snapshot(business)
    response = api_as(manager, "read").post(
        f"/businesses/{business.public_id}/actions/approve",
        {"expected_version": business.version},
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "insufficient_scope"
    assert snapshot(business) == before


def test_expert_confirms_with_schedule_and_experts(api_as, loop, expert):
    business = loop.at(Status.DISPATCHED)
    start = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
    response = api_as(expert).post(
        f"/businesses/{business.public_id}/actions/confirm",
        {
            "expected_version": business.version,
            "scheduled_start": start.isoformat(),
            "scheduled_end": (start + timedelta(hours=1)).isoformat(),
            "form": "video",
            "experts": [str(expert.public_id)],
            "arrangement": "视频会诊",
        },
    )
    assert response.status_code == 200, response.content
    business.refresh_from_db()
    assert business.status == Status.CONFIRMED
    assert business.scheduled_start == start
    assert list(business.experts.all()) == [expert]


def test_manager_closes_with_checklist(api_as, loop, manager):
    business = loop.at(Status.FEEDBACK_GIVEN)
    response = api_as(manager).post(
        f"/businesses/{business.public_id}/actions/close",
        {"expected_version": business.version, "score": 88, "checklist": {"schedule_kept": True}},
    )
    assert response.status_code == 200, response.content
    business.refresh_from_db()
    assert business.status == Status.CLOSED
    assert business.qc_review.score == 88
    assert business.qc_review.checklist["schedule_kept"] is True
    assert business.qc_review.checklist["opinion_signed"] is False


def test_detail_of_a_business_about_a_patient_is_audited(api_as, loop, staff_a):
    patient = register_patient(actor=staff_a, name="王某某", medical_record_number="MRN-1")
    business = loop.new(patient=patient)
    api_as(staff_a).get(f"/businesses/{business.public_id}")
    entry = AuditEntry.objects.filter(patient=patient, action=AuditAction.VIEW).get()
    assert entry.actor == staff_a and entry.object_id == str(business.public_id)


def test_attachments_upload_list_download(api_as, loop, staff_a, staff_b):
    business = loop.at(Status.SUBMITTED)
    api = api_as(staff_a)
    upload = SimpleUploadedFile("检查报告.pdf", PDF, content_type="application/pdf")
    created = api.post(f"/businesses/{business.public_id}/attachments", files={"file": upload})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["name"] == "检查报告.pdf" and body["mime_type"] == "application/pdf"
    listed = api.get(f"/businesses/{business.public_id}/attachments").json()["items"]
    assert [f["id"] for f in listed] == [body["id"]]
    download = api.client.get(body["download_url"], headers=api.headers)
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    part = api.client.get(body["download_url"], headers={**api.headers, "Range": "bytes=0-7"})
    assert part.status_code == 206 and b"".join(part.streaming_content) == PDF[:8]
    # Hospital B can neither read nor download it.
    other = api_as(staff_b)
    assert other.client.get(body["download_url"], headers=other.headers).status_code == 404
    assert AuditEntry.objects.filter(
        action=AuditAction.DOWNLOAD, object_id=body["id"], outcome="denied"
    ).exists()


def test_upload_refused_for_a_bad_file_and_for_read_tokens(api_as, loop, staff_a):
    business = loop.at(Status.SUBMITTED)
    bad = SimpleUploadedFile("x.exe", b"MZ\x90\x00" * 10, content_type="application/pdf")
    response = api_as(staff_a).post(
        f"/businesses/{business.public_id}/attachments", files={"file": bad}
    )
    assert response.status_code == 422 and "file" in response.json()["error"]["fields"]
    pdf = SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf")
    refused = api_as(staff_a, "read").post(
        f"/businesses/{business.public_id}/attachments", files={"file": pdf}
    )
    assert refused.status_code == 403
    assert not FileAsset.objects.exists()


def test_lists_take_a_fixed_number_of_queries(api_as, loop, manager):
    api = api_as(manager)
    api.get("/me/")  # the token's first use is recorded once; not part of the budget
    loop.at(Status.SUBMITTED)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert api.get("/businesses/").status_code == 200
        return len(queries)

    few = count()
    for n in range(6):
        loop.at(Status.SUBMITTED, title=f"会诊 {n}")
    assert count() == few
