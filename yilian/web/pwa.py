"""The installable app: its manifest, and the service worker's app shell.

The service worker keeps only static files (styles, scripts, fonts, icons) and the offline
page; pages themselves are never stored on the phone, since they carry patients' data."""

from __future__ import annotations

import hashlib
import json
from functools import cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _

# What every page loads: kept on the phone at install, so pages open fast on a slow network
# and the offline page looks like the app.
SHELL = (
    "vendor/bootstrap/bootstrap.min.css",
    "vendor/bootstrap-icons/bootstrap-icons.min.css",
    "vendor/bootstrap-icons/fonts/bootstrap-icons.woff2",
    "yilian/app.css",
    "vendor/htmx/htmx.min.js",
    "vendor/bootstrap/bootstrap.bundle.min.js",
    "yilian/app.js",
    "yilian/icons/icon-192.png",
)
ICONS = (
    ("yilian/icons/icon-192.png", "192x192", "any"),
    ("yilian/icons/icon-512.png", "512x512", "any"),
    ("yilian/icons/maskable-512.png", "512x512", "maskable"),
)
THEME_COLOR = "#0d6efd"


def shell_urls() -> list[str]:
    return [static(path) for path in SHELL]


@cache
def shell_version() -> str:
    """Changes whenever a shell file changes, so phones fetch the new shell (and drop the
    old) after a release."""
    digest = hashlib.sha256()
    for path in SHELL:
        found = finders.find(path)
        digest.update(path.encode())
        if found:
            with open(found, "rb") as handle:
                digest.update(handle.read())
    digest.update(reverse("web:offline").encode())
    return digest.hexdigest()[:16]


def service_worker_config() -> str:
    return json.dumps(
        {
            "version": shell_version(),
            "shell": shell_urls(),
            "offline": reverse("web:offline"),
            # The prefix itself: static("") has no entry in production's manifest.
            "static": settings.STATIC_URL,
        }
    )


def manifest(language: str) -> dict:
    return {
        "name": _("Yilian medical alliance platform"),
        "short_name": _("Yilian"),
        "description": _(
            "Consultations, referrals, teaching and quality work of the medical alliance."
        ),
        "lang": language,
        "id": "/",
        "start_url": reverse("web:home") + "?source=home-screen",
        "scope": "/",
        "display": "standalone",
        "orientation": "any",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOR,
        "icons": [
            {"src": static(path), "sizes": sizes, "type": "image/png", "purpose": purpose}
            for path, sizes, purpose in ICONS
        ],
    }
