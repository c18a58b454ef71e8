"""Who may call: tokens (scoped read / write), the web session with CSRF, nobody else;
every refusal has the one error body; calls are rate limited per token and per user."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time

from yilian.accounts.models import User
from yilian.notify.models import Notification
from yilian.notify.services import notify

from ..services import create_token, revoke_token
from .conftest import Api


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    assert isinstance(body["error"]["fields"], dict)
    return body["error"]


def test_anonymous_call_is_401(db):
    response = Api().get("/me/")
    _error(response, 401, "not_authenticated")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_token_call_answers_as_its_owner(api_as, staff_a):
    body = api_as(staff_a, "read").get("/me/").json()
    assert body["id"] == str(staff_a.public_id)
    assert body["token_scope"] == "read"


@pytest.mark.parametrize("how", ["revoked", "expired", "disabled", "garbage"])
def test_unusable_token_is_401(staff_a, how):
    token, raw = create_token(staff_a, name="HIS", scope="write", days=7)
    if how == "revoked":
        revoke_token(token, actor=staff_a)
    elif how == "disabled":
        User.objects.filter(pk=staff_a.pk).update(status=User.Status.DISABLED)
    elif how == "garbage":
        raw = raw[:-3] + "abc"
    later = timezone.now() + (timedelta(days=8) if how == "expired" else timedelta(0))
    with freeze_time(later):
        _error(Api(raw).get("/me/"), 401, "invalid_token")


def test_read_token_cannot_write(api_as, staff_a):
    (notification,) = notify([staff_a], verb="test", title="新消息")
    api = api_as(staff_a, "read")
    _error(api.post(f"/notifications/{notification.public_id}/read"), 403, "insufficient_scope")
    _error(api.post("/notifications/read-all"), 403, "insufficient_scope")
    assert Notification.objects.get(pk=notification.pk).read_at is None
    # Reading still works.
    assert api.get("/notifications/").json()["items"][0]["read_at"] is None


def test_write_token_writes(api_as, staff_a):
    (notification,) = notify([staff_a], verb="test", title="新消息")
    response = api_as(staff_a, "write").post(f"/notifications/{notification.public_id}/read")
    assert response.status_code == 200
    assert response.json()["read_at"] is not None
    assert Notification.objects.get(pk=notification.pk).read_at is not None


def test_session_reads_and_needs_csrf_to_write(staff_a):
    (notification,) = notify([staff_a], verb="test", title="新消息")
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_a)
    assert client.get("/api/v1/me/").json()["token_scope"] is None
    refused = client.post(f"/api/v1/notifications/{notification.public_id}/read")
    _error(refused, 403, "csrf_failed")
    assert Notification.objects.get(pk=notification.pk).read_at is None
    client.get("/api/v1/docs")  # sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    done = client.post(
        f"/api/v1/notifications/{notification.public_id}/read", headers={"X-CSRFToken": csrf}
    )
    assert done.status_code == 200
    assert Notification.objects.get(pk=notification.pk).read_at is not None


def test_pending_account_session_is_refused_with_the_error_body(pending_staff_a):
    client = Client()
    client.force_login(pending_staff_a)
    _error(client.get("/api/v1/me/"), 403, "account_not_active")


def test_calls_beyond_the_rate_are_429(settings, api_as, staff_a, staff_b):
    settings.YILIAN_API_RATE = "3/m"
    api = api_as(staff_a)
    with freeze_time("2026-11-26 08:00:05"):
        assert [api.get("/me/").status_code for _ in range(3)] == [200, 200, 200]
        refused = api.get("/me/")
        _error(refused, 429, "rate_limited")
        assert 0 < int(refused.headers["Retry-After"]) <= 60
        # Another user's token has its own count.
        assert api_as(staff_b).get("/me/").status_code == 200
    with freeze_time("2026-11-26 08:01:01"):
        assert api.get("/me/").status_code == 200


def test_unknown_api_path_is_a_json_404(api_as, staff_a):
    _error(api_as(staff_a).get("/no-such-thing/"), 404, "not_found")


def test_malformed_json_is_400(api_as, staff_a):
    api = api_as(staff_a)
    response = api.client.post(
        "/api/v1/patients/search", "{not json", content_type="application/json", headers=api.headers
    )
    _error(response, 400, "bad_request")
