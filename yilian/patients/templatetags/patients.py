from __future__ import annotations

from typing import Any

from django import template

from yilian.workflow.models import BusinessRequest

from ..views import consent_context

register = template.Library()


@register.inclusion_tag("patients/_consent.html", takes_context=True)
def consent_block(context: template.Context, req: BusinessRequest) -> dict[str, Any]:
    """The informed consent of a request about a patient: how, by whom and when it was
    signed, or — for the applicant's hospital while the request is a draft or returned —
    the two ways to record it. Renders nothing for a request about nobody. Use only on a
    page that has already authorised reading ``req``."""
    # The page's HTTP request (``context.request``): a template may have named another
    # object "request" (the kind detail templates do: the business request).
    request = getattr(context, "request", None) or context["request"]
    return {
        **consent_context(request.user, req),
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }
