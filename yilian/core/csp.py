"""The Content-Security-Policy of every page: scripts, styles and fonts only from our own
origin — no inline script, no inline style, no ``eval`` — and no framing.

Other origins the browser must reach (the Janus gateway for video, an HLS server for live
streams) are added from settings: ``YILIAN_CSP_EXTRA`` maps a directive to extra sources,
and the origin of ``YILIAN_JANUS_PUBLIC_URL`` is added to ``connect-src`` by itself. A view
that needs a stricter policy (file downloads) sets its own header, which is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import cache
from urllib.parse import urlsplit

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

BASE: Mapping[str, tuple[str, ...]] = {
    "default-src": ("'self'",),
    "script-src": ("'self'",),
    # Plus the one style block the slide viewer (OpenSeadragon 6) adds, by its hash.
    "style-src": ("'self'", "'sha256-9xTiqzfwFaL2SGb1rmr8gysEwVVjIvqWAgmZgqFqpEE='"),
    # Style attributes only (not <style> blocks): the slide viewer (OpenSeadragon) writes
    # them into its markup. Scripts stay strictly our own files.
    "style-src-attr": ("'unsafe-inline'",),
    "img-src": ("'self'", "data:", "blob:"),
    "font-src": ("'self'",),
    "media-src": ("'self'", "blob:"),
    "connect-src": ("'self'",),
    "worker-src": ("'self'", "blob:"),
    "manifest-src": ("'self'",),
    "object-src": ("'none'",),
    "base-uri": ("'none'",),
    "form-action": ("'self'",),
    "frame-ancestors": ("'none'",),
}


def origins_of(url: str) -> list[str]:
    """``https://host:port`` of ``url`` and its websocket twin (``wss://host:port``)."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return []
    socket = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}.get(parts.scheme)
    web = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    return [f"{web}://{parts.netloc}"] + ([f"{socket}://{parts.netloc}"] if socket else [])


def _merge(*sources: Mapping[str, Iterable[str]]) -> dict[str, list[str]]:
    policy: dict[str, list[str]] = {}
    for source in sources:
        for directive, values in source.items():
            bucket = policy.setdefault(directive, [])
            bucket.extend(v for v in values if v not in bucket)
    return policy


@cache
def policy() -> str:
    extra = {"connect-src": origins_of(getattr(settings, "YILIAN_JANUS_PUBLIC_URL", ""))}
    merged = _merge(BASE, extra, getattr(settings, "YILIAN_CSP_EXTRA", {}))
    return "; ".join(f"{name} {' '.join(values)}" for name, values in merged.items())


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs: object) -> None:
    if setting in ("YILIAN_JANUS_PUBLIC_URL", "YILIAN_CSP_EXTRA"):
        policy.cache_clear()


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", policy())
        return response
