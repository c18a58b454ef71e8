"""One study visit through the whole closed loop in the browser, each step by its owner:
the county doctor on the phone, the management team and the host expert at their desks."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from e2e.conftest import DESKTOP, PHONE, log_in, one_tap, open_action, take_action
from yilian.orgs.models import Specialty, TeamService
from yilian.orgs.tests.factories import DepartmentFactory, TeamFactory
from yilian.workflow.models import BusinessRequest, Status

EVERY_STEP = [
    "create",
    "submit",
    "approve",
    "dispatch",
    "confirm",
    "publish",
    "start",
    "complete",
    "feedback",
    "close",
]


@pytest.fixture
def host_team(lead_hospital, expert):
    DepartmentFactory(hospital=lead_hospital, name="肿瘤内科", specialty=Specialty.ONCOLOGY)
    team = TeamFactory(
        hospital=lead_hospital, name="肿瘤内科接待组", specialty=Specialty.ONCOLOGY, lead=expert
    )
    team.members.add(expert)
    TeamService.objects.create(team=team, kind="study_visit")
    return team


def test_a_study_visit_runs_every_step_and_the_applicant_hears_of_publication_live(
    new_context, live_url, staff_a, manager, expert, host_team
):
    day = timezone.localdate() + timedelta(days=7)

    # 1. The county doctor applies on the phone.
    staff = new_context(PHONE).new_page()
    log_in(staff, staff_a.phone, PASSWORD)
    staff.goto("/apply/")
    staff.locator('[data-kind="study_visit"] a').first.click()
    staff.get_by_label("肿瘤内科").check()
    staff.locator("#id_date_from").fill(day.isoformat())
    staff.locator("#id_date_to").fill((day + timedelta(days=1)).isoformat())
    staff.locator("#id_purpose").fill("学习肿瘤多学科诊疗流程，回院后推广。")
    staff.get_by_role("button", name="提交", exact=True).click()
    expect(staff).to_have_url(re.compile(r"/requests/[0-9a-f-]{36}/$"))
    request = BusinessRequest.objects.get(applicant=staff_a)
    assert request.kind == "study_visit"
    assert request.status == Status.SUBMITTED

    # 2. The management team approves from the workbench; the kind's routing dispatches it.
    desk = new_context(DESKTOP).new_page()
    log_in(desk, manager.phone, PASSWORD)
    desk.goto("/workbench/?queue=to_review")
    one_tap(desk, request, "approve")
    request.refresh_from_db()
    assert request.status == Status.DISPATCHED
    assert request.team == host_team

    # 3. The host expert confirms the dates and a contact.
    host = new_context(DESKTOP).new_page()
    log_in(host, expert.phone, PASSWORD)
    host.goto("/workbench/?queue=to_confirm")
    host.locator(f'tr[data-request="{request.public_id}"] a').first.click()
    open_action(host, "confirm")
    host.locator("#id_confirm-scheduled_start").fill(f"{day.isoformat()}T09:00")
    host.locator("#id_confirm-scheduled_end").fill(f"{(day + timedelta(days=1)).isoformat()}T17:00")
    host.locator("#id_confirm-form").select_option("on_site")
    host.locator("#id_confirm-contact").fill("肿瘤内科 王护士长 0571-87666666")
    host.locator('form[data-action-form="confirm"] button[name="go"]').click()
    expect(host.locator(".alert-success")).to_be_visible()
    request.refresh_from_db()
    assert request.status == Status.CONFIRMED

    # The applicant waits on the request page with nothing unread.
    staff.goto("/notifications/")
    staff.locator("form[action$='/notifications/read-all/'] button").click()
    staff.goto(f"/requests/{request.public_id}/")
    expect(staff.locator("body")).to_have_attribute("data-stream-state", "open")
    badge = staff.locator(".yl-tabbar [data-unread-count]")
    expect(badge).to_be_hidden()

    # 4. Publication reaches the applicant's open page without a reload.
    desk.goto("/workbench/?queue=to_publish")
    one_tap(desk, request, "publish")
    expect(badge).to_have_text("1")
    expect(staff.locator("#request-live")).to_be_visible()

    # 5. The host starts the visit and writes the team's opinion.
    host.goto(f"/requests/{request.public_id}/")
    take_action(host, "start")
    expect(host.locator(".alert-success")).to_be_visible()
    open_action(host, "complete")
    host.locator("#id_complete-body").fill(
        "进修医师参观了多学科会诊与日间化疗流程，建议回院建立 MDT 制度。"
    )
    host.locator('form[data-action-form="complete"] button[name="go"]').click()
    expect(host.locator(".alert-success")).to_be_visible()

    # 6. The applicant rates the service on the phone.
    staff.reload()
    open_action(staff, "feedback")
    for field, score in (("satisfaction", 5), ("timeliness", 4), ("quality", 5)):
        staff.locator(f'input[name="feedback-{field}"][value="{score}"]').check()
    staff.locator("#id_feedback-comment").fill("安排周到，收获很大。")
    staff.locator('form[data-action-form="feedback"] button[name="go"]').click()
    expect(staff.locator(".alert-success")).to_be_visible()

    # 7. The management team's quality control closes it.
    desk.goto("/workbench/?queue=to_qc")
    desk.locator(f'tr[data-request="{request.public_id}"] a').first.click()
    open_action(desk, "close")
    for box in desk.locator('form[data-action-form="close"] input[type="checkbox"]').all():
        box.check()
    desk.locator("#id_close-score").fill("95")
    desk.locator('form[data-action-form="close"] button[name="go"]').click()
    expect(desk.locator(".alert-success")).to_be_visible()

    # The request page shows every step, with who did it and when.
    staff.reload()
    events = staff.locator("#timeline li[data-event]")
    expect(events).to_have_count(len(EVERY_STEP))
    assert [e.get_attribute("data-event") for e in events.all()] == EVERY_STEP
    actors = [e.locator("[data-actor]").inner_text() for e in events.all()]
    assert actors == [
        staff_a.name,
        staff_a.name,
        manager.name,
        "系统",
        expert.name,
        manager.name,
        expert.name,
        expert.name,
        staff_a.name,
        manager.name,
    ]
    for event in events.all():
        expect(event).to_contain_text(re.compile(r"\d{1,2}:\d{2}"))
    request.refresh_from_db()
    assert request.status == Status.CLOSED
    assert request.qc_review.score == 95
    assert request.feedback.quality == 5
