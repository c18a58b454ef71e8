"""Logins are recorded where Django announces them, whatever view logged the user in."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from .services import record_login


@receiver(user_logged_in, dispatch_uid="analytics.record_login")
def _count_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    record_login(user)
