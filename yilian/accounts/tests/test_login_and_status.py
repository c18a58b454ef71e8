"""Logging in by phone, and where an account that is not active may go."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from conftest import PASSWORD
from yilian.accounts import services
from yilian.core.tests.html import parse, tr

BUSINESS_PAGES = ["/", "/hospitals/", "/services/", "/notifications/", "/overview/"]


def _log_in(client, phone: str, password: str = PASSWORD, **extra):
    return client.post(
        reverse("accounts:login"), {"username": phone, "password": password}, **extra
    )


def test_member_logs_in_with_phone_and_lands_on_the_workbench(client, staff_a):
    response = _log_in(client, staff_a.phone, follow=True)

    assert response.redirect_chain == [(reverse("web:home"), 302)]
    assert client.session[SESSION_KEY] == str(staff_a.pk)
    assert "赵医生" in parse(response).one("h1").text


def test_login_follows_a_safe_next_url(client, staff_a):
    response = client.post(
        reverse("accounts:login"),
        {"username": staff_a.phone, "password": PASSWORD, "next": "/hospitals/"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/hospitals/"


def test_wrong_password_is_refused_with_a_message(client, staff_a):
    response = _log_in(client, staff_a.phone, "Wrong-Password-1")

    assert response.status_code == 200
    assert SESSION_KEY not in client.session
    alert = parse(response).one("div", class_="alert-danger")
    assert alert.text == tr("The mobile number or password is wrong.")


@pytest.mark.parametrize("path", BUSINESS_PAGES)
def test_pending_user_who_logs_in_is_redirected_from_business_pages_to_status(
    client, pending_staff_a, path
):
    assert _log_in(client, pending_staff_a.phone).status_code == 302

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:status")


def test_pending_user_lands_on_the_status_page_after_login(client, pending_staff_a):
    response = _log_in(client, pending_staff_a.phone, follow=True)

    assert response.redirect_chain[-1] == (reverse("accounts:status"), 302)
    page = parse(response)
    assert page.one(id="account-status").get("data-status") == "pending"
    assert "心血管内科" in page.one(id="account-status").text
    assert page.find(class_="yl-sidebar") is None
    assert page.find(class_="yl-tabbar") is None


def test_pending_user_can_log_out(client, pending_staff_a):
    client.force_login(pending_staff_a)

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert SESSION_KEY not in client.session


def test_rejected_user_sees_the_reason(client, pending_staff_a, hospital_admin_a):
    services.reject_registration(pending_staff_a, actor=hospital_admin_a, reason="非本院在职人员")
    _log_in(client, pending_staff_a.phone)

    response = client.get(reverse("accounts:status"))

    assert response.status_code == 200
    status = parse(response).one(id="account-status")
    assert status.get("data-status") == "rejected"
    assert status.one("blockquote").text == "非本院在职人员"


def test_rejected_user_is_kept_out_of_business_pages(client, pending_staff_a, hospital_admin_a):
    services.reject_registration(pending_staff_a, actor=hospital_admin_a, reason="资料不全")
    client.force_login(pending_staff_a)

    response = client.get(reverse("web:hospitals"))

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:status")


def test_active_member_is_sent_from_the_status_page_to_the_workbench(login, staff_a):
    response = login(staff_a).get(reverse("accounts:status"))

    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")


def test_approved_user_gets_into_business_pages_on_the_next_request(
    client, pending_staff_a, hospital_admin_a
):
    client.force_login(pending_staff_a)
    assert client.get(reverse("web:services")).status_code == 302

    services.approve_registration(pending_staff_a, actor=hospital_admin_a)

    assert client.get(reverse("web:services")).status_code == 200


def test_anonymous_visitor_is_sent_to_login_from_the_status_page(client):
    response = client.get(reverse("accounts:status"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={reverse('accounts:status')}"
