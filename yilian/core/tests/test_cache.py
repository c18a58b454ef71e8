"""The Redis cache answers as an empty cache when Redis cannot be reached; rate limits let
requests through then, except fail-closed (security) ones, which refuse."""

from __future__ import annotations

import uuid

import pytest
from django.core.cache import cache
from freezegun import freeze_time

from yilian.core import cache as resilient
from yilian.core.ratelimit import UNAVAILABLE_RETRY, hit

from .cache import unreachable_redis_caches


@pytest.fixture
def unreachable_redis(settings, monkeypatch):
    monkeypatch.setattr(resilient, "_last_warning", float("-inf"))  # warn in this test
    settings.CACHES = unreachable_redis_caches()


def test_reads_miss_and_writes_store_nothing(unreachable_redis, caplog):
    assert cache.get("k", "fallback") == "fallback"
    assert cache.get_many(["a", "b"]) == {}
    assert cache.has_key("k") is False
    assert cache.add("k", 1) is False
    cache.set("k", 1)
    cache.delete("k")
    with pytest.raises(ValueError):  # what Django's callers expect of a missing key …
        cache.incr("k")
    with pytest.raises(resilient.CacheUnavailable):  # … told apart by those who must know
        cache.incr("k")
    assert "cache unavailable" in caplog.text


def test_rate_limits_let_requests_through(unreachable_redis):
    assert all(hit("login", "10.0.0.1", "2/m")[0] for _ in range(5))


def test_fail_closed_rate_limits_refuse_with_a_short_retry(unreachable_redis):
    answers = {hit("cme_verify", "10.0.0.1", "30/h", fail_closed=True) for _ in range(3)}
    assert answers == {(False, UNAVAILABLE_RETRY)}


@pytest.mark.parametrize("fail_closed", [False, True])
def test_with_a_working_cache_both_kinds_count(fail_closed):
    key = uuid.uuid4().hex  # the in-process cache outlives each test: a count of its own
    with freeze_time("2031-01-01 10:00:05"):  # all three in one window
        allowed = [hit("scope", key, "2/h", fail_closed=fail_closed)[0] for _ in range(3)]
    assert allowed == [True, True, False]
