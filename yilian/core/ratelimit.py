"""A small per-client rate limit on public form submissions, counted in Django's cache
(Redis in production, so every worker shares the count; the in-process cache otherwise).

A rate is ``N/unit`` with unit ``s``, ``m``, ``h`` or ``d`` (``5/h``: five per clock hour).
The window is fixed: the count starts again at the next window."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """``"5/h"`` → ``(5, 3600)``: how many in how many seconds."""
    count, _slash, unit = rate.strip().partition("/")
    try:
        allowed = int(count)
        window = UNITS[unit.strip().lower()]
    except (ValueError, KeyError):
        raise ImproperlyConfigured(f"not a rate (like 5/h): {rate!r}") from None
    if allowed < 1:
        raise ImproperlyConfigured(f"a rate allows at least one: {rate!r}")
    return allowed, window


def client_ip(request: HttpRequest) -> str:
    """The client's address as the server sees it (behind the reverse proxy, the address the
    proxy passes on, as for the audit trail)."""
    return request.META.get("REMOTE_ADDR") or "unknown"


def hit(scope: str, key: str, rate: str) -> tuple[bool, int]:
    """Count one use of ``scope`` by ``key``; ``(allowed, seconds until the window ends)``."""
    allowed, window = parse_rate(rate)
    now = int(time.time())
    slot = now // window
    name = f"ratelimit:{scope}:{key}:{slot}"
    cache.add(name, 0, timeout=window + 1)
    try:
        used = cache.incr(name)
    except ValueError:  # expired between add and incr: this is the first use of a new window
        cache.set(name, 1, timeout=window + 1)
        used = 1
    return used <= allowed, (slot + 1) * window - now


def limit_posts(scope: str, setting: str) -> Callable:
    """Limit a view's POSTs per client address to the rate named by ``setting``; beyond it
    the answer is 429 and the view does not run (nothing is made)."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            if request.method == "POST":
                allowed, retry_after = hit(scope, client_ip(request), getattr(settings, setting))
                if not allowed:
                    response = render(
                        request,
                        "core/rate_limited.html",
                        {"minutes": max(1, (retry_after + 59) // 60)},
                        status=429,
                    )
                    response["Retry-After"] = str(retry_after)
                    return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
