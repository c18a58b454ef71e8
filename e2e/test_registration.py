"""A member of staff registers on the phone, their hospital admin approves, they get in."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from conftest import PASSWORD
from e2e.conftest import PHONE, log_in
from yilian.accounts.models import User


def test_staff_registers_on_phone_and_is_approved_by_their_hospital_admin(
    new_context, live_url, hospital_a, department_a, hospital_admin_a
):
    staff = new_context(PHONE).new_page()
    staff.goto("/accounts/register/")
    with staff.expect_response("**/accounts/register/choices/**"):
        staff.get_by_label("省份").select_option(hospital_a.province_code)
    with staff.expect_response("**/accounts/register/choices/**"):
        staff.get_by_label("医院").select_option(label=hospital_a.name)
    department = staff.get_by_label("科室")
    expect(department.locator("option", has_text="心血管内科")).to_have_count(1)
    department.select_option(label="心血管内科")
    staff.get_by_label("姓名").fill("周新医")
    staff.get_by_label("手机号").fill("13912345678")
    staff.get_by_label("职称").select_option(User.Title.RESIDENT_PHYSICIAN)
    staff.locator("#id_password1").fill("Zhou-Xinyi-2026")
    staff.locator("#id_password2").fill("Zhou-Xinyi-2026")
    staff.get_by_role("button", name="提交注册").click()

    expect(staff.locator("#account-status")).to_have_attribute("data-status", "pending")
    registered = User.objects.get(phone="13912345678")
    assert registered.status == User.Status.PENDING
    assert registered.hospital == hospital_a

    # Kept out of business pages while pending.
    staff.goto("/hospitals/")
    expect(staff).to_have_url(re.compile(r"/accounts/status/$"))
    expect(staff.locator("body")).to_have_attribute("data-stream-state", "open")

    admin = new_context(PHONE).new_page()
    log_in(admin, hospital_admin_a.phone, PASSWORD)
    expect(admin.locator("#card-pending-registrations .yl-stat")).to_have_text("1")
    admin.goto("/accounts/registrations/")
    admin.get_by_text("周新医").click()
    admin.get_by_role("button", name="通过").click()
    expect(admin.locator(".alert-success")).to_contain_text("周新医")

    # The waiting page learns of the approval by itself and opens the workbench.
    expect(staff).to_have_url(f"{live_url}/", timeout=10_000)
    expect(staff.locator("h1")).to_contain_text("周新医")

    staff.locator(".yl-tabbar").get_by_text("我的").click()
    staff.get_by_role("button", name="退出登录").click()
    log_in(staff, "13912345678", "Zhou-Xinyi-2026")
    expect(staff.locator("h1")).to_contain_text("周新医，您好")
    expect(staff.locator("#my-roles")).to_contain_text("医务人员")
    expect(staff.locator("main")).to_contain_text(hospital_a.name)
    expect(staff.locator(".yl-tabbar")).to_be_visible()


def test_rejected_registration_shows_the_reason(new_context, pending_staff_a, hospital_admin_a):
    admin = new_context(PHONE).new_page()
    log_in(admin, hospital_admin_a.phone, PASSWORD)
    admin.goto(f"/accounts/registrations/{pending_staff_a.public_id}/")
    admin.get_by_label("理由").fill("执业证书编号与本院记录不符")
    admin.once("dialog", lambda dialog: dialog.accept())
    admin.get_by_role("button", name="驳回").click()
    expect(admin.locator(".alert-success")).to_be_visible()

    staff = new_context(PHONE).new_page()
    log_in(staff, pending_staff_a.phone, PASSWORD)
    expect(staff.locator("#account-status")).to_have_attribute("data-status", "rejected")
    expect(staff.locator("blockquote")).to_have_text("执业证书编号与本院记录不符")


def test_hospital_admin_of_another_hospital_gets_404_on_the_registration(
    new_context, pending_staff_a, hospital_admin_b
):
    admin_b = new_context(PHONE).new_page()
    log_in(admin_b, hospital_admin_b.phone, PASSWORD)
    response = admin_b.goto(f"/accounts/registrations/{pending_staff_a.public_id}/")
    assert response is not None and response.status == 404
    admin_b.goto("/accounts/registrations/")
    expect(admin_b.locator("[data-empty]")).to_be_visible()
    expect(admin_b.get_by_text(pending_staff_a.name)).to_have_count(0)
    pending_staff_a.refresh_from_db()
    assert pending_staff_a.status == User.Status.PENDING


def test_pending_user_is_kept_out_of_business_pages(new_context, pending_staff_a):
    page = new_context(PHONE).new_page()
    log_in(page, pending_staff_a.phone, PASSWORD)
    for path in ("/", "/services/", "/hospitals/", "/notifications/", "/accounts/profile/"):
        page.goto(path)
        expect(page).to_have_url(re.compile(r"/accounts/status/$"))
    expect(page.locator(".yl-tabbar")).to_have_count(0)
