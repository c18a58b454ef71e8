"""Session limits (idle and absolute) and the second factor, checked on every request."""

from __future__ import annotations

import time
from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext_lazy as _

from yilian.accounts.middleware import OPEN_TO_INACTIVE
from yilian.core.refusals import client_refusal

from . import selectors
from .policy import AUDITOR_MAY_WRITE, read_only

# Pages a signed-in person reaches before giving the second factor.
OPEN_BEFORE_SECOND_FACTOR = OPEN_TO_INACTIVE | {
    "security:two_factor_setup",
    "security:two_factor_verify",
    "web:manifest",
    "web:service_worker",
    "web:offline",
}
# ``last_seen`` is written at most this often (a session save per request is wasteful).
TOUCH_EVERY = 60


def _open(request: HttpRequest, names: frozenset[str] | set[str]) -> bool:
    if request.path.startswith("/static/"):
        return True
    try:
        return resolve(request.path_info).view_name in names
    except Resolver404:
        return False


class SessionLimitsMiddleware:
    """Signs out a session idle for longer than the idle timeout, or older than the
    absolute lifetime, whatever it was doing."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        if session is not None and request.user.is_authenticated:
            now = time.time()
            reason = selectors.session_expiry(session, now)
            if reason:
                logout(request)
                refusal = client_refusal(
                    request, status=401, code="session_expired", message="The session has expired."
                )
                if refusal is not None:
                    return refusal
                query = urlencode({"expired": reason, "next": request.get_full_path()})
                return redirect(f"{reverse('accounts:login')}?{query}")
            if now - session.get("last_seen", 0) >= TOUCH_EVERY:
                session["last_seen"] = now
        return self.get_response(request)


class TwoFactorMiddleware:
    """A person who has a second factor, or whose role requires one, gives it before
    anything else; without a device yet, they are sent to set one up."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()
            and selectors.second_factor_due(request, user)
            and not _open(request, OPEN_BEFORE_SECOND_FACTOR)
        ):
            refusal = client_refusal(
                request,
                status=403,
                code="second_factor_required",
                message="Sign in with your second factor first.",
            )
            if refusal is not None:
                return refusal
            step = "verify" if selectors.has_second_factor(user) else "setup"
            target = reverse(f"security:two_factor_{step}")
            return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class ReadOnlyAuditorMiddleware:
    """The auditor changes nothing: every other method than GET, HEAD and OPTIONS from an
    account holding the auditor role is refused (403) before any view runs, except on the
    few pages of its own account (``policy.AUDITOR_MAY_WRITE``). One place, so a page added
    later cannot forget it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            request.method not in SAFE_METHODS
            and read_only(request.user)
            and not _open(request, AUDITOR_MAY_WRITE)
        ):
            message = "An auditor's account reads the audit trail and changes nothing."
            refusal = client_refusal(request, status=403, code="read_only", message=message)
            if refusal is not None:
                return refusal
            raise PermissionDenied(_("An auditor's account reads and changes nothing."))
        return self.get_response(request)
