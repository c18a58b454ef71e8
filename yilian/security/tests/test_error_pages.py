"""Error pages and error bodies say nothing about the failure: no traceback, exception
message, settings, SQL, file or module paths, and no server version in the headers."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.template import TemplateDoesNotExist
from django.test import Client, RequestFactory
from django.utils import translation

from yilian.api.endpoints import me as me_endpoint
from yilian.fhir import views as fhir_views
from yilian.web import errors

from .error_urls import FAILURE

pytestmark = pytest.mark.urls("yilian.security.tests.error_urls")


@pytest.fixture(autouse=True)
def _production_like(settings):
    settings.DEBUG = False
    settings.DEBUG_PROPAGATE_EXCEPTIONS = False


@pytest.fixture
def browser(db) -> Client:
    return Client(raise_request_exception=False)


def assert_reveals_nothing(response) -> str:
    body = response.content.decode()
    for secret in (
        "Traceback",
        'File "',
        FAILURE,
        "secret.py",
        settings.SECRET_KEY,
        settings.YILIAN_FIELD_KEY,
        "/work",
        str(settings.BASE_DIR),
        "yilian.security",
        "error_urls",
        ".py",
        "SELECT",
        "patients_no_such_table",
        "no such table",
        "DATABASES",
        "Django",
        "Python",
        "uvicorn",
    ):
        assert secret not in body, secret
    for header in ("Server", "X-Powered-By"):
        assert header not in response.headers, header
    return body


@pytest.mark.parametrize("url", ["/test-failures/secrets/", "/test-failures/sql/"])
def test_a_failing_page_answers_the_static_500_page(browser, url):
    response = browser.get(url)
    assert response.status_code == 500
    body = assert_reveals_nothing(response)
    assert "yl-auth" in body  # the site's style
    assert "Something went wrong on our side" in body or "我们这边出了问题" in body


def test_the_500_page_follows_the_language(browser):
    with translation.override("en"):
        english = browser.get("/test-failures/secrets/", HTTP_ACCEPT_LANGUAGE="en")
    chinese = browser.get("/test-failures/secrets/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert '<html lang="en">' in english.content.decode()
    assert "Something went wrong on our side" in english.content.decode()
    assert '<html lang="zh-hans">' in chinese.content.decode()
    assert_reveals_nothing(chinese)


def test_the_api_answers_a_failure_in_its_error_body(browser, login, staff_a, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError(f"{FAILURE} {settings.SECRET_KEY}")

    monkeypatch.setattr(me_endpoint, "ref", fail)
    client = login(staff_a)
    client.raise_request_exception = False
    response = client.get("/api/v1/me/")
    assert response.status_code == 500
    assert_reveals_nothing(response)
    assert response.json()["error"]["code"] == "server_error"
    assert set(response.json()) == {"error"}


def test_fhir_answers_a_failure_as_an_operation_outcome(browser, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError(f"{FAILURE} {settings.SECRET_KEY}")

    monkeypatch.setattr(fhir_views, "capability_statement", fail)
    response = browser.get("/fhir/r4/metadata")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/fhir+json"
    assert_reveals_nothing(response)
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == "exception"


def test_the_500_handler_needs_no_request_context_nor_database():
    # No ``db`` fixture: any query here would fail the test. No session, no user.
    request = RequestFactory().get("/anything/")
    response = errors.server_error(request)
    assert response.status_code == 500
    assert "yl-auth" in assert_reveals_nothing(response)


def test_the_500_handler_answers_even_if_its_template_fails(monkeypatch):
    def broken(name, *args, **kwargs):
        raise TemplateDoesNotExist(name)

    monkeypatch.setattr(errors.loader, "get_template", broken)
    response = errors.server_error(RequestFactory().get("/anything/"))
    assert response.status_code == 500
    assert "<h1>500</h1>" in assert_reveals_nothing(response)


def test_a_bad_host_gets_the_400_page_without_echoing_it(browser):
    response = browser.get("/", HTTP_HOST="attacker.example")
    assert response.status_code == 400
    body = assert_reveals_nothing(response)
    assert "attacker.example" not in body
    assert "ALLOWED_HOSTS" not in body
    assert "yl-auth" in body


def test_an_unknown_page_gets_the_404_page(browser):
    response = browser.get("/no/such/page/")
    assert response.status_code == 404
    body = assert_reveals_nothing(response)
    assert "URLconf" not in body and "urlpatterns" not in body


def test_a_form_without_its_csrf_token_gets_the_site_page_not_the_reason(db):
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    response = client.post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    body = assert_reveals_nothing(response)
    assert "yl-auth" in body
    assert "CSRF cookie not set" not in body and "CSRF_" not in body
    assert "The form has expired" in body or "表单" in body
