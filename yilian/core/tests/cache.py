"""A cache configuration whose Redis cannot be reached, for the tests of what degrades
(and what refuses) while Redis is down."""

from __future__ import annotations

import socket
from typing import Any


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
