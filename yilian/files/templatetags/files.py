from __future__ import annotations

from typing import Any

from django import template
from django.db import models

from ..views import attachments_context

register = template.Library()


@register.inclusion_tag("files/_attachments.html", takes_context=True)
def attachments(context: template.Context, target: models.Model) -> dict[str, Any]:
    """The files on ``target`` with an upload form for those who may add files. Use only
    on a page that has already authorised reading ``target``."""
    # The page's HTTP request (``context.request``): a template may have named another
    # object "request" (the kind detail templates do: the business request).
    request = getattr(context, "request", None) or context["request"]
    return {
        **attachments_context(request.user, target, next_url=request.get_full_path()),
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
