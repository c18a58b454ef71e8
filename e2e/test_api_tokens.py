"""An integrator's first steps in the browser: a doctor creates an API token on the
account's page (shown once), the API documentation renders from the vendored Swagger UI
without any request leaving the server, and the token answers as its owner."""

from __future__ import annotations

from playwright.sync_api import expect

from conftest import PASSWORD
from e2e.conftest import PHONE, log_in
from yilian.api.models import PersonalAccessToken


def test_doctor_creates_a_token_and_reads_the_docs(new_context, live_url, staff_a):
    page = new_context(PHONE).new_page()
    outside: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(live_url) else outside.append(r.url))
    log_in(page, staff_a.phone, PASSWORD)
    page.goto("/accounts/profile/")
    page.locator('[data-nav="api-tokens"]:visible').click()
    expect(page.locator("#no-tokens")).to_be_visible()
    page.locator("#token-form #id_name").fill("HIS 接口")
    page.locator("#token-form button").click()
    token = page.locator("[data-new-token]").input_value()
    row = PersonalAccessToken.objects.get(user=staff_a)
    assert token.startswith(row.prefix) and row.scope == "read"

    page.goto("/accounts/api-tokens/")
    expect(page.locator(f'[data-token="{row.public_id}"]')).to_contain_text(row.prefix)
    assert token not in page.content()

    page.goto("/api/v1/docs")
    expect(page.locator(".swagger-ui .opblock-tag").first).to_be_visible()
    expect(page.locator(".swagger-ui")).to_contain_text("/api/v1/businesses/")
    me = page.evaluate(
        """async (token) => {
            const r = await fetch('/api/v1/me/', {headers: {Authorization: 'Bearer ' + token}});
            return [r.status, await r.json()];
        }""",
        token,
    )
    assert me[0] == 200 and me[1]["id"] == str(staff_a.public_id)
    assert me[1]["token_scope"] == "read"
    assert outside == []
