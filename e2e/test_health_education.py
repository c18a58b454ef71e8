"""The public share page of a health-education item on a phone, without logging in: the
article reads without sideways scrolling, and script in its source — whether it came
through the editor or was written into the row by hand — never runs."""

from __future__ import annotations

from playwright.sync_api import expect

from yilian.healthedu.models import Item
from yilian.healthedu.services import publish, save_item, submit

PAYLOAD = (
    "<p>测量前安静休息 5 分钟。</p>"
    "<script>window.__xss = 'script'</script>"
    '<img src="/missing.png" onerror="window.__xss = \'onerror\'">'
    '<a id="evil" href="javascript:window.__xss=\'link\'">点这里</a>'
    "<svg onload=\"window.__xss = 'svg'\"></svg>"
    "<p>测量后记录数值。</p>"
)


def test_script_in_an_article_never_runs_on_the_public_page(new_context, staff_a, hospital_admin_a):
    item = save_item(
        actor=staff_a, kind="article", title="家庭血压监测", body=PAYLOAD, summary="早晚各一次"
    )
    publish(submit(item, actor=staff_a), actor=hospital_admin_a)
    # And the same payload written around the service: cleaned again when shown.
    Item.objects.filter(pk=item.pk).update(body=PAYLOAD * 2)

    page = new_context(
        {
            "viewport": {"width": 390, "height": 844},
            "is_mobile": True,
            "has_touch": True,
            "device_scale_factor": 2,
        }
    ).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"/h/{item.slug}/")
    expect(page.locator("#share-title")).to_have_text("家庭血压监测")
    expect(page.locator("#share-body")).to_contain_text("测量后记录数值。")
    page.wait_for_load_state("load")

    assert page.evaluate("typeof window.__xss") == "undefined"
    link = page.locator("#share-body a").first
    link.click()  # the javascript: URL was removed: clicking does nothing
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator("#share-body script").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert errors == []
    assert Item.objects.get(pk=item.pk).view_count == 1
