"""CME classes, live events and data reporting through the API: the same scoping as the
pages (another hospital's report and a surgery demonstration for a non-clinical member are
not found), writes through the same services, and writes need a read-write token."""

from __future__ import annotations

from yilian.accounts.roles import Role
from yilian.reporting.models import Status
from yilian.reporting.services import return_report, save_report
from yilian.reporting.tests.conftest import GOOD
from yilian.teaching import cme_services
from yilian.teaching.models import Enrolment, EnrolmentStatus
from yilian.teaching.tests.conftest import make_cme_class


def test_cme_classes_list_search_detail_enrol_and_cancel(api_as, manager, staff_a, cme_class):
    other = make_cme_class(manager, title="介入心脏病学进修班", quota=1)
    api = api_as(staff_a)
    ids = {c["id"] for c in api.get("/teaching/cme-classes").json()["items"]}
    assert ids == {str(cme_class.public_id), str(other.public_id)}
    found = api.get("/teaching/cme-classes", search="介入").json()["items"]
    assert [c["id"] for c in found] == [str(other.public_id)]

    detail = api.get(f"/teaching/cme-classes/{other.public_id}").json()
    assert detail["enrolment"] is None and detail["places_left"] == 1
    assert [s["title"] for s in detail["sessions"]] == ["第一讲"]

    enrolled = api.post(f"/teaching/cme-classes/{other.public_id}/enrolment")
    assert enrolled.status_code == 200, enrolled.json()
    assert enrolled.json()["status"] == EnrolmentStatus.APPROVED
    detail = api.get(f"/teaching/cme-classes/{other.public_id}").json()
    assert detail["enrolment"]["status"] == "approved" and detail["places_left"] == 0

    cancelled = api.delete(f"/teaching/cme-classes/{other.public_id}/enrolment")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert Enrolment.objects.get(cme_class=other, learner=staff_a).status == "cancelled"
    assert api.get(f"/teaching/cme-classes/{other.public_id}").json()["places_left"] == 1


def test_a_full_class_refuses_with_the_services_message(api_as, manager, staff_a, staff_b):
    full = make_cme_class(manager, quota=1)
    cme_services.enrol(full, learner=staff_b)
    refused = api_as(staff_a).post(f"/teaching/cme-classes/{full.public_id}/enrolment")
    assert refused.status_code == 422
    assert "full" in refused.json()["error"]["message"]
    assert not Enrolment.objects.filter(cme_class=full, learner=staff_a).exists()


def test_cancelling_without_an_enrolment_is_not_found(api_as, staff_a, cme_class):
    gone = api_as(staff_a).delete(f"/teaching/cme-classes/{cme_class.public_id}/enrolment")
    assert gone.status_code == 404


def test_enrolling_needs_a_read_write_token(api_as, staff_a, cme_class):
    api = api_as(staff_a, "read")
    assert api.get(f"/teaching/cme-classes/{cme_class.public_id}").status_code == 200
    for answer in (
        api.post(f"/teaching/cme-classes/{cme_class.public_id}/enrolment"),
        api.delete(f"/teaching/cme-classes/{cme_class.public_id}/enrolment"),
    ):
        assert answer.status_code == 403
        assert answer.json()["error"]["code"] == "insufficient_scope"
    assert not Enrolment.objects.exists()


def test_credits_are_mine_only(
    api_as, cme_class, staff_a, staff_b, django_capture_on_commit_callbacks
):
    for learner in (staff_a, staff_b):
        cme_services.enrol(cme_class, learner=learner)
        with django_capture_on_commit_callbacks(execute=True):
            cme_services.check_in(cme_class.sessions.get(), learner=learner)
    mine = api_as(staff_a).get("/teaching/credits").json()["items"]
    assert len(mine) == 1
    credit = staff_a.cme_credits.get()
    assert mine[0]["id"] == str(credit.public_id) and mine[0]["amount"] == 2.0
    assert mine[0]["class_id"] == str(cme_class.public_id)


def test_live_events_never_show_a_stream_key(api_as, staff_a, conference):
    api = api_as(staff_a)
    (item,) = [e for e in api.get("/teaching/live-events").json()["items"]]
    assert item["id"] == str(conference.public_id)
    detail = api.get(f"/teaching/live-events/{conference.public_id}")
    assert detail.status_code == 200 and detail.json()["kind"] == "conference"
    for body in (detail.content, api.get("/teaching/live-events").content):
        assert conference.stream_key.encode() not in body
        assert b"stream_key" not in body and conference.playback_id.encode() not in body
    upcoming = api.get("/teaching/live-events", when="upcoming").json()["items"]
    assert [e["id"] for e in upcoming] == [str(conference.public_id)]
    assert api.get("/teaching/live-events", when="past").json()["items"] == []


def test_surgery_demonstrations_are_for_medical_staff(
    api_as, make_user, hospital_a, staff_a, conference, surgery
):
    clinical = api_as(staff_a)
    kinds = {e["id"]: e["kind"] for e in clinical.get("/teaching/live-events").json()["items"]}
    assert kinds == {str(conference.public_id): "conference", str(surgery.public_id): "surgery"}
    only = clinical.get("/teaching/live-events", kind="surgery").json()["items"]
    assert [e["id"] for e in only] == [str(surgery.public_id)]
    assert clinical.get(f"/teaching/live-events/{surgery.public_id}").status_code == 200

    auditor = api_as(make_user(Role.AUDITOR, hospital=hospital_a, name="审计员"))
    ids = [e["id"] for e in auditor.get("/teaching/live-events").json()["items"]]
    assert ids == [str(conference.public_id)]
    assert auditor.get("/teaching/live-events", kind="surgery").json()["items"] == []
    hidden = auditor.get(f"/teaching/live-events/{surgery.public_id}")
    assert hidden.status_code == 404 and hidden.json()["error"]["code"] == "not_found"


def test_patients_get_nothing(api_as, patient, cme_class, conference, period):
    api = api_as(patient)
    for path in (
        "/teaching/cme-classes",
        f"/teaching/cme-classes/{cme_class.public_id}",
        "/teaching/credits",
        "/teaching/live-events",
        f"/teaching/live-events/{conference.public_id}",
        "/quality/datasets",
        "/quality/reports",
    ):
        answer = api.get(path)
        assert answer.status_code == 403, path
        assert conference.title not in answer.content.decode()


def test_reports_are_scoped_to_the_hospital(api_as, staff_a, staff_b, manager, period):
    ours = save_report(actor=staff_a, period=period, raw=GOOD, expected_version=0, submit=True)
    theirs = save_report(actor=staff_b, period=period, raw=GOOD, expected_version=0, submit=False)
    api = api_as(staff_a)
    assert [r["id"] for r in api.get("/quality/reports").json()["items"]] == [str(ours.public_id)]
    assert api.get(f"/quality/reports/{theirs.public_id}").status_code == 404
    detail = api.get(f"/quality/reports/{ours.public_id}").json()
    assert detail["status"] == Status.SUBMITTED and detail["version"] == ours.version
    values = {v["code"]: v["value"] for v in detail["values"]}
    assert values["visits"] == "1200" and values["avg_stay"] == "8.0"
    assert values["remarks"] is None
    datasets = api.get("/quality/datasets").json()["items"]
    assert [d["id"] for d in datasets] == [str(period.dataset.public_id)]

    boss = api_as(manager)
    every = {r["id"] for r in boss.get("/quality/reports").json()["items"]}
    assert every == {str(ours.public_id), str(theirs.public_id)}
    drafts = boss.get("/quality/reports", status="draft", dataset=str(period.dataset.public_id))
    assert [r["id"] for r in drafts.json()["items"]] == [str(theirs.public_id)]
    assert boss.get("/quality/reports", period=str(ours.public_id)).json()["items"] == []
    returned = return_report(
        ours, actor=manager, comments={"visits": "请核对"}, expected_version=ours.version
    )
    detail = api.get(f"/quality/reports/{ours.public_id}").json()
    assert detail["status"] == "returned" and detail["comments"] == {"visits": "请核对"}
    assert detail["version"] == returned.version


def test_submitting_a_report_goes_through_the_same_checks(api_as, staff_a, staff_b, period):
    draft = save_report(actor=staff_a, period=period, raw={"visits": "1"}, expected_version=0,
                        submit=False)  # fmt: skip
    theirs = save_report(actor=staff_b, period=period, raw=GOOD, expected_version=0, submit=False)
    api = api_as(staff_a)
    path = f"/quality/reports/{draft.public_id}/submit"

    bad = api.post(path, {"values": {**GOOD, "infections": "81"}, "expected_version": 1})
    assert bad.status_code == 422
    assert "院内感染例数不能超过出院人数" in str(bad.json()["error"]["fields"])
    stale = api.post(path, {"values": GOOD, "expected_version": 0})
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale_version"
    draft.refresh_from_db()
    assert draft.status == Status.DRAFT and draft.version == 1

    assert (
        api_as(staff_a, "read").post(path, {"values": GOOD, "expected_version": 1}).status_code
        == 403
    )
    done = api.post(path, {"values": GOOD, "expected_version": 1})
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == Status.SUBMITTED and done.json()["version"] == 2
    draft.refresh_from_db()
    assert draft.status == Status.SUBMITTED
    again = api.post(path, {"values": GOOD, "expected_version": 2})
    assert again.status_code == 409

    other = api.post(f"/quality/reports/{theirs.public_id}/submit",
                     {"values": GOOD, "expected_version": 1})  # fmt: skip
    assert other.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == Status.DRAFT
