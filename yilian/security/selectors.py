from __future__ import annotations

from typing import Any

from axes.models import AccessAttempt, AccessLog
from django.conf import settings
from django.db.models import Max, QuerySet, Sum
from django.http import HttpRequest
from django.utils import timezone
from django_otp import user_has_device

from yilian.accounts.models import User

from .models import AccountSession
from .policy import idle_timeout, session_lifetime, two_factor_required

SESSION_FLAG = "second_factor_due"


def has_second_factor(user: User) -> bool:
    return user_has_device(user, confirmed=True)


def session_verified(request: HttpRequest) -> bool:
    """Whether this session has given its second factor (django-otp's middleware marks it)."""
    verified = getattr(request.user, "is_verified", None)
    return bool(verified and verified())


def needs_second_factor(user: User) -> bool:
    return two_factor_required(user) or has_second_factor(user)


def second_factor_due(request: HttpRequest, user: User) -> bool:
    """Whether this session of ``user`` must give a second factor. Decided once per session
    (at sign-in, or on its first request) and kept in it, so ordinary pages cost no query."""
    session = request.session
    if SESSION_FLAG not in session:
        session[SESSION_FLAG] = needs_second_factor(user)
    return bool(session[SESSION_FLAG])


def session_expiry(session: Any, now: float) -> str:
    """``"idle"`` or ``"lifetime"`` when the session has run out, else ``""``."""
    last_seen = session.get("last_seen")
    if last_seen and now - last_seen > idle_timeout().total_seconds():
        return "idle"
    signed_in_at = session.get("signed_in_at")
    if signed_in_at and now - signed_in_at > session_lifetime().total_seconds():
        return "lifetime"
    return ""


def sessions_of(user: User) -> QuerySet[AccountSession]:
    return AccountSession.objects.filter(user=user)


def sign_ins_of(user: User) -> QuerySet[AccessLog]:
    """Successful sign-ins recorded at the login form (the newest first)."""
    return AccessLog.objects.filter(username=user.phone).order_by("-attempt_time")


def _locked(field: str) -> list[dict[str, Any]]:
    return list(
        AccessAttempt.objects.filter(
            attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME,
            **{f"{field}__isnull": False},
        )
        .values(field)
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
        .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
        .order_by("-last")
    )


def locked_accounts() -> list[dict[str, Any]]:
    """Mobile numbers with too many failures within the lockout window (from any address)."""
    return _locked("username")


def locked_addresses() -> list[dict[str, Any]]:
    """Addresses with too many failures within the lockout window (for any account)."""
    return _locked("ip_address")
