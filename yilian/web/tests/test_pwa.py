"""The installable app: manifest, service worker and offline page."""

from __future__ import annotations

import json

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from yilian.core.tests.html import parse
from yilian.web import pwa

pytestmark = pytest.mark.django_db


def test_the_manifest_makes_the_site_installable(client):
    response = client.get(reverse("web:manifest"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["display"] == "standalone"
    assert manifest["start_url"].startswith(reverse("web:home"))
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    # What Chromium needs to offer installing: a 192 and a 512 icon; Android wants a
    # maskable one.
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200


def test_every_page_links_the_manifest_and_the_worker(client, staff_a):
    client.force_login(staff_a)
    page = parse(client.get(reverse("web:home")).content)
    links = page.find_all("link", rel="manifest")
    assert [link.get("href") for link in links] == [reverse("web:manifest")]
    body = page.one("body")
    assert body.get("data-service-worker") == reverse("web:service_worker")


def test_the_worker_is_served_from_the_root_and_never_cached_stale(client):
    response = client.get(reverse("web:service_worker"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "no-cache" in response["Cache-Control"]
    assert reverse("web:service_worker") == "/sw.js"  # its scope is the whole site
    body = response.content.decode()
    config = json.loads(body.split("const CONFIG = ", 1)[1].split(";\n", 1)[0])
    assert config["offline"] == reverse("web:offline")
    assert config["version"] == pwa.shell_version()
    for url in config["shell"]:
        assert client.get(url).status_code == 200, url


def test_every_shell_file_exists():
    missing = [path for path in pwa.SHELL if finders.find(path) is None]
    assert missing == []


def test_the_offline_page_shows_nobodys_data(client, staff_a):
    client.force_login(staff_a)
    response = client.get(reverse("web:offline"))
    assert response.status_code == 200
    text = response.content.decode()
    assert staff_a.name not in text
    assert staff_a.hospital.name not in text
    assert "csrfmiddlewaretoken" not in text


def test_the_shell_version_follows_the_files(monkeypatch, tmp_path):
    before = pwa.shell_version()
    changed = tmp_path / "app.css"
    changed.write_text("body { color: red; }")
    real_find = finders.find
    monkeypatch.setattr(
        finders,
        "find",
        lambda path, *a, **k: (
            str(changed) if path == "yilian/app.css" else real_find(path, *a, **k)
        ),
    )
    pwa.shell_version.cache_clear()
    try:
        assert pwa.shell_version() != before
    finally:
        pwa.shell_version.cache_clear()
