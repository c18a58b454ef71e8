"""A member of staff complains on the phone; a manager triages, answers and resolves it;
the staff member is told and rates the answer; the board shows the satisfaction."""

from __future__ import annotations

from playwright.sync_api import expect

from conftest import PASSWORD
from e2e.conftest import DESKTOP, PHONE, log_in
from yilian.supervision.models import Ticket


def test_a_complaint_is_raised_answered_resolved_and_rated(new_context, staff_a, manager):
    staff = new_context(PHONE).new_page()
    log_in(staff, staff_a.phone, PASSWORD)
    staff.goto("/accounts/profile/")
    staff.locator('[data-nav="feedback"]').click()
    staff.locator("#new-ticket").click()
    staff.locator('input[name="category"][value="complaint"]').check()
    staff.locator("#id_about").select_option("platform")
    staff.locator("#id_title").fill("视频会诊声音断续")
    staff.locator("#id_body").fill("本周二下午的会诊中声音多次中断。")
    staff.locator("#send-ticket").click()
    expect(staff.locator("#ticket-status")).to_have_attribute("data-status", "open")
    ticket = Ticket.objects.get()

    desk = new_context(DESKTOP).new_page()
    log_in(desk, manager.phone, PASSWORD)
    desk.goto("/supervision/feedback/")
    desk.get_by_text("视频会诊声音断续").click()
    desk.locator("#triage-form select").select_option("high")
    desk.locator("#triage-form button").click()
    expect(desk.locator("#ticket-status")).to_have_attribute("data-status", "triaged")
    desk.locator("#answer-form textarea").fill("已更换会诊室网络线路，请再试。")
    desk.locator("#answer-form button").click()
    expect(desk.locator("#answer")).to_contain_text("已更换会诊室网络线路")
    desk.once("dialog", lambda dialog: dialog.accept())
    desk.locator("#resolve").click()
    expect(desk.locator("#ticket-status")).to_have_attribute("data-status", "resolved")

    staff.goto(f"/supervision/feedback/{ticket.public_id}/")
    expect(staff.locator("#answer")).to_contain_text("已更换会诊室网络线路")
    staff.locator('#rate-form input[name="rating"][value="5"]').check()
    staff.locator("#rate-form button").click()
    expect(staff.locator("#rating")).to_contain_text("5/5")
    expect(staff.locator("#rate-form")).to_have_count(0)

    desk.goto("/supervision/")
    expect(desk.locator('[data-figure="satisfaction"]')).to_have_text("5.0")
    ticket.refresh_from_db()
    assert (ticket.status, ticket.rating) == (Ticket.Status.RESOLVED, 5)
