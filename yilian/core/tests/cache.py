"""A cache configuration whose Redis cannot be reached, for the tests of what degrades
(and what refuses) while Redis is down."""

from __future__ import annotations

import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import redis

from yilian.core.tests.processes import stop_process


def unreachable_redis_caches() -> dict[str, Any]:
    """``CACHES`` with the resilient Redis cache pointing at a port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return {
        "default": {
            "BACKEND": "yilian.core.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 1},
        }
    }


@contextmanager
def running_redis(folder: Path) -> Iterator[str]:
    """A real redis-server of its own on a free loopback port (nothing saved to disk),
    stopped afterwards; yields its URL once it answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [
            "redis-server",
            *("--port", str(port), "--bind", "127.0.0.1"),
            *("--save", "", "--appendonly", "no", "--dir", str(folder)),
        ],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1)
        for _attempt in range(200):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if server.poll() is not None:
                    raise
                time.sleep(0.05)
        client.close()
        yield url
    finally:
        stop_process(server)


def redis_settings(url: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """``CACHES`` and ``CHANNEL_LAYERS`` as settings.py makes them for ``REDIS_URL=url``."""
    caches = {
        "default": {
            "BACKEND": "yilian.core.cache.ResilientRedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 2},
        }
    }
    layers = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [url]},
        }
    }
    return caches, layers
