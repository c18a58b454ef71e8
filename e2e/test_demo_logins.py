"""Every demo login that `make run` prints opens its workbench."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command
from playwright.sync_api import expect

from e2e.conftest import DESKTOP, log_in
from yilian.accounts.roles import Role
from yilian.orgs.demo import DEMO_LOGINS, DEMO_PASSWORD


def test_every_demo_login_reaches_its_workbench(new_context, live_url):
    call_command("seed_demo", "--scale", "small", stdout=StringIO())
    for demo in DEMO_LOGINS:
        page = new_context(DESKTOP).new_page()
        log_in(page, demo.phone, DEMO_PASSWORD)
        expect(page).to_have_url(f"{live_url}/")
        expect(page.locator("#my-roles")).to_contain_text(str(Role(demo.role).label))
        page.context.close()
