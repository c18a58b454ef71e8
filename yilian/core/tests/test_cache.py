"""The Redis cache answers as an empty cache when Redis cannot be reached."""

from __future__ import annotations

import socket

import pytest
from django.core.cache import cache

from yilian.core import cache as resilient
from yilian.core.ratelimit import hit


@pytest.fixture
def unreachable_redis(settings, monkeypatch):
    monkeypatch.setattr(resilient, "_last_warning", float("-inf"))  # warn in this test
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings.CACHES = {
        "default": {
            "BACKEND": "yilian.core.cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 1},
        }
    }


def test_reads_miss_and_writes_store_nothing(unreachable_redis, caplog):
    assert cache.get("k", "fallback") == "fallback"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.has_key("k") is False
    assert cache.add("k", 1) is False
    cache.set("k", 1)
    cache.delete("k")
    with pytest.raises(ValueError):
        cache.incr("k")
    assert "cache unavailable" in caplog.text


def test_rate_limits_let_requests_through(unreachable_redis):
    assert all(hit("login", "10.0.0.1", "2/m")[0] for _ in range(5))
