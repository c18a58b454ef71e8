"""A request that waits past the connection pool's timeout is answered 503 with
``Retry-After`` in the site's error style (a page, the API's error body, a FHIR
OperationOutcome) and logged as a warning that names no patient; other failures stay 500.

On PostgreSQL the pool is real: one connection, held by another thread, and a one-second
wait. On SQLite the view raises psycopg_pool's own ``PoolTimeout``."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

import pytest
from django.db import connections
from django.test import Client

from . import busy_urls

pytestmark = [pytest.mark.urls("yilian.web.tests.busy_urls"), pytest.mark.django_db]

PATIENT = "王某某"


@pytest.fixture(autouse=True)
def _production_like(settings):
    settings.DEBUG = False
    settings.DEBUG_PROPAGATE_EXCEPTIONS = False


@pytest.fixture
def browser() -> Client:
    return Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")


@pytest.fixture
def held_tiny_pool() -> Iterator[None]:
    """A PostgreSQL pool of one connection (1 s wait), its connection taken by a thread
    that keeps it until the test ends."""
    default = connections["default"]
    if default.vendor != "postgresql":
        pytest.skip("the connection pool is PostgreSQL's")
    config = {**default.settings_dict, "OPTIONS": dict(default.settings_dict["OPTIONS"])}
    config["OPTIONS"]["pool"] = {"min_size": 1, "max_size": 1, "timeout": 1}
    config["CONN_MAX_AGE"] = 0
    busy_urls.TINY_POOL_SETTINGS.update(config)
    taken, release, done = threading.Event(), threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def hold() -> None:
        holder = busy_urls.tiny_pool_connection()
        try:
            holder.ensure_connection()
        except BaseException as exc:  # reported by the assertion below
            failures.append(exc)
            raise
        taken.set()
        release.wait()
        holder.close()
        holder.close_pool()
        done.set()

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    assert taken.wait(30), failures
    try:
        yield
    finally:
        release.set()
        thread.join(30)
        busy_urls.TINY_POOL_SETTINGS.clear()
        assert done.is_set()


def _assert_busy(response, caplog) -> None:
    assert response.status_code == 503
    assert 1 <= int(response["Retry-After"]) <= 30
    records = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [(r.name, r.levelname) for r in records] == [("yilian.web.errors", "WARNING")]
    assert "database busy" in records[0].getMessage()
    assert PATIENT not in records[0].getMessage()
    assert records[0].exc_info is None


@pytest.mark.parametrize("wait", ["pool", "timeout"])
def test_a_page_gets_the_busy_page(browser, caplog, request, wait):
    if wait == "pool":
        request.getfixturevalue("held_tiny_pool")

    response = browser.get(f"/test-busy/{wait}/", {"q": PATIENT})

    _assert_busy(response, caplog)
    body = response.content.decode()
    assert "yl-auth" in body and "The platform is busy right now" in body
    assert "Traceback" not in body and "PoolTimeout" not in body


@pytest.mark.parametrize("wait", ["pool", "timeout"])
def test_the_api_gets_its_error_body(browser, caplog, request, wait):
    if wait == "pool":
        request.getfixturevalue("held_tiny_pool")

    response = browser.get(f"/api/v1/test-busy/{wait}/", {"q": PATIENT})

    _assert_busy(response, caplog)
    assert response.json()["error"]["code"] == "database_busy"
    assert "Try again in a few seconds" in response.json()["error"]["message"]


@pytest.mark.parametrize("wait", ["pool", "timeout"])
def test_fhir_gets_an_operation_outcome(browser, caplog, request, wait):
    if wait == "pool":
        request.getfixturevalue("held_tiny_pool")

    response = browser.get(f"/fhir/r4/test-busy/{wait}/", {"q": PATIENT})

    _assert_busy(response, caplog)
    assert response["Content-Type"] == "application/fhir+json"
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == "transient"


def test_the_busy_page_is_translated(caplog):
    browser = Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="zh-hans")

    response = browser.get("/test-busy/timeout/")

    assert response.status_code == 503
    assert "平台繁忙" in response.content.decode()


def test_another_database_error_is_still_a_500(browser):
    response = browser.get("/test-busy/other/")

    assert response.status_code == 500
    assert "Retry-After" not in response
