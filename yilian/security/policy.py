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


# The auditor reads and exports the audit trail and changes nothing (separation of duties):
# an account holding the role writes nothing but its own account (signing in and out, its
# password, second factor, sessions, profile and language), and searches the trail by a
# patient's identifier in a request body (so the number never appears in a link).
AUDITOR_MAY_WRITE = frozenset(
    {
        "accounts:login",
        "accounts:logout",
        "accounts:profile",
        "accounts:password_change",
        "accounts:password_reset",
        "accounts:password_reset_confirm",
        "accounts:set_password",
        "security:two_factor_setup",
        "security:two_factor_verify",
        "security:account",
        "set_language",
        "audit:find_patient",
    }
)


def read_only(user: User) -> bool:
    """Whether ``user`` may only read (see ``AUDITOR_MAY_WRITE``)."""
    return bool(user.is_authenticated and user.has_role(Role.AUDITOR))


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
