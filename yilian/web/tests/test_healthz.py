"""/healthz: every component checked for real, each reported, 503 when one fails."""

from __future__ import annotations

from django.urls import reverse

COMPONENTS = {"database", "cache", "channel_layer", "task_backend"}


def test_healthz_is_ok_with_every_component_on_the_default_settings(client, db):
    response = client.get(reverse("healthz"))

    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert set(body["components"]) == COMPONENTS
    assert {name: c["status"] for name, c in body["components"].items()} == dict.fromkeys(
        COMPONENTS, "ok"
    )
    assert all(c["backend"] for c in body["components"].values())
    assert "no-cache" in response["Cache-Control"]


def test_healthz_is_503_and_reports_the_cache_when_redis_is_down(client, db, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }

    response = client.get(reverse("healthz"))

    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "error"
    assert body["components"]["cache"]["status"] == "error"
    assert body["components"]["cache"]["error"] == "ConnectionError"
    others = {name: c["status"] for name, c in body["components"].items() if name != "cache"}
    assert others == dict.fromkeys(COMPONENTS - {"cache"}, "ok")


def test_healthz_answers_anonymous_visitors_without_a_session(client, db):
    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert "sessionid" not in response.cookies


def test_healthz_accepts_only_get(client, db):
    assert client.post(reverse("healthz")).status_code == 405
