"""The installable app on a phone: Chromium registers the service worker, and with the
network cut a page shows the offline page in the app's shell."""

from __future__ import annotations

from urllib.parse import urlsplit

from playwright.sync_api import expect

from conftest import PASSWORD
from e2e.conftest import PHONE, log_in


def test_offline_the_app_shell_and_the_offline_page_show(new_context, staff_a):
    context = new_context(PHONE)
    page = context.new_page()
    log_in(page, staff_a.phone, PASSWORD)
    expect(page.locator(".yl-tabbar")).to_be_visible()

    scope = page.evaluate(
        "navigator.serviceWorker.ready.then((registration) => registration.scope)"
    )
    assert urlsplit(scope).path == "/"  # it looks after every page of the site
    # The worker controls pages opened from now on.
    page.reload()
    assert page.evaluate("navigator.serviceWorker.controller !== null")

    context.set_offline(True)
    page.goto("/requests/")

    offline = page.locator("[data-offline-page]")
    expect(offline).to_be_visible()
    expect(page.locator("h1")).to_have_text("您已离线")
    # The shell's styles came from the device: the top bar is the app's blue bar.
    background = page.locator(".yl-topbar").evaluate("(el) => getComputedStyle(el).backgroundColor")
    assert background == "rgb(13, 110, 253)"
    icon_font = page.locator(".bi-wifi-off").evaluate(
        "(el) => getComputedStyle(el, '::before').fontFamily"
    )
    assert "bootstrap-icons" in icon_font

    context.set_offline(False)
    page.goto("/requests/")
    expect(page.locator("[data-offline-page]")).to_have_count(0)
