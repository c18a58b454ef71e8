"""The error handlers for what no view answered: a bad request (400) and an unexpected
error (500). JSON clients (``/api/``, ``/fhir/``) get their own error body; pages get a
static template that needs no request context, database or URL reversing, so it renders
when the rest of the application cannot. Neither says anything about the failure itself:
the details go to the log (``django.request``), never to the client."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.translation import gettext as _

from yilian.core.refusals import client_refusal

logger = logging.getLogger(__name__)

# What is left to send when even the template cannot be rendered.
_BARE = {
    400: '<!doctype html><title>400</title><h1>400</h1><p><a href="/">Yilian</a></p>',
    500: '<!doctype html><title>500</title><h1>500</h1><p><a href="/">Yilian</a></p>',
}


def _answer(request: HttpRequest, status: int, code: str, message: str) -> HttpResponse:
    refusal = client_refusal(request, status=status, code=code, message=message)
    if refusal is not None:
        return refusal
    try:
        body = loader.get_template(f"{status}.html").render()
    except Exception:  # an error page must not fail in turn
        logger.exception("the %s page could not be rendered", status)
        body = _BARE[status]
    return HttpResponse(body, status=status)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _answer(request, 400, "bad_request", _("The request could not be understood."))


def server_error(request: HttpRequest) -> HttpResponse:
    return _answer(
        request, 500, "server_error", _("Something went wrong on our side. Try again later.")
    )
