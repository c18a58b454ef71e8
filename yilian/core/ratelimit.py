"""A small per-client rate limit on public form submissions, counted in Django's cache
(Redis in production, so every worker shares the count; the in-process cache otherwise).

A rate is ``N/unit`` with unit ``s``, ``m``, ``h`` or ``d`` (``5/h``: five per clock hour).
The window is fixed: the count starts again at the next window.

When the cache cannot count (Redis down, see ``yilian.core.cache``) an ordinary limit lets
the use through; a security limit (``fail_closed=True``: one that exists to stop guessing)
refuses it for ``UNAVAILABLE_RETRY`` seconds instead."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .cache import CacheUnavailable

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# Seconds a fail-closed scope asks the client to wait while the cache cannot count.
UNAVAILABLE_RETRY = 60


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


def hit(scope: str, key: str, rate: str, *, fail_closed: bool = False) -> tuple[bool, int]:
    """Count one use of ``scope`` by ``key``; ``(allowed, seconds until the window ends)``.
    If the cache cannot count, the use is allowed — or, with ``fail_closed``, refused with a
    short retry (``UNAVAILABLE_RETRY``)."""
    allowed, window = parse_rate(rate)
    now = int(time.time())
    slot = now // window
    name = f"ratelimit:{scope}:{key}:{slot}"
    cache.add(name, 0, timeout=window + 1)
    try:
        used = cache.incr(name)
    except CacheUnavailable:
        if fail_closed:
            return False, UNAVAILABLE_RETRY
        return True, (slot + 1) * window - now
    except ValueError:  # expired between add and incr: this is the first use of a new window
        cache.set(name, 1, timeout=window + 1)
        used = 1
    return used <= allowed, (slot + 1) * window - now


def rate_limited(request: HttpRequest, retry_after: int) -> HttpResponse:
    """The 429 page: nothing was done, try again after ``retry_after`` seconds."""
    response = render(
        request,
        "core/rate_limited.html",
        {"minutes": max(1, (retry_after + 59) // 60)},
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    return response


def limit_posts(scope: str, setting: str, *, fail_closed: bool = False) -> Callable:
    """Limit a view's POSTs per client address to the rate named by ``setting``; beyond it
    the answer is 429 and the view does not run (nothing is made). ``fail_closed`` as for
    ``hit``."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            if request.method == "POST":
                allowed, retry_after = hit(
                    scope, client_ip(request), getattr(settings, setting), fail_closed=fail_closed
                )
                if not allowed:
                    return rate_limited(request, retry_after)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
