"""The site's URLs plus a page that fails, for the error-page tests (never installed)."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.urls import path

from yilian import urls

FAILURE = "boom at /work/yilian/secret.py with key"


def fail_with_sql(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT national_id FROM patients_no_such_table WHERE 1 = 1")
    return HttpResponse("unreachable")


def fail_with_secrets(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(f"{FAILURE} {settings.SECRET_KEY} {settings.DATABASES}")


urlpatterns = [
    path("test-failures/sql/", fail_with_sql),
    path("test-failures/secrets/", fail_with_secrets),
    *urls.urlpatterns,
]
handler400 = urls.handler400
handler500 = urls.handler500
