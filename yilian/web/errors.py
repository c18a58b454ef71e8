"""The error handlers for what no view answered: a bad request (400), an unexpected error
(500) and a database too busy to answer in time (503, with ``Retry-After``). JSON clients
(``/api/``, ``/fhir/``) get their own error body; pages get a static template that needs no
request context, database or URL reversing, so it renders when the rest of the application
cannot. None says anything about the failure itself: the details go to the log
(``django.request``), never to the client."""

from __future__ import annotations

import logging
import sys

from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.utils.translation import gettext as _

from yilian.core.db_router import waited_past_pool_timeout
from yilian.core.refusals import client_refusal

logger = logging.getLogger(__name__)

# What is left to send when even the template cannot be rendered.
_BARE = {
    400: '<!doctype html><title>400</title><h1>400</h1><p><a href="/">Yilian</a></p>',
    500: '<!doctype html><title>500</title><h1>500</h1><p><a href="/">Yilian</a></p>',
    503: '<!doctype html><title>503</title><h1>503</h1><p><a href="/">Yilian</a></p>',
}

# When a client may try again after the pool ran out of connections: the burst that took
# them is usually over within the pool's own wait.
RETRY_AFTER_SECONDS = 5


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
    # Django calls this handler while handling the exception, so it is still current here.
    if waited_past_pool_timeout(sys.exc_info()[1]):
        return database_busy(request)
    return _answer(
        request, 500, "server_error", _("Something went wrong on our side. Try again later.")
    )


def database_busy(request: HttpRequest) -> HttpResponse:
    """Every pooled database connection stayed taken for the pool's whole timeout: 503 and
    ``Retry-After``, logged as a warning (method and path only: no query string, body or
    user, so no patient detail) instead of ``django.request``'s error with a traceback."""
    logger.warning(
        "database busy: no pooled connection became free in time for %s %s; answered 503",
        request.method,
        request.path,
    )
    response = _answer(
        request,
        503,
        "database_busy",
        _("The platform is busy right now. Try again in a few seconds."),
    )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response._has_been_logged = True  # type: ignore[attr-defined]  # django.request: logged
    return response
