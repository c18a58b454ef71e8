"""The same pages as a PC workstation (sidebar) and on a phone (bottom tab bar)."""

from __future__ import annotations

from playwright.sync_api import expect

from conftest import PASSWORD
from e2e.conftest import DESKTOP, PHONE, log_in


def test_manager_sees_module_sidebar_on_desktop(new_context, manager, hospital_a, hospital_b):
    page = new_context(DESKTOP).new_page()
    log_in(page, manager.phone, PASSWORD)
    sidebar = page.locator(".yl-sidebar")
    expect(sidebar).to_be_visible()
    for module in ("远程医疗", "教学培训", "医院联动", "质量监管", "平台管理", "数据统计"):
        expect(sidebar).to_contain_text(module)
    expect(page.locator(".yl-tabbar")).to_be_hidden()
    expect(page.locator("#card-institutions .yl-stat")).to_have_text("3")
    sidebar.get_by_text("成员医院").click()
    expect(page.locator("#result-count")).to_contain_text("3")


def test_staff_on_phone_has_tab_bar_and_no_management_pages(new_context, staff_a):
    page = new_context(PHONE).new_page()
    log_in(page, staff_a.phone, PASSWORD)
    tabbar = page.locator(".yl-tabbar")
    expect(tabbar).to_be_visible()
    expect(page.locator(".yl-sidebar")).to_be_hidden()
    tabbar.get_by_text("业务").click()
    expect(page.locator("[data-business]")).to_have_count(18)
    response = page.goto("/accounts/registrations/")
    assert response is not None and response.status == 403


def test_language_switches_to_english(new_context, staff_a):
    page = new_context(PHONE).new_page()
    log_in(page, staff_a.phone, PASSWORD)
    page.goto("/accounts/profile/")
    page.locator("#language").select_option("en")
    expect(page.locator(".yl-tabbar")).to_contain_text("Workbench")
    expect(page.locator("h1")).to_have_text("My profile")
