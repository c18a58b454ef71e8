"""Who calls: a personal access token (``Authorization: Bearer``) or the web app's session
(with its CSRF token on unsafe methods). Both end in the same user, and every call is
counted against that token's or user's rate limit."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer, SessionAuth
from ninja.utils import check_csrf

from yilian.accounts.models import User

from .errors import ApiError
from .limits import count_call
from .tokens import bearer_value, user_for_bearer

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _count(request: HttpRequest, user: User) -> None:
    """``limits.count_call`` (shared with the FHIR facade), answered as the API's 429."""
    retry_after = count_call(request, user)
    if retry_after is not None:
        raise ApiError(
            429,
            "rate_limited",
            _("Too many requests: try again in %(s)d seconds.") % {"s": retry_after},
            headers={"Retry-After": str(retry_after)},
        )


class TokenAuth(HttpBearer):
    """A personal access token. A token that is sent but not valid is a 401 at once (the
    session is not tried); a read-only token may not change anything (403), except on
    operations that only read although they are POSTed (``reads=True``: a search whose
    terms stay out of URLs)."""

    def __init__(self, *, reads: bool = False) -> None:
        self.reads = reads
        super().__init__()

    def __call__(self, request: HttpRequest) -> Any:
        if bearer_value(request) is None:
            return None
        return self.authenticate(request, "")

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_bearer(request)
        if user is None:
            raise ApiError(
                401, "invalid_token", _("The token is not valid, has expired or was revoked.")
            )
        api_token = request.api_token  # type: ignore[attr-defined]
        if request.method not in SAFE_METHODS and not self.reads and not api_token.may_write:
            raise ApiError(
                403, "insufficient_scope", _("This token may only read: use a read-write token.")
            )
        # Code shared with the pages (audit entries, file downloads) reads request.user.
        request.user = user
        _count(request, user)
        return user


class CookieAuth(SessionAuth):
    """The signed-in web app. CSRF is checked on unsafe methods only for a signed-in
    session (an anonymous call is simply not authenticated: 401)."""

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        if request.method not in SAFE_METHODS and check_csrf(request):
            raise ApiError(403, "csrf_failed", _("The CSRF token is missing or not valid."))
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if not user.is_authenticated or not user.can_use_business:
            return None
        _count(request, user)
        return user


AUTH = [TokenAuth(), CookieAuth(csrf=True)]
# For POSTed reads (searches): a read-only token may call them.
READ_AUTH = [TokenAuth(reads=True), CookieAuth(csrf=True)]
