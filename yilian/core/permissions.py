"""View decorators for role checks. Object scoping is done by selectors (404), not here."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

View = Callable[..., HttpResponse]


def role_required(*roles: str) -> Callable[[View], View]:
    """Logged-in users holding at least one of ``roles``; others get 403."""

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            user = request.user
            if not user.is_authenticated or not user.has_role(*roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def allowed_if(check: Callable[[Any], bool], refusal: str) -> Callable[[View], View]:
    """Logged-in users for whom ``check(user)`` holds (a module's policy: members of the
    alliance, platform managers …); others get 403 with ``refusal`` (a lazy translation)."""

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not check(request.user):
                raise PermissionDenied(refusal)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
