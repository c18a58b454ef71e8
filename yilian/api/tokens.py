"""Making and checking personal access tokens — the one place that turns an
``Authorization: Bearer …`` header into a user (the REST API and the FHIR facade both
call ``user_for_bearer``).

A token is ``yl`` + 10 hex characters (the prefix, stored in clear to find the row) + ``_``
+ 43 URL-safe characters from 32 random bytes. Only its SHA-256 is stored: a stolen
database yields no usable token, and 256 bits of entropy need no slow hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.http import HttpRequest
from django.utils import timezone

from yilian.accounts.models import User

from .models import PersonalAccessToken

PREFIX_LENGTH = 12
# ``last_used_at`` is written at most this often per token (not on every call).
LAST_USED_PRECISION = timedelta(minutes=1)


def new_token() -> tuple[str, str, str]:
    """A fresh token: ``(token, prefix, sha256 hex)``. The token itself is shown once."""
    prefix = "yl" + secrets.token_hex(5)
    token = f"{prefix}_{secrets.token_urlsafe(32)}"
    return token, prefix, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def bearer_value(request: HttpRequest) -> str | None:
    """The credentials of an ``Authorization: Bearer <token>`` header (None: no such
    header)."""
    scheme, _space, value = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return value.strip()


def find_token(raw: str) -> PersonalAccessToken | None:
    """The usable token ``raw`` names: not revoked, not expired, its owner's account
    active. None for anything else (whatever the reason: the caller learns nothing)."""
    if len(raw) < PREFIX_LENGTH + 2 or len(raw) > 200:
        return None
    token = (
        PersonalAccessToken.objects.usable()
        .select_related("user", "user__hospital")
        .filter(prefix=raw[:PREFIX_LENGTH])
        .first()
    )
    if token is None or not hmac.compare_digest(token.token_hash, token_hash(raw)):
        return None
    if not token.user.can_use_business:
        return None
    return token


def _touch(token: PersonalAccessToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        PersonalAccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def user_for_bearer(request: HttpRequest) -> User | None:
    """The user an ``Authorization: Bearer`` token on ``request`` stands for, or None (no
    bearer header, or a token that is unknown, revoked, expired or whose owner's account
    is disabled). The token is left on ``request.api_token`` for scope checks
    (``PersonalAccessToken.may_write``) and its last use is recorded."""
    raw = bearer_value(request)
    if not raw:
        return None
    token = find_token(raw)
    if token is None:
        return None
    _touch(token)
    request.api_token = token  # type: ignore[attr-defined]
    return token.user
