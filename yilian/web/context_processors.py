from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from yilian.notify.selectors import unread_count

from .navigation import has_workbench, modules_for


def shell(request: HttpRequest) -> dict[str, Any]:
    """What the layout needs on every page: the menu and the unread badge."""
    user = request.user
    if not user.is_authenticated:
        return {}
    return {
        "nav_modules": modules_for(user),
        "nav_workbench": has_workbench(user),
        "unread_notifications": unread_count(user),
    }
