"""Who is calling the FHIR facade — decided in this one place.

A request is authenticated either by the browser session or by a personal access token
(``Authorization: Bearer …``). A token-authenticated request carries no cookie an attacker
could ride on, so only such requests skip the CSRF check; a session POST keeps it. Every
call is counted against the same rate as the REST API's (``yilian.api.limits``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.translation import gettext as _

from yilian.accounts.models import User
from yilian.api.limits import count_call
from yilian.api.tokens import user_for_bearer

from .outcome import FhirError


@dataclass(frozen=True)
class Caller:
    user: User
    by_token: bool


def fhir_caller(request: HttpRequest) -> Caller:
    """The authenticated, active caller, or ``FhirError`` 401 (OperationOutcome ``login``);
    a caller beyond ``YILIAN_API_RATE`` is ``FhirError`` 429 (``throttled``, Retry-After)."""
    caller = _authenticated(request)
    retry_after = count_call(request, caller.user)
    if retry_after is not None:
        raise FhirError.one(
            429,
            "throttled",
            _("Too many requests: try again in %(s)d seconds.") % {"s": retry_after},
            headers={"Retry-After": str(retry_after)},
        )
    return caller


def _authenticated(request: HttpRequest) -> Caller:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        token_user = user_for_bearer(request)  # the API's personal access tokens
        if token_user is None or not token_user.can_use_business:
            raise FhirError.one(401, "login", _("The access token is not valid."))
        request.user = token_user  # audit entries name the token's owner
        return Caller(user=token_user, by_token=True)
    session_user = request.user
    if not isinstance(session_user, User) or not session_user.can_use_business:
        raise FhirError.one(401, "login", _("Sign in or send an access token."))
    return Caller(user=session_user, by_token=False)


def fhir_user(request: HttpRequest) -> User:
    return fhir_caller(request).user


def check_write(request: HttpRequest, caller: Caller) -> None:
    """A write needs a token with the write scope, or — from the browser session — Django's
    CSRF token, as every form of the site."""
    if caller.by_token:
        if not request.api_token.may_write:
            raise FhirError.one(403, "forbidden", _("This access token may only read."))
        return
    refused = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})  # type: ignore[arg-type]
    if refused is not None:
        raise FhirError.one(403, "forbidden", _("CSRF check failed: send the CSRF token."))
