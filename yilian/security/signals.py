from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver
from django.utils import timezone

from . import selectors, services


@receiver(user_logged_in)
def _started(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        now = timezone.now().timestamp()
        request.session["signed_in_at"] = request.session["last_seen"] = now
        request.session[selectors.SESSION_FLAG] = selectors.needs_second_factor(user)
        request.session.save()
        services.record_session(request, user)


@receiver(user_logged_out)
def _ended(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        services.end_session(request.session.session_key)
