"""The REST API (``/api/v1/``): one NinjaAPI, one router per resource.

To add a resource, write a module with ``router = ninja.Router(tags=[...])`` (its
operations declare ``response={200: Out, **errors()}``) and add one line to ``RESOURCES``
below — authentication, rate limits, error bodies and the OpenAPI document come with it.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.utils.module_loading import import_string
from ninja import NinjaAPI
from ninja.openapi.docs import DocsBase

from . import errors
from .auth import AUTH

# (URL prefix, module with a ``router``), in the order the documentation lists them.
RESOURCES: tuple[tuple[str, str], ...] = (
    ("/me", "yilian.api.endpoints.me"),
    ("/businesses", "yilian.api.endpoints.businesses"),
    ("/patients", "yilian.api.endpoints.patients"),
    ("/files", "yilian.api.endpoints.files"),
    ("/notifications", "yilian.api.endpoints.notifications"),
    ("", "yilian.api.endpoints.sessions"),
    ("/teaching", "yilian.api.endpoints.teaching"),
    ("/teaching", "yilian.api.endpoints.cme"),
    ("/teaching", "yilian.api.endpoints.live"),
    ("/quality", "yilian.api.endpoints.quality"),
)


class LocalSwaggerDocs(DocsBase):
    """Swagger UI from the vendored files (never a CDN), started by a static script (no
    inline script: the page works under a strict Content-Security-Policy)."""

    def render_page(self, request: HttpRequest, api: NinjaAPI, **kwargs: Any) -> HttpResponse:
        get_token(request)  # the CSRF cookie, for calls made from the page with the session
        context = {
            "openapi_url": self.get_openapi_url(api, kwargs),
            "title": api.title,
            "csrf_cookie_name": settings.CSRF_COOKIE_NAME,
        }
        return render(request, "api/docs.html", context)


DESCRIPTION = (
    "The Yilian alliance platform's data and business interface. Authenticate with a "
    "personal access token (`Authorization: Bearer <token>`, made on the *API tokens* page "
    "of your account) or, from the web app, with the session and its CSRF token. Lists are "
    "cursor-paginated (`next_cursor`); every error has the body "
    '`{"error": {"code", "message", "fields"}}`. See docs/api.md.'
)


def build_api() -> NinjaAPI:
    api = NinjaAPI(
        title="Yilian API",
        version="1",
        description=DESCRIPTION,
        urls_namespace="api-1",
        auth=AUTH,
        docs=LocalSwaggerDocs(),
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    errors.install(api)
    for prefix, module in RESOURCES:
        api.add_router(prefix, import_string(f"{module}.router"))
    return api


api = build_api()
