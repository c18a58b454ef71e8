from __future__ import annotations

from typing import Any

from django import template

from yilian.core import health

from .. import selectors, services

register = template.Library()


@register.inclusion_tag("imaging/_block.html", takes_context=True)
def imaging_block(context: template.Context, business_request: Any) -> dict[str, Any]:
    """The request's studies, slides and snapshots, with the resumable uploader for those
    who may send them. Use only on a page that has already authorised reading the request."""
    http_request = getattr(context, "request", None) or context["request"]
    user = http_request.user
    return {
        "req": business_request,
        "studies": selectors.studies_of(business_request),
        "slides": selectors.slides_of(business_request),
        "snapshots": selectors.snapshots_of(business_request),
        "may_upload": selectors.may_upload(user, business_request),
        "max_bytes": services.max_bytes(),
        "unavailable": health.unavailable("image_archive"),
    }
