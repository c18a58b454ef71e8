"""The site's URLs plus pages that wait for a database connection, for the 503 tests
(never installed)."""

from __future__ import annotations

from typing import Any

from django.db import OperationalError
from django.db.utils import load_backend
from django.http import HttpRequest, HttpResponse
from django.urls import path
from psycopg_pool import PoolTimeout

from yilian import urls

# A PostgreSQL pool of one connection that the tests hold (see test_database_busy): its
# alias, and the settings the test puts here. Its connections are made outside
# ``django.db.connections``, one per thread, all drawing on the one pool of the alias.
TINY_POOL = "tiny_pool"
TINY_POOL_SETTINGS: dict[str, Any] = {}


def tiny_pool_connection() -> Any:
    backend = load_backend(TINY_POOL_SETTINGS["ENGINE"])
    return backend.DatabaseWrapper(TINY_POOL_SETTINGS, TINY_POOL)


def query_the_tiny_pool(request: HttpRequest) -> HttpResponse:
    connection = tiny_pool_connection()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    finally:
        connection.close()
    return HttpResponse("unreachable while the pool's one connection is held")


def pool_timed_out(request: HttpRequest) -> HttpResponse:
    raise PoolTimeout("couldn't get a connection after 1.00 sec")


def other_database_error(request: HttpRequest) -> HttpResponse:
    raise OperationalError("server closed the connection unexpectedly")


urlpatterns = [
    path("test-busy/other/", other_database_error),
    path("test-busy/pool/", query_the_tiny_pool),
    path("api/v1/test-busy/pool/", query_the_tiny_pool),
    path("fhir/r4/test-busy/pool/", query_the_tiny_pool),
    path("test-busy/timeout/", pool_timed_out),
    path("api/v1/test-busy/timeout/", pool_timed_out),
    path("fhir/r4/test-busy/timeout/", pool_timed_out),
    *urls.urlpatterns,
]
handler400 = urls.handler400
handler500 = urls.handler500
