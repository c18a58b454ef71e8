"""ActiveAccountMiddleware: accounts that are not active stay out of business pages and the API."""

from __future__ import annotations

import pytest
from django.urls import reverse

from yilian.accounts import services


def test_api_path_returns_403_json_for_a_pending_user(client, pending_staff_a):
    client.force_login(pending_staff_a)

    response = client.get("/api/v1/requests/")

    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "error": {
            "code": "account_not_active",
            "message": "The account is not active.",
            "fields": {},
        }
    }


def test_api_path_returns_403_json_for_a_rejected_user_on_post(
    client, pending_staff_a, hospital_admin_a
):
    services.reject_registration(pending_staff_a, actor=hospital_admin_a, reason="资料不全")
    client.force_login(pending_staff_a)

    response = client.post("/api/v1/requests/", {"title": "x"})

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "account_not_active"


def test_api_path_passes_an_active_user_through(login, staff_a):
    response = login(staff_a).get("/api/v1/requests/")

    assert response.status_code == 404  # no API yet: the middleware let it through


@pytest.mark.parametrize(
    "url_name", ["accounts:status", "accounts:password_change", "accounts:password_change_done"]
)
def test_pending_user_may_open_account_pages(client, pending_staff_a, url_name):
    client.force_login(pending_staff_a)

    response = client.get(reverse(url_name))

    assert response.status_code == 200


def test_pending_user_may_reach_healthz_and_static_files(client, pending_staff_a):
    client.force_login(pending_staff_a)

    assert client.get(reverse("healthz")).status_code == 200
    assert client.get("/static/yilian/app.css").status_code == 200


def test_pending_user_may_switch_language(client, pending_staff_a):
    client.force_login(pending_staff_a)

    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("accounts:status")}
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:status")
    assert response.cookies["django_language"].value == "en"


def test_pending_user_is_redirected_from_an_unknown_page(client, pending_staff_a):
    client.force_login(pending_staff_a)

    response = client.get("/no-such-page/")

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:status")
