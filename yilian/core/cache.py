"""The Redis cache, degrading to "empty" when Redis is down.

The cache only ever speeds things up or counts (rate limits, image tiles, health checks):
when Redis stops, a page must still work. Each operation that cannot reach Redis behaves as
on an empty cache — ``get`` misses, ``set``/``add`` store nothing, ``incr`` finds no key
(``CacheUnavailable``, a ``ValueError`` as Django's caches raise for a missing key) — and
logs a warning at most once a minute. Ordinary rate limits therefore let requests through
while Redis is down (and say so in the log); fail-closed ones (``ratelimit.hit(...,
fail_closed=True)``) tell the unavailable cache apart by that exception and refuse.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)
_WARN_EVERY = 60.0
_last_warning = 0.0


def _warn(operation: str, error: Exception) -> None:
    global _last_warning  # one process-wide throttle for one message
    now = time.monotonic()
    if now - _last_warning >= _WARN_EVERY:
        _last_warning = now
        logger.warning("cache unavailable (%s: %s); going on without it", operation, error)


def _degrades_to(fallback: Callable[..., Any]) -> Callable:
    def decorate(method: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(method)
        def wrapped(self: ResilientRedisCache, *args: Any, **kwargs: Any) -> Any:
            try:
                return method(self, *args, **kwargs)
            except UNAVAILABLE as error:
                _warn(method.__name__, error)
                return fallback(*args, **kwargs)

        return wrapped

    return decorate


class CacheUnavailable(ValueError):
    """``incr`` could not reach the cache: the key is "missing" to callers that only
    expect Django's ``ValueError``, and recognisable to those that must know it could not
    count (a fail-closed rate limit)."""


def _missing_key(key: Any, *args: Any, **kwargs: Any) -> Any:
    raise CacheUnavailable(f"Key {key!r} not found (cache unavailable).")


class ResilientRedisCache(RedisCache):
    """Django's Redis cache; on a connection failure it answers as an empty cache."""

    get = _degrades_to(lambda key, default=None, version=None: default)(RedisCache.get)
    get_many = _degrades_to(lambda keys, version=None: {})(RedisCache.get_many)
    has_key = _degrades_to(lambda key, version=None: False)(RedisCache.has_key)
    set = _degrades_to(lambda *args, **kwargs: None)(RedisCache.set)
    set_many = _degrades_to(lambda data, *args, **kwargs: list(data))(RedisCache.set_many)
    add = _degrades_to(lambda *args, **kwargs: False)(RedisCache.add)
    touch = _degrades_to(lambda *args, **kwargs: False)(RedisCache.touch)
    delete = _degrades_to(lambda *args, **kwargs: False)(RedisCache.delete)
    delete_many = _degrades_to(lambda *args, **kwargs: None)(RedisCache.delete_many)
    incr = _degrades_to(_missing_key)(RedisCache.incr)
    clear = _degrades_to(lambda: False)(RedisCache.clear)
