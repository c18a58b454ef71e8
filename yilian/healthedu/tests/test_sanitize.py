"""Rich text never carries script to a page: not through the editor (cleaned on save), not
through a row written around the service (cleaned again when shown), not in the preview."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from yilian.core.tests.html import Element, parse

from ..models import Item
from ..sanitize import ALLOWED_TAGS, URL_SCHEMES, clean_html
from .conftest import published
from .xss_vectors import VECTORS, X

pytestmark = pytest.mark.django_db

SAFE_TEXT = "<h3>家庭血压监测</h3><p>早晚各<strong>一次</strong>，<a href='https://example.org/bp'>参考</a></p>"


def assert_inert(page: Element, body: Element, raw: str) -> None:
    """Nothing in ``body`` can run script, and the page has no inline script at all."""
    for element in body.find_all():
        assert element.tag in ALLOWED_TAGS, element
        for name, value in element.attrs.items():
            assert not name.startswith("on"), element
            assert name != "style", element
            if name in ("href", "src"):
                scheme = re.match(r"^\s*([a-zA-Z][a-zA-Z0-9+.-]*):", value)
                assert scheme is None or scheme.group(1).lower() in URL_SCHEMES, element
    for script in page.find_all("script"):
        assert (script.get("src") or "").startswith("/static/"), script
        assert script.text == ""
    lowered = raw.lower()
    assert "javascript:" not in lowered
    assert "onerror" not in lowered
    assert "<svg" not in lowered or "segno" in lowered  # only the QR code draws SVG


@pytest.mark.parametrize("vector", VECTORS)
def test_every_vector_is_cleaned_on_save_and_never_reaches_the_public_page(
    vector, client, staff_a, hospital_admin_a
):
    item = published(staff_a, hospital_admin_a, body=f"<p>前言</p>{vector}<p>结尾</p>")

    stored = Item.objects.get(pk=item.pk).body
    assert "<script" not in stored.lower() and X not in _attributes_of(stored)

    response = client.get(reverse("healthedu:share", args=[item.slug]))
    assert response.status_code == 200
    page = parse(response)
    body = page.one("div", id="share-body")
    assert body.text.startswith("前言")  # the text around the vector is kept
    assert_inert(page, body, response.content.decode())


def _attributes_of(html: str) -> str:
    return " ".join(value for element in parse(html).find_all() for value in element.attrs.values())


def test_text_written_around_the_service_is_cleaned_when_shown(
    client, login, staff_a, hospital_admin_a, manager
):
    """A row changed by hand (an import, the admin): the page still shows no script."""
    item = published(staff_a, hospital_admin_a)
    evil = "".join(VECTORS)
    Item.objects.filter(pk=item.pk).update(body=evil, summary=f"<script>{X}</script>")

    response = client.get(reverse("healthedu:share", args=[item.slug]))
    page = parse(response)
    assert_inert(page, page.one("div", id="share-body"), response.content.decode())
    assert page.one("p", id="share-summary").text == f"<script>{X}</script>"  # shown as text

    staff_page = login(manager).get(reverse("healthedu:item", args=[item.public_id]))
    page = parse(staff_page)
    assert_inert(page, page.one("div", id="item-body"), _without_qr(staff_page))


def _without_qr(response) -> str:
    return re.sub(r"<svg.*?</svg>", "", response.content.decode(), flags=re.S)


def test_the_preview_is_cleaned_and_saves_nothing(login, staff_a):
    client = login(staff_a)
    response = client.post(
        reverse("healthedu:new"),
        {
            "kind": "article",
            "title": "预览",
            "body": SAFE_TEXT + "".join(VECTORS),
            "audience": "public",
            "action": "preview",
        },
    )
    assert response.status_code == 200
    page = parse(response)
    preview = page.one("section", id="preview").one("div", class_="yl-article")
    assert preview.one("strong").text == "一次"
    assert preview.find_all("a")[0].get("href") == "https://example.org/bp"
    for element in preview.find_all():
        assert element.tag in ALLOWED_TAGS
        assert not any(name.startswith("on") for name in element.attrs)
    assert not Item.objects.exists()


def test_allowed_formatting_survives_and_links_get_a_safe_rel():
    cleaned = parse(clean_html(SAFE_TEXT))
    assert cleaned.one("h3").text == "家庭血压监测"
    link = cleaned.one("a")
    assert link.get("href") == "https://example.org/bp"
    assert set((link.get("rel") or "").split()) == {"noopener", "noreferrer", "nofollow"}
