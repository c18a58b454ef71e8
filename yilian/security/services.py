"""Writes of account security: sessions ended, two-factor devices enrolled and reset,
lockouts lifted."""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from axes.utils import reset as axes_reset
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from yilian.accounts.models import User
from yilian.core.ratelimit import client_ip

from . import selectors
from .models import AccountSession

RECOVERY_CODES = 10


def record_session(request: HttpRequest, user: User) -> None:
    key = request.session.session_key
    if not key:
        return
    ip = client_ip(request)
    AccountSession.objects.update_or_create(
        session_key=key,
        defaults={
            "user": user,
            "ip_address": None if ip == "unknown" else ip,
            "user_agent": request.headers.get("User-Agent", "")[:200],
        },
    )


def end_session(session_key: str | None) -> None:
    if session_key:
        AccountSession.objects.filter(session_key=session_key, ended_at__isnull=True).update(
            ended_at=timezone.now()
        )


def revoke_sessions(user: User, *, keep: Iterable[str] = ()) -> int:
    """End every session of ``user`` (but ``keep``): its rows are deleted from the session
    store, so the next request of that browser is signed out."""
    open_sessions = AccountSession.objects.filter(user=user, ended_at__isnull=True).exclude(
        session_key__in=list(keep)
    )
    keys = list(open_sessions.values_list("session_key", flat=True))
    Session.objects.filter(session_key__in=keys).delete()
    open_sessions.update(ended_at=timezone.now())
    return len(keys)


def pending_totp_device(user: User) -> TOTPDevice:
    """The authenticator being set up (made once, kept until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)


def _new_recovery_codes(user: User) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name="recovery", defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [f"{secrets.token_hex(2)}-{secrets.token_hex(2)}" for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


@transaction.atomic
def confirm_totp(request: HttpRequest, user: User, token: str) -> list[str] | None:
    """Confirm the authenticator with a code it shows; on success the session is verified
    and new recovery codes are returned (to be shown once)."""
    if not selectors.session_verified(request) and selectors.has_second_factor(user):
        raise PermissionDenied  # replacing a device needs the present one (see the view)
    device = pending_totp_device(user)
    if not device.verify_token(token.strip().replace(" ", "")):
        return None
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    otp_login(request, device)
    return _new_recovery_codes(user)


def verify_second_factor(request: HttpRequest, user: User, token: str) -> bool:
    """A code from the authenticator (six digits), or an unused recovery code (used up by
    this). Each kind goes to its own device, so a mistyped code slows down only that one."""
    token = token.strip().replace(" ", "").lower()
    manager = TOTPDevice.objects if token.isdigit() else StaticDevice.objects
    for device in manager.devices_for_user(user):
        if device.verify_is_allowed()[0] and device.verify_token(token):
            otp_login(request, device)
            return True
    return False


def new_recovery_codes(user: User) -> list[str]:
    return _new_recovery_codes(user)


@transaction.atomic
def remove_two_factor(user: User) -> None:
    """Forget every device (lost phone): the person enrols again at the next sign-in."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    revoke_sessions(user)


def unlock(*, username: str = "", ip_address: str = "") -> int:
    """Lift a lockout of an account (its mobile number) or of an address."""
    if username:
        return axes_reset(username=username)
    if ip_address:
        return axes_reset(ip=ip_address)
    return 0
