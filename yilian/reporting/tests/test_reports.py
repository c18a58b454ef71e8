"""Filling in, submitting and reviewing a report: every message at once and nothing saved
on failure; draft → submitted → returned → resubmitted → accepted; lost updates refused;
scoping (another hospital's report is a 404); analytics and notifications."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse

from yilian.accounts.models import User
from yilian.analytics.models import ActivityEvent
from yilian.audit.models import AuditEntry
from yilian.core.tests.html import parse
from yilian.core.tests.race import Contender, at_once
from yilian.notify.models import Notification

from ..models import Status, Submission, SubmissionEvent
from ..services import (
    ReportInvalid,
    StaleReport,
    accept_report,
    return_report,
    save_report,
    stored_values,
)
from .conftest import GOOD


def _submit(user, period, raw=GOOD, version=0, submit=True) -> Submission:
    return save_report(actor=user, period=period, raw=raw, expected_version=version, submit=submit)


def test_a_draft_is_saved_typed_with_the_computed_value(staff_a, period):
    report = _submit(staff_a, period, {**GOOD, "bed_days": "645"}, submit=False)

    assert report.status == Status.DRAFT and report.version == 1
    values = stored_values(report)
    assert values["visits"] == Decimal("1200")
    assert values["avg_stay"] == Decimal("8.1")  # 645 / 80 = 8.0625 → 1 decimal place
    assert values["level"] == "甲"
    assert values["checked_on"].isoformat() == "2026-01-05"
    assert report.first_submitted_at is None


def test_a_draft_may_be_incomplete_but_not_wrongly_typed(staff_a, period):
    report = _submit(staff_a, period, {"visits": "12"}, submit=False)
    assert stored_values(report) == {"visits": Decimal("12")}

    with pytest.raises(ReportInvalid) as caught:
        _submit(staff_a, period, {"visits": "twelve"}, version=1, submit=False)
    assert list(caught.value.field_errors) == ["visits"]


def test_submitting_reports_every_problem_at_its_field_and_saves_nothing(staff_a, period):
    raw = {
        **GOOD,
        "visits": "",  # required
        "discharges": "3",
        "infections": "5",  # the rule: ≤ discharges
        "satisfaction": "120",  # a percentage: 0–100
        "level": "丁",  # not a choice
        "checked_on": "2026/13/01",
        "bed_days": "-1",  # minimum 0
    }
    with pytest.raises(ReportInvalid) as caught:
        _submit(staff_a, period, raw)

    errors = caught.value.field_errors
    assert set(errors) == {
        "visits",
        "infections",
        "satisfaction",
        "level",
        "checked_on",
        "bed_days",
    }
    assert errors["infections"] == ["院内感染例数不能超过出院人数"]
    assert "required" in errors["visits"][0]
    assert "0 to 100" in errors["satisfaction"][0]
    assert not Submission.objects.exists()


def test_the_rule_passes_when_corrected(staff_a, period):
    with pytest.raises(ReportInvalid):
        _submit(staff_a, period, {**GOOD, "infections": "81"})
    report = _submit(staff_a, period, {**GOOD, "infections": "80"})
    assert report.status == Status.SUBMITTED and report.first_submitted_at is not None


def test_the_whole_loop_submit_return_resubmit_accept(
    staff_a, manager, period, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = _submit(staff_a, period)
    assert ActivityEvent.objects.filter(action="submit", kind="data_reporting").count() == 1

    with django_capture_on_commit_callbacks(execute=True):
        report = return_report(
            report,
            actor=manager,
            comments={"visits": "门诊人次与 HIS 不符，请核对", "": "请尽快修改"},
            expected_version=report.version,
        )
    assert report.status == Status.RETURNED
    assert report.comments == {"visits": "门诊人次与 HIS 不符，请核对", "": "请尽快修改"}
    assert Notification.objects.filter(recipient=staff_a, verb="reporting.returned").exists()

    report = _submit(staff_a, period, {**GOOD, "visits": "1180"}, version=report.version)
    assert report.status == Status.RESUBMITTED
    first = report.first_submitted_at
    with django_capture_on_commit_callbacks(execute=True):
        report = accept_report(report, actor=manager, expected_version=report.version)

    assert report.status == Status.ACCEPTED and report.first_submitted_at == first
    assert stored_values(report)["visits"] == Decimal("1180")
    actions = list(
        SubmissionEvent.objects.filter(submission=report).values_list("action", flat=True)
    )
    assert actions == ["submit", "return", "resubmit", "accept"]
    assert SubmissionEvent.objects.get(action="resubmit").payload == {"changed": ["visits"]}
    assert ActivityEvent.objects.filter(action="accept", kind="data_reporting").count() == 1
    # A second accept changes nothing.
    again = accept_report(report, actor=manager, expected_version=report.version - 1)
    assert again.version == report.version


def test_a_report_under_review_cannot_be_changed_by_the_hospital(staff_a, period):
    report = _submit(staff_a, period)
    with pytest.raises(ValidationError) as caught:
        _submit(staff_a, period, {**GOOD, "visits": "1"}, version=report.version)
    assert caught.value.code == "locked"
    assert stored_values(Submission.objects.get())["visits"] == Decimal("1200")


def test_returning_needs_a_comment_and_only_managers_review(
    staff_a, manager, platform_admin, period
):
    report = _submit(staff_a, period)
    with pytest.raises(ValidationError):
        return_report(
            report, actor=manager, comments={"visits": "  "}, expected_version=report.version
        )
    for user in (staff_a, platform_admin):
        with pytest.raises(PermissionDenied):
            accept_report(report, actor=user, expected_version=report.version)
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED


def test_a_stale_version_is_refused(staff_a, make_user, manager, period):
    colleague = make_user("staff", hospital=staff_a.hospital, name="同事")
    first = _submit(staff_a, period, submit=False)
    _submit(colleague, period, {**GOOD, "visits": "999"}, version=first.version, submit=False)

    with pytest.raises(StaleReport):
        _submit(staff_a, period, {**GOOD, "visits": "1"}, version=first.version, submit=False)
    assert stored_values(Submission.objects.get())["visits"] == Decimal("999")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_colleagues_saving_at_once_have_one_winner(staff_a, make_user, period):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (row locks across real connections)")
    colleague = make_user("staff", hospital=staff_a.hospital, name="同事")

    def saving(user_pk: int, visits: str) -> Contender:
        def prepare() -> Callable[[], Submission]:
            user = User.objects.get(pk=user_pk)
            return lambda: _submit(user, period, {**GOOD, "visits": visits}, submit=False)

        return prepare

    results = at_once(saving(staff_a.pk, "1"), saving(colleague.pk, "2"))

    winners = [r for r in results if isinstance(r, Submission)]
    assert len(winners) == 1, results
    assert isinstance(next(r for r in results if r not in winners), StaleReport), results
    assert Submission.objects.get().version == 1


def test_only_assigned_hospitals_staff_fill_in(lead_hospital, make_user, manager, period):
    lead_staff = make_user("staff", hospital=lead_hospital)  # provincial: not assigned
    for user in (lead_staff, manager):
        with pytest.raises(PermissionDenied):
            _submit(user, period)
    assert not Submission.objects.exists()


# --- pages ----------------------------------------------------------------------------


def test_my_reports_lists_this_months_period_to_report(login, staff_a, period):
    response = login(staff_a).get(reverse("reporting:mine"))
    page = parse(response)
    item = page.one("a", data_report=f"hospital_monthly:{period.label}")
    assert item.get("href") == reverse("reporting:fill", args=[period.public_id])


def test_the_form_keeps_what_was_typed_and_shows_each_message_at_its_field(login, staff_a, period):
    client = login(staff_a)
    raw = {**GOOD, "infections": "90", "visits": "abc", "expected_version": "0", "do": "submit"}
    response = client.post(reverse("reporting:fill", args=[period.public_id]), raw)

    assert response.status_code == 422
    page = parse(response)
    assert "院内感染例数不能超过出院人数" in page.one("div", id="field-infections").text
    assert "Give a number." in page.one("div", id="field-visits").text
    assert page.one("input", name="visits").get("value") == "abc"
    assert page.one("input", name="infections").get("value") == "90"
    assert page.one("div", data_computed="avg_stay").text.strip() == "8.0"
    assert not Submission.objects.exists()
    assert AuditEntry.objects.filter(object_type="reporting.submission").count() == 0

    ok = client.post(
        reverse("reporting:fill", args=[period.public_id]),
        {**raw, "infections": "2", "visits": "1200"},
    )
    assert ok.status_code == 302
    report = Submission.objects.get()
    assert report.status == Status.SUBMITTED
    assert AuditEntry.objects.filter(object_id=str(report.public_id), action="update").exists()


def test_staff_of_another_hospital_get_404(login, staff_a, staff_b, manager, period, lead_hospital):
    report = _submit(staff_a, period)
    other = login(staff_b)
    assert other.get(reverse("reporting:report", args=[report.public_id])).status_code == 404
    response = other.post(
        reverse("reporting:return", args=[report.public_id]),
        {"expected_version": report.version, "c_visits": "x"},
    )
    assert response.status_code == 404
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED


def test_staff_cannot_review_their_own_report(login, staff_a, period):
    report = _submit(staff_a, period)
    client = login(staff_a)
    assert (
        client.post(
            reverse("reporting:accept", args=[report.public_id]),
            {"expected_version": report.version},
        ).status_code
        == 404
    )
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED
    # Their link to the report goes to their form.
    response = client.get(reverse("reporting:report", args=[report.public_id]))
    assert response["Location"] == reverse("reporting:fill", args=[period.public_id])


def test_the_manager_returns_a_field_with_a_comment_then_accepts(login, staff_a, manager, period):
    report = _submit(staff_a, period)
    client = login(manager)
    queue = parse(client.get(reverse("reporting:queue")))
    assert queue.one("tr", data_report=str(report.public_id))

    response = client.post(
        reverse("reporting:return", args=[report.public_id]),
        {"expected_version": report.version, "c_discharges": "请核对出院人数"},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.RETURNED and report.comments == {"discharges": "请核对出院人数"}

    form = parse(login(staff_a).get(reverse("reporting:fill", args=[period.public_id])))
    assert "请核对出院人数" in form.one("div", data_comment="discharges").text

    report = _submit(staff_a, period, {**GOOD, "discharges": "81"}, version=report.version)
    client = login(manager)
    response = client.post(
        reverse("reporting:accept", args=[report.public_id]), {"expected_version": report.version}
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Status.ACCEPTED


def test_returning_without_a_comment_explains_and_changes_nothing(login, staff_a, manager, period):
    report = _submit(staff_a, period)
    response = login(manager).post(
        reverse("reporting:return", args=[report.public_id]),
        {"expected_version": report.version},
    )
    assert response.status_code == 422
    assert "Write a comment" in response.content.decode()
    report.refresh_from_db()
    assert report.status == Status.SUBMITTED


def test_the_review_queue_has_a_fixed_number_of_queries(
    login, manager, make_user, period, hospital_a, django_assert_max_num_queries
):
    from yilian.orgs.tests.factories import HospitalFactory

    for n in range(4):
        hospital = HospitalFactory(alliance=hospital_a.alliance, tier="county")
        _submit(make_user("staff", hospital=hospital, name=f"员工{n}"), period)
    client = login(manager)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("reporting:queue"))
    assert len(parse(response).find_all("tr", data_report=True)) == 4


def test_filters_with_a_malformed_dataset_id_are_ignored(login, manager, staff_a, period):
    report = _submit(staff_a, period)
    client = login(manager)
    queue = client.get(reverse("reporting:queue"), {"dataset": "not-a-uuid"})
    assert queue.status_code == 200
    assert parse(queue).one("tr", data_report=str(report.public_id))
    assert client.get(reverse("reporting:rates"), {"dataset": "not-a-uuid"}).status_code == 200
