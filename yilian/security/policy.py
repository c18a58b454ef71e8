"""Who must use two-factor sign-in, and how long a session may last."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

from yilian.accounts.models import User
from yilian.accounts.roles import Role

# The roles that see the whole alliance or sign experts' opinions.
TWO_FACTOR_ROLES = frozenset(
    {Role.PLATFORM_ADMIN, Role.SECURITY_ADMIN, Role.AUDITOR, Role.MANAGER, Role.EXPERT}
)


def two_factor_required(user: User) -> bool:
    return bool(settings.YILIAN_2FA_REQUIRED and user.has_role(*TWO_FACTOR_ROLES))


def idle_timeout() -> timedelta:
    return timedelta(minutes=settings.YILIAN_IDLE_TIMEOUT_MINUTES)


def session_lifetime() -> timedelta:
    return timedelta(seconds=settings.SESSION_COOKIE_AGE)


def sign_in_name(request: object, credentials: dict | None) -> str | None:
    """The mobile number a sign-in attempt was for (the lockout counts per number)."""
    for source in (credentials or {}, getattr(request, "POST", {}) or {}):
        for key in ("username", "phone"):
            value = source.get(key)
            if value:
                return str(value).strip()
    return None


def sign_in_address(request: object) -> str | None:
    """The client address of a sign-in attempt, or None when the request has none (a sign-in
    made in code): the lockout's address field must be a real address or empty."""
    meta = getattr(request, "META", {}) or {}
    return meta.get("REMOTE_ADDR") or None
