"""The one rate limit on calls by token or signed-in user (``YILIAN_API_RATE``), shared by
the REST API and the FHIR facade: both accept the same tokens and sessions, so a call
through either counts against the same budget — a throttled token gets no way around it."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from yilian.accounts.models import User
from yilian.core import ratelimit

SCOPE = "api"


def count_call(request: HttpRequest, user: User) -> int | None:
    """Count one call by ``user`` — by the token it came with (``request.api_token``, left
    by ``tokens.user_for_bearer``), else by the user. None when it is within the rate;
    otherwise the seconds to wait, for the caller's 429 and ``Retry-After``."""
    token = getattr(request, "api_token", None)
    key = f"token:{token.pk}" if token is not None else f"user:{user.pk}"
    allowed, retry_after = ratelimit.hit(SCOPE, key, settings.YILIAN_API_RATE)
    return None if allowed else retry_after
